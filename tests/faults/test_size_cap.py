"""A page over DOWNLOAD_MAXSIZE is cancelled and counted as ``too_large``."""

from __future__ import annotations

from scrapy.http import Request
from twisted.python.failure import Failure

from spiders.errors import classify_failure

try:
    from scrapy.exceptions import DownloadCancelledError
except ImportError:  # Scrapy before 2.19: errors are classified by class name

    class DownloadCancelledError(Exception):  # type: ignore[no-redef]
        pass


def test_download_cancelled_for_size_is_too_large() -> None:
    message = (
        "Cancelling download of http://127.0.0.1/a: expected response size (12000000) larger than "
        "download max size (10485760)."
    )
    failure = Failure(DownloadCancelledError(message))
    failure.request = Request("http://127.0.0.1/a")
    assert classify_failure(failure)[0] == "too_large"
