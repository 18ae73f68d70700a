"""A pool of worker processes for the pages' CPU work (``pipeline.prepare``).

A crawl downloads in one process; extraction, the first classification and the near-duplicate
signature of each page run here, on every core, while the crawl's threads only write. The
workers are spawned on first use (fresh interpreters that each import the pipeline: forking the
crawl's threaded process is unsafe) and die with their parent (Linux's parent-death signal), so
a crawl killed with SIGKILL leaves none behind.

A worker that dies (an lxml crash, the OOM killer) breaks the pool: the pool is rebuilt and
the page tried once more in the new one; a page that breaks it again is given up as a
pipeline error (stored, marked ``error``, ``newsmon reprocess`` can retry it), and the crawl
goes on.

``NEWSMON_EXTRACT_WORKERS``: processes in the pool; ``auto`` (the default) is one per core,
``0`` runs the work in the calling thread instead (one-core machines, tests).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the pipeline (trafilatura...) is imported when the first page comes
    from pipeline.prepare import Prepared
    from pipeline.types import Page, Selectors

logger = logging.getLogger(__name__)

__all__ = ["PagePool", "worker_count"]


def worker_count(value: str | int | None) -> int:
    """Processes for ``NEWSMON_EXTRACT_WORKERS``: ``auto``/empty is one per core (none on a
    one-core machine, where a pool only adds copying); a number is taken as it is."""
    if value is None or str(value).strip().lower() in ("", "auto"):
        cores = os.cpu_count() or 1
        return cores if cores > 1 else 0
    try:
        count = int(str(value).strip())
    except ValueError:
        raise ValueError(f"NEWSMON_EXTRACT_WORKERS must be a number or 'auto', not {value!r}") from None
    if count < 0:
        raise ValueError(f"NEWSMON_EXTRACT_WORKERS must be 0 or more, not {count}")
    return count


def _init_worker(parent: int) -> None:
    """In each worker: Ctrl-C is the parent's to handle, and the worker dies with its parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown must do
        pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)
    import pipeline.prepare  # noqa: F401 - loaded before the first page, not with it


class PagePool:
    """``prepare`` in ``workers`` processes, started on first use; thread-safe."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"a pool needs at least one worker, not {workers}")
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def _get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the page pool is shut down")
            if self._executor is None:
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(
                    self.workers, mp_context=context, initializer=_init_worker, initargs=(os.getpid(),)
                )
            return self._executor

    def start(self) -> None:
        """Spawn the workers now rather than with the first page, so their start-up (about a
        second each: an interpreter and the pipeline's imports) overlaps the caller's own."""
        executor = self._get()
        for _ in range(self.workers):  # no worker is idle yet, so each call spawns one
            executor.submit(os.getpid)

    def _broken(self, executor: ProcessPoolExecutor | None, exc: BrokenProcessPool) -> None:
        logger.warning("an extraction worker died (%s); starting new ones", exc or "no detail")
        if executor is not None:
            self._rebuild(executor)

    def _rebuild(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:  # another thread may have rebuilt it already
                self._executor = None
                broken.shutdown(wait=False, cancel_futures=True)

    def submit(
        self, page: Page, selectors: Selectors | None = None, published: datetime | None = None
    ) -> Future[Prepared] | None:
        """Start preparing ``page``; None when the pool is broken (``result`` then prepares it)."""
        from pipeline.prepare import prepare

        executor = self._get()
        try:
            return executor.submit(prepare, page, selectors, published)
        except BrokenProcessPool:
            self._rebuild(executor)
            return None

    def result(
        self,
        future: Future[Prepared] | None,
        page: Page,
        selectors: Selectors | None = None,
        published: datetime | None = None,
    ) -> Prepared:
        """What ``submit`` started; a worker that died on it gets the page once more in new ones."""
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool as exc:
                with self._lock:
                    broken = self._executor
                self._broken(broken, exc)
        return self.prepare(page, selectors, published)

    def prepare(
        self, page: Page, selectors: Selectors | None = None, published: datetime | None = None
    ) -> Prepared:
        """The page prepared by a worker; blocks the calling thread (not the GIL) meanwhile."""
        from pipeline.prepare import Prepared, prepare

        failure: BrokenProcessPool | None = None
        for _attempt in (1, 2):
            executor = self._get()
            try:
                return executor.submit(prepare, page, selectors, published).result()
            except BrokenProcessPool as exc:
                self._broken(executor, exc)
                failure = exc
        return Prepared(None, error=f"extraction worker died twice on this page: {failure}", bug=True)

    def shutdown(self) -> None:
        """Stop the workers (they finish the page in hand first)."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
