"""The record of the last release of several packages: its members in order, whether it
notifies, the pin commits it made, and whether it finished.

It stays after the run finishes, so ``fab rollback`` can undo a finished run that was not
pushed, as it can for one package; the next run replaces it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from release_tasks.core.journal import state_dir


def path(top: Path) -> Path:
    return state_dir(top) / "workspace-run.json"


def save(top: Path, members: list[str], notify: bool,
         pins: dict[str, list[str]] | None = None) -> None:
    """The run's members (folders, in order) and the pin commits it made (folder →
    [commit, parent]), written before each change so a stop anywhere is recoverable."""
    where = path(top)
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text(json.dumps({"members": members, "notify": notify, "pins": pins or {}}),
                     encoding="utf-8")


def load(top: Path) -> dict[str, Any] | None:
    where = path(top)
    if not where.exists():
        return None
    record: dict[str, Any] = json.loads(where.read_text(encoding="utf-8"))
    return record


def unfinished(top: Path) -> dict[str, Any] | None:
    record = load(top)
    return record if record is not None and not record.get("finished") else None


def finish(top: Path) -> None:
    """Every member went through: nothing to resume, but still something to roll back."""
    record = load(top)
    if record is not None:
        record["finished"] = True
        path(top).write_text(json.dumps(record), encoding="utf-8")


def forget(top: Path) -> None:
    path(top).unlink(missing_ok=True)
