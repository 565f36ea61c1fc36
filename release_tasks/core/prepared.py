"""Work a step asked to have started early, owned by the engine.

Some steps go faster with something made before they run (the isolated build environment,
the docs builder's Python with Sphinx imported). ``Step.prepare`` says what; the engine
starts it once the release is confirmed (never during the checks: they start nothing),
the step takes it when it runs, and whatever was not taken is closed when the release ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from release_tasks.core import processes


class Prepared:
    """``make()`` running in a thread of its own; its value is taken once, or closed."""

    def __init__(self, name: str, make: Callable[[], Any]) -> None:
        self.name = name
        self._make = make
        self._value: Any = None
        self._closed = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> Prepared:
        """In the run's context: the processes it starts are the run's (core.processes)."""
        self._thread = processes.thread(self._run, name=f"prepare-{self.name}")
        return self

    def _run(self) -> None:
        try:
            value = self._make()
        except Exception:  # the step itself does the work then, and reports its failure
            value = None
        with self._lock:
            if not self._closed:
                self._value = value
                return
        _close(value)  # closed before it was ready: nobody will take it

    def peek(self) -> Any:
        """Wait for it and lend it (None if making it failed); it stays owned here."""
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            return self._value

    def take(self) -> Any:
        """Wait for it; the caller owns what it returns (None if making it failed)."""
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            value, self._value, self._closed = self._value, None, True
        return value

    def close(self) -> None:
        """Not taken: close it now, or as soon as it is made."""
        with self._lock:
            value, self._value, self._closed = self._value, None, True
        _close(value)


def _close(value: Any) -> None:
    if value is not None and hasattr(value, "close"):
        value.close()
