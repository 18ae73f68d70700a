"""Naming why a request failed, so crawl_runs can count failures by kind."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure

# (exception class names, kind): checked in order, by name so that Scrapy versions
# with or without the newer exception classes classify alike.
_KINDS: list[tuple[tuple[str, ...], str]] = [
    (("CannotResolveHostError", "DNSLookupError", "DNSLookupFailed"), "dns"),
    (("DownloadTimeoutError", "TimeoutError", "UserTimeoutError", "TCPTimedOutError"), "timeout"),
    (("DownloadConnectionRefusedError", "ConnectionRefusedError"), "connection_refused"),
    (("ResponseDataLossError", "_DataLoss"), "truncated"),
    (
        ("ConnectionLost", "ConnectionDone", "ConnectionAborted", "ResponseNeverReceived", "ResponseFailed"),
        "connection_lost",
    ),
    (("ConnectError", "DownloadFailedError"), "connection"),
]


def _names(exc: BaseException) -> set[str]:
    names = {cls.__name__ for cls in type(exc).__mro__}
    # twisted wraps the real causes (e.g. data loss) in ResponseFailed/ResponseNeverReceived.
    for inner in getattr(exc, "reasons", None) or []:
        value = getattr(inner, "value", None)
        if value is not None:
            names |= {cls.__name__ for cls in type(value).__mro__}
    return names


def classify_failure(failure: Failure) -> tuple[str, int | None, str]:
    """(kind, HTTP status or None, message) for a request's failure."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http_{status}", status, f"HTTP {status}"
    message = str(exc) or type(exc).__name__
    if isinstance(exc, IgnoreRequest):
        lowered = message.lower()
        if "robots.txt" in lowered:
            return "robots", None, message
        if "redirect" in lowered:
            return "redirect_loop", None, message
        if "offsite" in lowered or "filtered" in lowered:
            return "offsite", None, message
        if "maxsize" in lowered or "cancelled" in lowered or "size" in lowered:
            return "too_large", None, message
        return "ignored", None, message
    names = _names(exc)
    if "_DataLoss" in names or "ResponseDataLossError" in names:
        return "truncated", None, message
    if "DownloadCancelledError" in names and "size" in message.lower():  # DOWNLOAD_MAXSIZE (Scrapy 2.13+)
        return "too_large", None, message
    for classes, kind in _KINDS:
        if names & set(classes):
            return kind, None, message
    if isinstance(exc, twisted_error.ConnectError | OSError):
        return "connection", None, message
    return "error", None, f"{type(exc).__name__}: {message}"
