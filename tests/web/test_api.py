"""The JSON API over a database filled by `newsmon demo` and `newsmon ingest` (tests/web/conftest.py)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from newsmon.web.app import create_app
from newsmon.web.auth import COOKIE, MaskTokenFilter


def search(client: TestClient, **params) -> dict:
    r = client.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_search_accents_optional_with_marked_snippets(client):
    folded = search(client, q="tap huan thong tin doi ngoai")
    accented = search(client, q="tập huấn thông tin đối ngoại")
    assert folded["total"] >= 5
    assert [h["id"] for h in folded["hits"]] == [h["id"] for h in accented["hits"]]
    assert all("«" in h["snippet"] and "»" in h["snippet"] for h in folded["hits"])
    assert set(folded["hits"][0]) >= {
        "id",
        "url",
        "title",
        "published",
        "source",
        "language",
        "event_id",
        "snippet",
    }


def test_search_filters_pagination_and_duplicates(client):
    every = search(client, q="quyen con nguoi", limit=100)
    first, second = (
        search(client, q="quyen con nguoi", limit=3),
        search(client, q="quyen con nguoi", limit=3, offset=3),
    )
    assert [h["id"] for h in first["hits"] + second["hits"]] == [h["id"] for h in every["hits"][:6]]
    # Old (Hòa Bình) and 2025 (Phú Thọ) names find the same articles, a subset of the unfiltered ones.
    old = search(client, q="quyen con nguoi", province="hoa binh", limit=100)
    new = search(client, q="quyen con nguoi", province="Phú Thọ", limit=100)
    assert old["total"] and {h["id"] for h in old["hits"]} == {h["id"] for h in new["hits"]}
    assert {h["id"] for h in old["hits"]} < {h["id"] for h in every["hits"]}
    trainings = search(client, q="quyen con nguoi", type="training_conference", limit=100)
    assert trainings["total"] and trainings["total"] < every["total"]
    assert search(client, q="quyen con nguoi", source="sample-travinh", limit=100)["hits"]
    assert all(
        h["source"] == "sample-travinh" for h in search(client, source="sample-travinh", limit=100)["hits"]
    )
    assert all(h["language"] == "en" for h in search(client, language="en", limit=100)["hits"])
    # Copies are folded unless asked for.
    folded, unfolded = search(client, limit=100), search(client, limit=100, with_duplicates=True)
    assert not any(h["duplicate_of"] for h in folded["hits"])
    assert any(h["duplicate_of"] for h in unfolded["hits"]) and unfolded["total"] > folded["total"]


def test_blank_query_lists_newest_first_within_dates(client):
    page = search(client, since="2024-01-01", until="2024-06-30", limit=100)
    dates = [h["published"] for h in page["hits"]]
    assert dates and dates == sorted(dates, reverse=True)
    assert dates[0] < "2024-07" and dates[-1] >= "2023-12-31T17:00"  # Vietnam days, until included
    assert page["total"] == len(dates)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"province": "Atlantis"}, "unknown province"),
        ({"since": "2024-13-01"}, "since"),
        ({"since": "0001-01-01"}, "1900"),
        ({"since": "2024-05-01", "until": "2024-01-01"}, "before since"),
        ({"type": "picnic"}, "type"),
        ({"limit": "1000"}, "limit"),
        ({"offset": "-1"}, "offset"),
    ],
)
def test_bad_parameters_are_422_saying_what_to_fix(client, params, words):
    r = client.get("/api/search", params=params)
    assert r.status_code == 422
    assert isinstance(r.json()["detail"], str) and words in r.json()["detail"]


def test_hostile_queries_never_fail(client):
    for q in ['"', "*", "NEAR(", "') OR 1=1 --", "((((", "\x00", "a" * 2000, "%", "_", "NOT"]:
        r = client.get("/api/search", params={"q": q})
        assert r.status_code == 200, (q, r.text)


def test_article_with_its_duplicates_and_event(client):
    copy = next(h for h in search(client, limit=100, with_duplicates=True)["hits"] if h["duplicate_of"])
    original = client.get(f"/api/articles/{copy['duplicate_of']}").json()
    assert copy["id"] in [d["id"] for d in original["duplicates"]]
    detail = client.get(f"/api/articles/{copy['id']}").json()
    assert original["id"] in [d["id"] for d in detail["duplicates"]]
    assert detail["text"] and detail["event"]["id"] == copy["event_id"]


@pytest.mark.parametrize("path", ["/api/articles/999999", "/api/events/999999"])
def test_unknown_ids_are_404(client, path):
    r = client.get(path)
    assert r.status_code == 404 and "no " in r.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/articles/0",
        "/api/articles/abc",
        f"/api/events/{2**70}",
        f"/api/articles/{2**31}",
        "/api/events/-3",
    ],
)
def test_impossible_ids_are_422(client, path):
    assert client.get(path).status_code == 422


def test_events_and_event_detail_with_provenance(client):
    events = client.get("/api/events", params={"limit": 100}).json()
    assert events["total"] == len(events["events"]) >= 10
    multi = max(events["events"], key=lambda e: e["reports"])
    assert multi["reports"] >= 3
    detail = client.get(f"/api/events/{multi['id']}").json()
    report_ids = {a["id"] for a in detail["articles"]}
    assert len(report_ids) == multi["reports"]
    fields = {f["field"]: f for f in detail["provenance"]}
    assert fields["date_held"]["value"] == detail["date_held"]
    assert fields["date_held"]["article_id"] in report_ids
    assert set(fields["date_held"]["mentioned_by"]) <= report_ids
    by_old = client.get("/api/events", params={"province": "Hòa Bình", "limit": 100}).json()
    assert by_old["total"] and all(e["province_2025"] == "Phú Thọ" or e["province"] == "Hòa Bình"
                                   for e in by_old["events"])  # fmt: skip
    held = client.get("/api/events", params={"since": "2024-10-17", "until": "2024-10-17"}).json()
    assert held["total"] and {e["date_held"] for e in held["events"]} == {"2024-10-17"}


def test_sources_stats(client):
    sources = {s["id"]: s for s in client.get("/api/sources").json()}
    assert {"sample-nhandan", "sample-hoabinh"} <= set(sources)
    assert sources["sample-nhandan"]["recent_runs"][0]["status"] == "finished"
    assert sources["sample-nhandan"]["articles"] > 0 and sources["sample-nhandan"]["health"]["runs"] >= 1
    stats = client.get("/api/stats").json()
    assert stats["articles"] == search(client, with_duplicates=True, limit=1)["total"]
    assert sum(c["count"] for c in stats["events_per_province"]) <= stats["events"]
    assert {c["key"] for c in stats["events_per_province"]} >= {"Phú Thọ", "Thanh Hóa"}


def test_schema_only_no_docs_and_read_only(client):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/search", "/api/articles/{article_id}", "/api/events", "/api/events/{event_id}",
            "/api/sources", "/api/stats"} <= set(schema["paths"])  # fmt: skip
    assert not any(p.startswith("/events") or p == "/" for p in schema["paths"])  # pages are not API
    assert client.get("/api/docs").status_code == 404 and client.get("/docs").status_code == 404
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = client.request(method, "/api/search")
        assert r.status_code == 405, method
    r = client.get("/api/stats")
    assert "script-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_token_auth_header_query_once_then_cookie(web_db):
    client = TestClient(create_app(web_db, token="s3cret-token"), follow_redirects=False)
    assert client.get("/api/stats").status_code == 401
    assert client.get("/api/stats", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/stats", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert client.get("/events?token=nope").status_code == 401
    r = client.get("/events?type=seminar&token=s3cret-token")
    assert r.status_code == 303 and r.headers["location"] == "/events?type=seminar"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "s3cret-token" not in cookie
    assert client.get("/events").status_code == 200  # the cookie now
    client.cookies.clear()
    assert client.get("/events").status_code == 401


def test_basic_auth(web_db):
    client = TestClient(create_app(web_db, basic_auth=("analyst", "pa:ss")))
    r = client.get("/")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert client.get("/", auth=("analyst", "wrong")).status_code == 401
    assert client.get("/", auth=("other", "pa:ss")).status_code == 401
    assert client.get("/", auth=("analyst", "pa:ss")).status_code == 200
    assert client.get("/", headers={"Authorization": "Basic !!!notbase64"}).status_code == 401
    assert COOKIE not in client.cookies


def test_token_is_masked_in_the_access_log():
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:1", "GET", "/events?a=1&token=s3cret&b=2", "1.1", 303), None)  # fmt: skip
    MaskTokenFilter().filter(record)
    line = AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s").format(record)
    assert "s3cret" not in line and "token=***&b=2" in line
