"""Processes on this host: whether the one that left a crawl run open still lives, and how a
long-running command stops on SIGINT/SIGTERM.

The stop contract of ``crawl``, ``worker``, ``schedule`` and ``serve`` (docs/operations.md):
the first signal asks for a clean stop and the command finishes what it can within a grace
period (:data:`STOP_GRACE`); when the grace runs out, what is still in flight is abandoned,
the crawl runs are marked and the command exits 0 all the same. A second signal forces the
exit at once: runs marked, exit status 128 + the signal's number. Signals arriving together
(:data:`SAME_REQUEST` apart: a terminal's Ctrl-C reaches the whole process group, systemd
signals the whole control group, the scheduler signals its crawls as well) are one request.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = [
    "FORCE_BACKSTOP",
    "SAME_REQUEST",
    "STOP_GRACE",
    "StopSignals",
    "exit_now",
    "in_thread",
    "pid_alive",
]

logger = logging.getLogger(__name__)

# Seconds a crawl (or a worker) gives the requests in flight after the first signal. The
# scheduler waits a little longer for its crawls; every command is gone within 10 s.
STOP_GRACE = 4.0
# Seconds the forced path gets to mark the runs before the process exits regardless (a
# reactor thread stuck in a database call must not keep the process alive).
FORCE_BACKSTOP = 1.5
# Signals closer together than this are one request to stop, not a request to force.
SAME_REQUEST = 1.0
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exit_now(code: int) -> None:
    """Leave the process now, flushing what it printed and logged first: the forced path
    must not wait for threads (a job mid-way, the reactor's pool) that would hold it open."""
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):  # nothing more can be done about a broken stream
            handler.flush()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def in_thread(func: Callable[..., Any], *args: Any) -> None:
    """Run ``func`` in a thread of its own: what a signal handler starts must not log from
    inside the handler (the interrupted code may be writing to the same stream)."""
    threading.Thread(target=func, args=args, name="newsmon-stop", daemon=True).start()


class StopSignals:
    """SIGINT and SIGTERM for one long-running command, by the contract above.

    ``stop(signum)`` starts the clean stop; ``force(signum, code)`` marks what must be marked
    before the process exits with ``code`` (0 when the grace ran out, 128 + signum on a second
    signal). ``call`` runs them where they may run: ``reactor.callFromThread`` for Scrapy
    commands (a signal handler must not touch the reactor's state), a thread of their own
    otherwise.
    ``force`` may be None: the process then just exits.
    """

    def __init__(
        self,
        stop: Callable[[int], Any],
        force: Callable[[int, int], Any] | None = None,
        grace: float = STOP_GRACE,
        call: Callable[..., Any] = in_thread,
    ) -> None:
        self.stop = stop
        self.force = force
        self.grace = grace
        self.call = call
        self.signum: int | None = None
        self.forced = False
        self._first_at = 0.0
        self._previous: dict[int, Any] = {}
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self.signum is not None

    def install(self) -> StopSignals:
        if threading.current_thread() is not threading.main_thread():
            return self  # only the main thread may handle signals (an embedding program's choice)
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def restore(self) -> None:
        """Put the previous handlers back and drop the grace timer (the stop finished)."""
        if self._timer is not None:
            self._timer.cancel()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def __enter__(self) -> StopSignals:
        return self.install()

    def __exit__(self, *_exc: object) -> None:
        self.restore()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
            self._first_at = time.monotonic()
            self._timer = threading.Timer(self.grace, self._expired)
            self._timer.daemon = True
            self._timer.start()
            self.call(self._stop, signum)
        elif time.monotonic() - self._first_at >= SAME_REQUEST:
            self._force(signum, 128 + signum)

    def _stop(self, signum: int) -> None:
        name = signal.Signals(signum).name
        logger.warning(
            "%s: stopping; work in flight gets %.0fs, then it is abandoned; send %s again to force the exit",
            name,
            self.grace,
            name,
        )
        self.stop(signum)

    def _expired(self) -> None:
        self._force(self.signum or signal.SIGTERM, 0)

    def _force(self, signum: int, code: int) -> None:
        with self._lock:
            if self.forced:
                return
            self.forced = True
        backstop = threading.Timer(FORCE_BACKSTOP, exit_now, (code,))
        backstop.daemon = True
        backstop.start()
        self.call(self._run_force, signum, code)

    def _run_force(self, signum: int, code: int) -> None:
        if code:
            logger.warning("%s again: forcing the exit", signal.Signals(signum).name)
        else:
            logger.warning("the stop took longer than %.0fs: abandoning the work in flight", self.grace)
        try:
            if self.force is not None:
                self.force(signum, code)
        except Exception:
            logger.exception("could not mark the runs before exiting; the next crawl marks them")
        finally:
            exit_now(code)
