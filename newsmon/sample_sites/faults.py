"""Switchable faults: the ways real sites fail, reproducible on demand.

A fault is set for one request target (path + query, exactly as the client sends it) or
for ``"*"`` (every request of a site); an exact target wins over ``"*"``. Every fault
takes an optional ``times=N``: it then applies to the next N matching requests only,
which is how a test checks that a crawler retries.

=================  ======================================  ===================================
fault              params (defaults)                       what the client sees
=================  ======================================  ===================================
status             code=503, retry_after=None              that status (+ ``Retry-After``)
timeout            seconds=20 (capped at 300)              no answer; the connection closes
truncate                                                   full Content-Length, half the body
redirect_loop                                              302 to the same path, new query
wrong_charset      declared="iso-8859-1"                   UTF-8 body, other charset declared
legacy_charset     declared="utf-8" | "windows-1258"       windows-1258 body
reset                                                      TCP reset, no response
malformed          at=0.5                                  HTML cut inside a tag at that share
huge               size=5000000                            valid page padded to ``size`` bytes
slow               delay=5 (capped at 300)                 normal answer after ``delay`` s
dark               after=0                                 after ``after`` normal answers, a
                                                           reset for every request (use "*"):
                                                           a domain going dark mid-crawl
pagination_trap                                            listings always offer a next page
calendar_trap                                              HTML pages link to the previous and
                                                           next day's archive (``?ngay=``),
                                                           forever: each day repeats the page
robots             disallow="/"                            robots.txt disallowing that path
=================  ======================================  ===================================

A burst of server errors is ``status`` with ``times=N`` on ``"*"``: the next N requests
of the site fail, then it recovers.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from newsmon.sample_sites.render.common import Response

MAX_WAIT = 300.0
FAULTS: dict[str, dict[str, Any]] = {
    "status": {"code": 503, "retry_after": None},
    "timeout": {"seconds": 20.0},
    "truncate": {},
    "redirect_loop": {},
    "wrong_charset": {"declared": "iso-8859-1"},
    "legacy_charset": {"declared": "utf-8"},
    "reset": {},
    "malformed": {"at": 0.5},
    "huge": {"size": 5_000_000},
    "slow": {"delay": 5.0},
    "dark": {"after": 0},
    "pagination_trap": {},
    "calendar_trap": {},
    "robots": {"disallow": "/"},
}
_TYPES: dict[str, type] = {
    "code": int,
    "retry_after": int,
    "seconds": float,
    "delay": float,
    "at": float,
    "size": int,
    "declared": str,
    "disallow": str,
    "after": int,
}
LOOP_PARAM = "_loop"
CALENDAR_PARAM = "ngay"  # the day an archive page shows, under the calendar_trap fault
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


@dataclass
class Fault:
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    remaining: int | None = None  # None: until cleared
    served: int = 0  # normal answers given so far (dark with after=N)

    def describe(self) -> dict[str, Any]:
        return {"fault": self.name, "params": self.params, "remaining": self.remaining}


def make_fault(name: str, params: dict[str, Any] | None = None) -> Fault:
    """Validate a fault name and its parameters (strings are converted: CLI and HTTP send text)."""
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
    given = dict(params or {})
    times = given.pop("times", None)
    unknown = set(given) - set(FAULTS[name])
    if unknown:
        raise ValueError(
            f"fault {name!r} takes {sorted(FAULTS[name]) or 'no parameters'} (and times), not {sorted(unknown)}"
        )
    values = dict(FAULTS[name])
    for key, raw in given.items():
        try:
            values[key] = None if raw is None else _TYPES[key](raw)
        except (TypeError, ValueError):
            raise ValueError(f"fault {name!r}: {key}={raw!r} is not a valid {_TYPES[key].__name__}") from None
    if name == "status" and not 400 <= values["code"] <= 599:
        raise ValueError(f"fault 'status': code={values['code']} must be between 400 and 599")
    if name == "legacy_charset" and values["declared"].lower() not in ("utf-8", "windows-1258"):
        raise ValueError("fault 'legacy_charset': declared must be 'utf-8' (a lie) or 'windows-1258'")
    if name == "dark" and values["after"] < 0:
        raise ValueError("fault 'dark': after must be 0 or more (normal answers before going dark)")
    if name == "malformed" and not 0 < values["at"] < 1:
        raise ValueError("fault 'malformed': at must be between 0 and 1")
    for key in ("seconds", "delay"):
        if key in values:
            values[key] = max(0.0, min(float(values[key]), MAX_WAIT))
    remaining = None if times is None else int(times)
    if remaining is not None and remaining < 1:
        raise ValueError("times must be at least 1")
    return Fault(name, values, remaining)


def strip_loop_param(target: str) -> str:
    """The target without the query parameters that redirect_loop and calendar_trap add, to
    match the fault."""
    path, _, query = target.partition("?")
    added = (LOOP_PARAM + "=", CALENDAR_PARAM + "=")
    kept = [p for p in query.split("&") if p and not p.startswith(added)]
    return path + ("?" + "&".join(kept) if kept else "")


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese in windows-1258, which has few precomposed letters.

    Letters it lacks ("ệ", "ộ", ...) are written as base letter plus combining tone
    mark, as legacy Windows software did; decoding and NFC-normalising restores them.
    """
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in _TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
        out += (base + tones).encode("cp1258", errors="xmlcharrefreplace")
    return bytes(out)


def _is_text(resp: Response) -> bool:
    ctype = resp.content_type.split(";")[0].strip().lower()
    return ctype.startswith("text/") or ctype.endswith("xml")


def _redeclare(text: str, charset: str) -> str:
    text = re.sub(r"(charset=[\"']?)utf-8", rf"\g<1>{charset}", text, flags=re.IGNORECASE)
    return re.sub(r"(<\?xml[^>]*encoding=[\"'])utf-8", rf"\g<1>{charset}", text, count=1, flags=re.IGNORECASE)


def _content_type(resp: Response, charset: str) -> str:
    return resp.content_type.split(";")[0].strip() + f"; charset={charset}"


def apply(fault: Fault, resp: Response, target: str = "/") -> Response:
    """Transform a rendered response for the faults that alter the body."""
    if not _is_text(resp):
        return resp
    if fault.name == "calendar_trap":
        return Response(resp.status, _add_calendar(resp, target), resp.content_type, resp.headers)
    if fault.name == "wrong_charset":
        declared = fault.params["declared"]
        body = _redeclare(resp.body.decode("utf-8"), declared).encode("utf-8")
        return Response(resp.status, body, _content_type(resp, declared), resp.headers)
    if fault.name == "legacy_charset":
        declared = fault.params["declared"].lower()
        text = resp.body.decode("utf-8")
        if declared == "windows-1258":
            text = _redeclare(text, "windows-1258")
        return Response(resp.status, to_cp1258(text), _content_type(resp, declared), resp.headers)
    if fault.name == "malformed":
        return Response(
            resp.status, _cut_in_tag(resp.body, fault.params["at"]), resp.content_type, resp.headers
        )
    if fault.name == "huge":
        return Response(resp.status, _pad(resp.body, fault.params["size"]), resp.content_type, resp.headers)
    return resp


def _cut_in_tag(body: bytes, at: float) -> bytes:
    start = body.find(b"<", int(len(body) * at))
    return body[: start + 2] if start >= 0 else body[: int(len(body) * at)]


def _pad(body: bytes, size: int) -> bytes:
    """Pad with empty ad slots before ``</body>``: a valid page of exactly ``size`` bytes."""
    missing = size - len(body)
    if missing <= 0:
        return body
    slot = b'<div class="ad-slot"></div>\n'
    padding = slot * (missing // len(slot)) + b" " * (missing % len(slot))
    cut = body.rfind(b"</body>")
    cut = len(body) if cut < 0 else cut
    return body[:cut] + padding + body[cut:]


def _add_calendar(resp: Response, target: str) -> bytes:
    """An archive calendar before ``</body>``: links to the day before and after this page's
    day (today without ``?ngay=``). The day pages exist forever, so only a crawler's page
    cap or "nothing new" stop ends the walk."""
    if "html" not in resp.content_type or b"</body>" not in resp.body:
        return resp.body
    url = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True) if k != CALENDAR_PARAM]
    given = dict(parse_qsl(url.query)).get(CALENDAR_PARAM, "")
    try:
        day = date.fromisoformat(given)
    except ValueError:
        day = date.today()

    def link(other: date, label: str) -> str:
        href = url.path + "?" + urlencode([*query, (CALENDAR_PARAM, other.isoformat())])
        return f'<a href="{html.escape(href)}">{label}</a>'

    block = (
        f'<div class="archive-calendar"><span>Lưu trữ {day:%d/%m/%Y}</span> '
        f"{link(day - timedelta(days=1), 'Tin cũ hơn')} {link(day + timedelta(days=1), 'Ngày sau')}</div>"
    )
    cut = resp.body.rfind(b"</body>")
    return resp.body[:cut] + block.encode(_charset(resp)) + resp.body[cut:]


def _charset(resp: Response) -> str:
    match = re.search(r"charset=([\w-]+)", resp.content_type)
    return match.group(1) if match else "utf-8"
