"""Serve the sample sites on 127.0.0.1, one port per site, with switchable faults.

Each site gets its own ``ThreadingHTTPServer`` (HTTP/1.1, keep-alive) in a daemon
thread, so a crawl sees four distinct hosts as it would see four domains. Pages are
rendered per request. Faults (see ``sample_sites.faults``) are set from Python
(``set_fault``) or, for a crawler running in another process, over HTTP on each site's
port:

- ``GET /_control/requests`` (``?all=1``: every site) -> the request log as JSON
- ``DELETE /_control/requests`` -> empty the log
- ``GET /_control/faults`` -> faults in force
- ``POST /_control/faults`` with JSON ``{"path": "/x", "fault": "status", "params": {"code": 500}}``
- ``DELETE /_control/faults`` (``?all=1``: every site) -> clear faults
- ``GET /_control/catalog`` -> the catalog with absolute URLs

``/_control/`` requests are never logged, never faulted, and not linked from any page.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import re
import socket
import socketserver
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from newsmon.sample_sites import faults
from newsmon.sample_sites.articles import SITES, catalog
from newsmon.sample_sites.render import HANDLERS, SERVER_NAMES
from newsmon.sample_sites.render.common import Request, Response, html_page, plain, redirect

logger = logging.getLogger(__name__)

DEFAULT_PORTS: dict[str, int] = {"nhandan": 8471, "thanhhoa": 8472, "hoabinh": 8473, "travinh": 8474}
MAX_BODY = 1_000_000
_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


class PortUnavailable(OSError):
    """A sample site cannot listen on its port (another program holds it)."""

    def __init__(self, site: str, host: str, port: int, reason: str) -> None:
        super().__init__(f"sample site {site!r}: cannot listen on {host}:{port}: {reason}")
        self.site, self.host, self.port, self.reason = site, host, port, reason


class RequestRecord(NamedTuple):
    """One served request. ``status`` 0: no response was sent (reset, timeout, dark)."""

    site: str
    method: str
    path: str  # path + query as sent
    status: int
    bytes: int  # body bytes actually sent
    authorization: str | None = None  # the Authorization header received (tests check secrets are sent)


class SampleSites:
    """The four sample sites; use as a context manager or call start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", ports: dict[str, int] | None = None) -> None:
        unknown = set(ports or {}) - set(SITES)
        if unknown:
            raise ValueError(f"unknown sample site(s) {sorted(unknown)}; known: {', '.join(SITES)}")
        self.host = host
        self.ports = {**DEFAULT_PORTS, **(ports or {})}
        self.urls: dict[str, str] = {}
        self._servers: dict[str, _SiteServer] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._faults: dict[tuple[str, str], faults.Fault] = {}
        self._loop = itertools.count(1)
        self.stopping = threading.Event()

    # lifecycle -------------------------------------------------------------------------
    def start(self) -> SampleSites:
        if self._servers:
            raise RuntimeError("the sample sites are already running")
        self.stopping.clear()
        url_host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        try:
            for site in SITES:
                server = _SiteServer((self.host, self.ports[site]), site, self)
                self._servers[site] = server
                self.urls[site] = f"http://{url_host}:{server.server_port}"
        except OSError as exc:
            self.stop()
            raise PortUnavailable(site, self.host, self.ports[site], exc.strerror or str(exc)) from exc
        for site, server in self._servers.items():
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"sample-{site}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving; wakes handlers sleeping in timeout/slow faults and drops idle connections."""
        self.stopping.set()
        for server in self._servers.values():
            if any(t.is_alive() for t in self._threads):
                server.shutdown()
            server.close_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SampleSites:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Environment variables that ``newsmon/sample_sites/sources.yaml`` expands."""
        return {f"SAMPLE_{site.upper()}_URL": url for site, url in self.urls.items()}

    def url_for(self, site: str, path: str) -> str:
        return self.urls[site] + path

    # faults ----------------------------------------------------------------------------
    def set_fault(self, site: str, path: str, fault: str, **params: Any) -> None:
        """Make requests for ``path`` (exact path + query, or "*") on ``site`` fail as ``fault``."""
        if site not in SITES:
            raise ValueError(f"unknown sample site {site!r}; known: {', '.join(SITES)}")
        if path != "*" and not path.startswith("/"):
            raise ValueError(f"path must start with '/' or be '*', not {path!r}")
        made = faults.make_fault(fault, params)
        with self._lock:
            self._faults[(site, path)] = made

    def clear_faults(self, site: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._faults if site is None or k[0] == site]:
                del self._faults[key]

    def list_faults(self, site: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"site": s, "path": p, **f.describe()}
                for (s, p), f in self._faults.items()
                if site is None or s == site
            ]

    def take_fault(self, site: str, target: str) -> faults.Fault | None:
        """The fault for this request, counting it against ``times``."""
        with self._lock:
            key = next(
                (
                    k
                    for k in ((site, target), (site, faults.strip_loop_param(target)), (site, "*"))
                    if k in self._faults
                ),
                None,
            )
            if key is None:
                return None
            fault = self._faults[key]
            if fault.name == "dark" and fault.served < fault.params["after"]:
                fault.served += 1  # still up: the domain goes dark later in the crawl
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[key]
            return fault

    def next_loop(self) -> int:
        with self._lock:
            return next(self._loop)

    # request log -----------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the log of served requests, oldest first."""
        with self._lock:
            return list(self._log)

    def record(self, entry: RequestRecord) -> None:
        with self._lock:
            self._log.append(entry)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: str, owner: SampleSites) -> None:
        self.site = site
        self.owner = owner
        self._active: set[socket.socket] = set()
        self._active_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn): slow and useless here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._active_lock:
            self._active.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._active_lock:
                self._active.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that resets or drops the connection (a cancelled download) is normal here."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._active_lock:
            active = list(self._active)
        for sock in active:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are dropped after this
    server: _SiteServer

    def version_string(self) -> str:
        return SERVER_NAMES[self.server.site]

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.server.site, format % args)

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    # plumbing --------------------------------------------------------------------------
    def _base(self) -> str:
        host = self.headers.get("Host", "")
        return f"http://{host}" if _HOST_RE.match(host) else self.server.owner.urls[self.server.site]

    def _read_body(self) -> bytes:
        try:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, resp: Response, truncate: bool = False) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        self.wfile.write(resp.body[: len(resp.body) // 2] if truncate else resp.body)
        if truncate:
            self.close_connection = True

    def _reset(self) -> None:
        """Close with a TCP RST: SO_LINGER with a zero timeout, then close."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    # serving ---------------------------------------------------------------------------
    def _serve(self) -> None:
        site, target = self.server.site, self.path
        try:
            body = self._read_body()
            if urlsplit(target).path.startswith("/_control/"):
                self._control(target, body)
            else:
                self._serve_site(site, target, body)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    def _record(self, status: int, sent: int) -> None:
        # Logged before the response goes out, so a client that has its answer finds it in the log.
        self.server.owner.record(
            RequestRecord(
                self.server.site, self.command, self.path, status, sent, self.headers.get("Authorization")
            )
        )

    def _serve_site(self, site: str, target: str, body: bytes) -> None:
        owner = self.server.owner
        fault = owner.take_fault(site, target)
        name = fault.name if fault else None
        if name in ("reset", "dark"):
            self._record(0, 0)
            self._reset()
            return
        if fault is not None and name == "timeout":
            self._record(0, 0)
            owner.stopping.wait(fault.params["seconds"])
            self.close_connection = True
            return
        if fault is not None and name == "slow":
            owner.stopping.wait(fault.params["delay"])
        resp = self._respond(site, target, body, fault)
        truncate = name == "truncate"
        sent = 0 if self.command == "HEAD" else (len(resp.body) // 2 if truncate else len(resp.body))
        self._record(resp.status, sent)
        self._send(resp, truncate=truncate)

    def _respond(self, site: str, target: str, body: bytes, fault: faults.Fault | None) -> Response:
        if fault is not None and fault.name == "status":
            headers = (
                [("Retry-After", str(fault.params["retry_after"]))]
                if fault.params["retry_after"] is not None
                else []
            )
            code = fault.params["code"]
            return html_page(f"<html><body><h1>{code}</h1></body></html>", code, headers)
        if fault is not None and fault.name == "redirect_loop":
            base = faults.strip_loop_param(target)
            sep = "&" if "?" in base else "?"
            return redirect(f"{base}{sep}{faults.LOOP_PARAM}={self.server.owner.next_loop()}")
        if fault is not None and fault.name == "robots" and urlsplit(target).path == "/robots.txt":
            return plain(f"User-agent: *\nDisallow: {fault.params['disallow']}\n")
        if self.command not in ("GET", "HEAD", "POST"):
            return html_page(
                "<html><body>Method Not Allowed</body></html>", 405, [("Allow", "GET, HEAD, POST")]
            )
        form: dict[str, str] = {}
        if self.command == "POST" and "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
            form = {k: v[0] for k, v in parsed.items()}
        request = Request(
            self.command,
            target,
            self._base(),
            form,
            trap=fault is not None and fault.name == "pagination_trap",
        )
        try:
            resp = HANDLERS[site](request)
        except Exception:
            logger.exception("sample site %s failed to render %s", site, target)
            resp = html_page("<html><body><h1>500 Internal Server Error</h1></body></html>", 500)
        return faults.apply(fault, resp, target) if fault is not None else resp

    def _control(self, target: str, body: bytes) -> None:
        owner, site = self.server.owner, self.server.site
        url = urlsplit(target)
        every = parse_qs(url.query).get("all") == ["1"]
        status, payload = 200, None
        try:
            if url.path == "/_control/requests" and self.command == "GET":
                payload = [r._asdict() for r in owner.requests if every or r.site == site]
            elif url.path == "/_control/requests" and self.command == "DELETE":
                owner.reset_log()
                payload = {"ok": True}
            elif url.path == "/_control/faults" and self.command == "GET":
                payload = owner.list_faults(None if every else site)
            elif url.path == "/_control/faults" and self.command == "POST":
                spec = json.loads(body or b"{}")
                owner.set_fault(
                    spec.get("site", site), spec["path"], spec["fault"], **(spec.get("params") or {})
                )
                status, payload = 201, {"ok": True}
            elif url.path == "/_control/faults" and self.command == "DELETE":
                owner.clear_faults(None if every else site)
                payload = {"ok": True}
            elif url.path == "/_control/catalog" and self.command == "GET":
                payload = [{**a, "url": owner.urls[a["site"]] + a["path"]} for a in catalog()]
            else:
                status, payload = 404, {"error": f"no control endpoint {self.command} {url.path}"}
        except (ValueError, KeyError, TypeError) as exc:
            status, payload = 400, {"error": str(exc)}
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(Response(status, data, "application/json; charset=utf-8"))
