"""One release at a time per repository, whichever of its worktrees it runs in.

The lock is a :class:`filelock.FileLock` on ``release_tasks/lock`` in the repository's
common git dir, the one folder all its worktrees share. On Unix filelock takes an
``flock`` (``UnixFileLock``), on Windows an ``msvcrt`` lock: either way the operating
system releases it when its holder exits in any way, SIGKILL included, so a stale lock
cannot exist. filelock owns the lock file itself; who holds it (pid, command, worktree) is
written beside it in ``lock.holder``, only to name the holder in a refusal.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from release_tasks.core.errors import ReleaseLocked


def lock_path(state_dir: Path) -> Path:
    return state_dir / "lock"


def holder_path(state_dir: Path) -> Path:
    return state_dir / "lock.holder"


def _holder(path: Path) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        started = time.strftime("%H:%M:%S", time.localtime(float(data.get("started", 0))))
    except (OSError, ValueError, TypeError, AttributeError):
        return "another `fab` process"
    where = f" in {data['worktree']}" if data.get("worktree") else ""
    return (f"`fab {data.get('command', '?')}`{where} "
            f"(pid {data.get('pid', '?')}, started {started})")


def _write_holder(path: Path, command: str, worktree: Path | None) -> None:
    """Atomically, so that a refused process never reads half of it."""
    fd, tmp = tempfile.mkstemp(prefix=".holder-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"pid": os.getpid(), "command": command, "started": time.time(),
                   "worktree": str(worktree) if worktree else None,
                   "argv": sys.argv[1:3]}, f)
    os.replace(tmp, path)


@contextlib.contextmanager
def held(state_dir: Path, command: str, worktree: Path | None = None) -> Iterator[None]:
    """Hold the repository's release lock for the duration, or refuse at once."""
    state_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(state_dir)), timeout=0)
    holder = holder_path(state_dir)
    try:
        lock.acquire()
    except Timeout:
        raise ReleaseLocked(
            f"another release is running in this repository: {_holder(holder)}",
            "wait for it to finish (the lock goes when it exits)") from None
    try:
        _write_holder(holder, command, worktree)
        yield
    finally:
        holder.unlink(missing_ok=True)
        lock.release()
