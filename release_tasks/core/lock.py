"""One release at a time per repository: a lock file under ``.git/``.

The lock is an ``flock`` on ``.git/release_tasks/lock``, so the kernel releases it when
its holder exits in any way, SIGKILL included: a stale lock cannot exist. The file also
holds the holder's pid and command, only to name it in the refusal.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from release_tasks.core.errors import ReleaseLocked

try:
    import fcntl
except ImportError:  # Windows: no flock; fall back to an exclusive-create file
    fcntl = None  # type: ignore[assignment]


def lock_path(state_dir: Path) -> Path:
    return state_dir / "lock"


def _holder(path: Path) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "another `fab` process"
    started = time.strftime("%H:%M:%S", time.localtime(data.get("started", 0)))
    return f"`fab {data.get('command', '?')}` (pid {data.get('pid', '?')}, started {started})"


@contextlib.contextmanager
def held(state_dir: Path, command: str) -> Iterator[None]:
    """Hold the repository's release lock for the duration, or refuse at once."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = lock_path(state_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise ReleaseLocked(
                    f"another release is running in this repository: {_holder(path)}",
                    "wait for it to finish (the lock goes when it exits)") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "command": command,
                                 "started": time.time(),
                                 "argv": sys.argv[1:3]}).encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
