"""What a step hands to the steps after it: typed values, not attributes of the release.

A step declares the types it ``provides`` and ``needs`` (``core.engine.Step``); the engine
stores what each returns here, and a step reads what it declared it needs. A need whose
provider runs alongside (the docs wait for the build's wheel) is waited for, not polled:
the wait ends when the provider returns, or fails.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Built:
    """The sdist and wheel this release built (their sha256 are in the journal)."""

    dists: tuple[Path, ...]

    @property
    def wheel(self) -> Path | None:
        return next((p for p in self.dists if p.suffix == ".whl"), None)


@dataclass(frozen=True)
class DocsBuilt:
    """The HTML of this version's docs."""

    html: Path


@dataclass(frozen=True)
class Uploaded:
    """Files put on the index by this run, and the ones it found already there."""

    files: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    # Each repository (as shown) with what this run put there and what it found there,
    # in the configured order: the first is the one the install line names.
    each: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Shipped:
    """Where the docs went."""

    location: str


@dataclass(frozen=True)
class HistoryEdit:
    """The history files changed, and the notes typed in the editor (kept if the release
    fails later, for the next try). Provided as soon as the files are written, with no
    notes yet, so that an undo knows what to restore."""

    paths: tuple[str, ...]
    notes_written: str | None = None


@dataclass(frozen=True)
class BuildStarted:
    """The build is writing into dist/, which held these names before (None: no dist/)."""

    dist_before: frozenset[str] | None


@dataclass(frozen=True)
class Tagged:
    """The tag this release made, and the commit it points at."""

    tag: str
    head: str


@dataclass(frozen=True)
class Committed:
    """A commit a step makes (kept under the step's name): HEAD before it and its subject,
    known before git is asked, so that a commit interrupted before we heard its sha is
    still recognised; then its sha."""

    step: str
    base: str
    subject: str
    sha: str | None = None


@dataclass
class Results:
    """The results of one release's steps, by type; safe to use from parallel steps."""

    _values: dict[tuple[type, str | None], object] = field(default_factory=dict)
    _ended: dict[type, threading.Event] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _event(self, kind: type) -> threading.Event:
        """Set unless a provider of ``kind`` is expected (see :meth:`expect`)."""
        with self._lock:
            if kind not in self._ended:
                self._ended[kind] = threading.Event()
                self._ended[kind].set()
            return self._ended[kind]

    def provide(self, value: object, key: str | None = None) -> None:
        """``key``: one of several values of a type (a step's own record, by its name)."""
        with self._lock:
            self._values[type(value), key] = value
        if key is None:
            self._event(type(value)).set()

    def ended(self, kinds: Iterable[type]) -> None:
        """The step providing ``kinds`` is over: whoever waits for them stops waiting."""
        for kind in kinds:
            self._event(kind).set()

    def get(self, kind: type[T], key: str | None = None) -> T | None:
        with self._lock:
            value = self._values.get((kind, key))
        return value if isinstance(value, kind) else None

    def wait(self, kind: type[T]) -> T | None:
        """The value, once its provider is over (None if it failed or never ran)."""
        if self.get(kind) is None:
            self._event(kind).wait()
        return self.get(kind)

    def expect(self, kinds: Iterable[type]) -> None:
        """``kinds`` will be provided by a step of this run: waiting for them waits."""
        for kind in kinds:
            with self._lock:
                if (kind, None) not in self._values:
                    self._ended[kind] = threading.Event()
