"""The journal of the release in progress, kept under ``.git/`` (never in the work tree).

It is the one truth about an unfinished release. Every change is announced in it before
it is made (the files a step is about to edit, the message of a commit about to be made,
the scratch folders about to be created), so after any interrupt, even SIGKILL,
``fab rollback`` and ``fab release --resume`` know exactly what may exist and undo or
finish it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from release_tasks.core.digest import sha256
from release_tasks.core.results import Built, DocsBuilt, Shipped, Uploaded
from release_tasks.vcs import git

_LOCK = threading.RLock()


def state_dir(root: Path) -> Path:
    """Our private folder inside the repository's git dir: journal, lock, kept notes."""
    return git.git_dir(root) / "release_tasks"


def notes_path(root: Path, version: str) -> Path:
    """Where the notes typed for ``version`` are kept when its release fails."""
    return state_dir(root) / f"notes-{version}.txt"


@dataclass
class Journal:
    path: Path
    version: str = ""
    current: str = ""
    tag: str = ""
    start_head: str = ""
    branch: str | None = None
    done: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)  # announced before each step runs
    failed: str | None = None
    finished: bool = False
    release_head: str | None = None  # HEAD after the local steps (the tagged commit)
    commits: dict[str, str] = field(default_factory=dict)  # step -> commit it made
    tag_created: bool = False
    dists: list[str] = field(default_factory=list)
    dist_hashes: dict[str, str] = field(default_factory=dict)  # path -> sha256 when built
    docs_html: str | None = None
    docs_location: str | None = None
    uploaded: list[str] = field(default_factory=list)
    # The options the release was started with, so --resume carries on the same way.
    skip: list[str] = field(default_factory=list)
    push: bool | None = None
    name: str = ""
    # Announced before the change is made (see the module docstring).
    touched: list[str] = field(default_factory=list)  # tracked files a step may edit
    commit_messages: list[str] = field(default_factory=list)  # commits a step may make
    scratch: list[str] = field(default_factory=list)  # temporary folders of ours
    tag_preexisted: bool = False

    @classmethod
    def location(cls, root: Path) -> Path:
        return state_dir(root) / "journal.json"

    @classmethod
    def load(cls, root: Path) -> Journal | None:
        path = cls.location(root)
        if not path.is_file():
            return None
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "path"}
        return cls(path=path, **known)

    def save(self) -> None:
        """Write atomically; steps running in parallel both save, hence the lock and a
        temporary file of each writer's own."""
        with _LOCK:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = asdict(self)
            data.pop("path")
            fd, tmp = tempfile.mkstemp(prefix=".journal-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2)
            os.replace(tmp, self.path)

    def record_dists(self, paths: list[Path]) -> None:
        """The files this release built, with their hashes: --resume uploads only these."""
        with _LOCK:
            self.dists = [str(p) for p in paths]
            self.dist_hashes = {str(p): sha256(p) for p in paths}
            self.save()

    def built_files(self) -> list[Path] | None:
        """The built files, if every one is still there unchanged; else None."""
        if not self.dists:
            return None
        paths = [Path(p) for p in self.dists]
        for path in paths:
            if not path.is_file() or self.dist_hashes.get(str(path)) != sha256(path):
                return None
        return paths

    def mark_started(self, steps: list[str]) -> None:
        with _LOCK:
            self.started = [*self.started, *(s for s in steps if s not in self.started)]
            self.save()

    def mark_done(self, step: str) -> None:
        with _LOCK:
            self._mark_done(step)

    def _mark_done(self, step: str) -> None:
        if step not in self.done:
            self.done.append(step)
        if self.failed == step:
            self.failed = None
        self.save()

    def announce(self, *, touched: list[str] | None = None, commit: str | None = None,
                 scratch: str | None = None) -> None:
        """Record a change before making it, so that a kill in between is undoable."""
        with _LOCK:
            for path in touched or []:
                if path not in self.touched:
                    self.touched.append(path)
            if commit is not None and commit not in self.commit_messages:
                self.commit_messages.append(commit)
            if scratch is not None and scratch not in self.scratch:
                self.scratch.append(scratch)
            self.save()

    def irreversible_done(self, irreversible: Iterable[str]) -> bool:
        """Has anything left this machine (an upload, shipped docs, a message)?
        ``irreversible``: the names of the steps that do (``Step.irreversible``)."""
        return bool(set(irreversible) & {*self.done, *self.started, self.failed}) or \
            bool(self.uploaded) or \
            bool(self.docs_location)

    def record(self, result: object) -> None:
        """A step's result (core.results), for --resume to hand to the steps after it."""
        with _LOCK:
            if isinstance(result, Built):
                self.record_dists(list(result.dists))
                return
            if isinstance(result, DocsBuilt):
                self.docs_html = str(result.html)
            elif isinstance(result, Uploaded):
                self.uploaded = [*result.files, *result.skipped]
            elif isinstance(result, Shipped):
                self.docs_location = result.location
            else:
                return
            self.save()

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
