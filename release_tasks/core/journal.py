"""The journal of the release in progress, kept under ``.git/`` (never in the work tree).

It records where the release started and which steps are done, so that ``--resume`` can
continue after a failure at or after the upload, and ``fab rollback`` knows exactly what
to undo.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from release_tasks.vcs import git

_LOCK = threading.RLock()


@dataclass
class Journal:
    path: Path
    version: str = ""
    current: str = ""
    tag: str = ""
    start_head: str = ""
    branch: str | None = None
    done: list[str] = field(default_factory=list)
    failed: str | None = None
    finished: bool = False
    release_head: str | None = None  # HEAD after the local steps (the tagged commit)
    commits: dict[str, str] = field(default_factory=dict)  # step -> commit it made
    tag_created: bool = False
    dists: list[str] = field(default_factory=list)
    docs_html: str | None = None
    docs_location: str | None = None
    uploaded: list[str] = field(default_factory=list)
    # The options the release was started with, so --resume carries on the same way.
    skip: list[str] = field(default_factory=list)
    push: bool | None = None

    @classmethod
    def location(cls, root: Path) -> Path:
        return git.git_dir(root) / "release_tasks" / "journal.json"

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

    def mark_done(self, step: str) -> None:
        with _LOCK:
            self._mark_done(step)

    def _mark_done(self, step: str) -> None:
        if step not in self.done:
            self.done.append(step)
        if self.failed == step:
            self.failed = None
        self.save()

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
