"""Ctrl-C during a release: stop within a second, child processes included, and never
stop half-way through undoing.

A SIGINT sent to ``fab`` alone (``kill -INT``, a CI runner cancelling) does not reach the
build backend, sphinx-build or the editor it started; Python would wait for them (a build
can take half a minute) before the interrupt took effect. So while a release runs, the
first SIGINT (or SIGTERM) stops every descendant process first, then interrupts the main
thread. While a rollback runs, further interrupts are held back: a rollback cut short is
worse than a slower exit.

Signal handlers can only be set from the main thread; elsewhere (a task run from a
thread by some host program) both context managers do nothing.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def stop_children(grace: float = 0.5) -> None:
    """Terminate every process this one started (and theirs), killing what lingers."""
    import psutil

    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """While active, SIGINT/SIGTERM stop the child processes, then raise KeyboardInterrupt."""
    if not _in_main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop_children()
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, handler) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextlib.contextmanager
def held_back() -> Iterator[list[int]]:
    """While active, SIGINT/SIGTERM are only recorded (the list yielded), never raised."""
    received: list[int] = []
    if not _in_main_thread():
        yield received
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, handler) for s in _SIGNALS}
    try:
        yield received
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
