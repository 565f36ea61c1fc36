"""Ctrl-C during a release: stop within a second, the release's processes included, and
never stop half-way through undoing.

A SIGINT sent to ``fab`` alone (``kill -INT``, a CI runner cancelling) does not reach the
build backend, sphinx-build or the editor it started; Python would wait for them (a build
can take half a minute) before the interrupt took effect. So while a release runs, the
first SIGINT (or SIGTERM) stops the processes the release started (see
:mod:`release_tasks.core.processes`; not the other children of ``fab``), then interrupts
the main thread. While a rollback runs, further interrupts are held back: a rollback cut
short is worse than a slower exit.

Signal handlers can only be set from the main thread; elsewhere (a task run from a
thread by some host program) both context managers do nothing.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from release_tasks.core import processes

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM: stopped like Ctrl-C (every ``except KeyboardInterrupt`` applies), but told
    apart in the message and the exit status (143, as a shell reports SIGTERM)."""


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_for(signum: int) -> None:
    """Raise what ``signum`` means for the release."""
    if signum == signal.SIGTERM:
        raise Terminated
    raise KeyboardInterrupt


@contextlib.contextmanager
def interruptible() -> Iterator[processes.Register]:
    """While active, SIGINT/SIGTERM stop the processes of the run's register (yielded),
    then raise KeyboardInterrupt (:class:`Terminated` for SIGTERM).

    Only the first signal raises: the release is ending from then on, and a second one
    raised into the middle of acting on the first (stopping the processes, waiting for
    the steps) would cut that short. A later one kills the processes at once instead.
    """
    with processes.tracking() as register:
        if not _in_main_thread():
            yield register
            return
        # Imported now, not by the handler: a second signal arriving while the first one's
        # handler imports it would meet a half-imported module.
        import psutil  # noqa: F401

        received: list[int] = []

        def handler(signum: int, frame: FrameType | None) -> None:
            if received:
                register.stop(grace=0)
                return
            received.append(signum)
            register.stop()
            _raise_for(signum)

        with _handling(handler):
            yield register


@contextlib.contextmanager
def held_back() -> Iterator[list[int]]:
    """While active, SIGINT/SIGTERM are only recorded (the list yielded), never raised."""
    received: list[int] = []
    if not _in_main_thread():
        yield received
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    with _handling(handler):
        yield received


@contextlib.contextmanager
def _handling(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """``handler`` for SIGINT and SIGTERM while active; the previous handlers after."""
    previous = {s: signal.signal(s, handler) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
