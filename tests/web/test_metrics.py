"""`/metrics`: scraped from the app over the web test database (filled by `newsmon demo` and the
seed pages), parsed with prometheus_client's own parser, and checked against the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from newsmon.crawl.distributed import queue_depths
from newsmon.web.app import create_app
from storage.db import make_engine, session_factory, session_scope
from storage.models import Alert, Article, CrawlRun, Event
from tests.distributed.conftest import redis_url  # noqa: F401 - fixture

pytestmark = pytest.mark.db


def scrape(client: TestClient, **kwargs: object) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = client.get("/metrics", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def by(samples: list[tuple[dict[str, str], float]], *labels: str) -> dict[tuple[str, ...], float]:
    return {tuple(lab[name] for name in labels): value for lab, value in samples}


@pytest.fixture(scope="module")
def sessions(web_db: str) -> Iterator[object]:
    engine = make_engine(web_db)
    yield session_factory(engine)
    engine.dispose()


def test_metrics_agree_with_the_database(client: TestClient, sessions: object) -> None:
    samples = scrape(client)
    assert by(samples["newsmon_database_up"]) == {(): 1.0}
    with session_scope(sessions) as s:  # type: ignore[arg-type]
        stored = dict(
            s.execute(
                select(CrawlRun.source_id, func.sum(CrawlRun.pages_stored)).group_by(CrawlRun.source_id)
            ).all()
        )
        articles = dict(s.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all())
        events = s.scalar(select(func.count()).select_from(Event))
        alerts = {
            (k, st): n
            for k, st, n in s.execute(
                select(Alert.kind, Alert.status, func.count()).group_by(Alert.kind, Alert.status)
            )
        }
        finished = {
            sid for (sid,) in s.execute(select(CrawlRun.source_id).where(CrawlRun.status == "finished"))
        }
    assert stored and sum(stored.values()) > 0  # the demo crawled the sample sites
    assert by(samples["newsmon_pages_stored_total"], "source") == {(k,): float(v) for k, v in stored.items()}
    assert by(samples["newsmon_articles"], "source") == {(k or "",): float(v) for k, v in articles.items()}
    assert sum(v for _, v in samples["newsmon_events"]) == events > 0
    assert by(samples["newsmon_alerts"], "kind", "status") == {k: float(v) for k, v in alerts.items()}
    assert ("health", "failed") in alerts and ("new_event", "sent") in alerts  # failed and sent both shown
    last = by(samples["newsmon_last_success_timestamp_seconds"], "source")
    assert {k for (k,) in last} == finished
    assert all(value > 1.7e9 for value in last.values())  # Unix seconds, after 2023
    fetched = by(samples["newsmon_pages_fetched_total"], "source")
    assert all(fetched[(k,)] >= v for k, v in stored.items() if v)
    assert "newsmon_queue_depth" not in samples  # no Redis configured: no queue series


def test_request_latency_by_route_template(client: TestClient) -> None:
    client.get("/api/search", params={"q": "tập huấn"})
    client.get("/api/events/999999")  # a 404: its own status class, the id not in the labels
    samples = scrape(client)
    counts = by(
        [s for s in samples["newsmon_http_request_duration_seconds_count"]], "method", "route", "status"
    )
    assert counts[("GET", "/api/search", "2xx")] >= 1
    assert counts[("GET", "/api/events/{event_id}", "4xx")] >= 1
    assert not any("999999" in route for _, route, _ in counts)
    buckets = [
        v
        for lab, v in samples["newsmon_http_request_duration_seconds_bucket"]
        if lab["route"] == "/api/search" and lab["status"] == "2xx"
    ]
    assert buckets == sorted(buckets)  # cumulative


def test_metrics_need_the_login(web_db: str) -> None:
    client = TestClient(create_app(web_db, token="s3cret-token"))
    assert client.get("/metrics").status_code == 401
    assert "newsmon_articles" in scrape(client, headers={"Authorization": "Bearer s3cret-token"})


def test_a_dead_database_is_a_metric_not_an_error(tmp_path: object) -> None:
    client = TestClient(create_app("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    samples = scrape(client)
    assert by(samples["newsmon_database_up"]) == {(): 0.0}
    assert "newsmon_articles" not in samples


def test_queue_depth_from_redis(web_db: str, redis_url: str) -> None:  # noqa: F811 - fixture
    server = redis.Redis.from_url(redis_url)
    server.zadd("newsmon:src-a:requests", {b"r1": 0, b"r2": 0, b"r3": 1})
    assert queue_depths(redis_url, ["src-a", "src-b"]) == {"src-a": 3, "src-b": 0}
    client = TestClient(create_app(web_db, queue_depth=lambda: queue_depths(redis_url, ["src-a", "src-b"])))
    samples = scrape(client)
    assert by(samples["newsmon_queue_depth"], "source") == {("src-a",): 3.0, ("src-b",): 0.0}
    assert by(samples["newsmon_queue_up"]) == {(): 1.0}
    dead = TestClient(
        create_app(web_db, queue_depth=lambda: queue_depths("redis://127.0.0.1:1/0", ["src-a"]))
    )
    assert by(scrape(dead)["newsmon_queue_up"]) == {(): 0.0}
