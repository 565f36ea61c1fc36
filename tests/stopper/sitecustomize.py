"""Loaded by the `fab` processes of the race tests (PYTHONPATH): stops the process itself,
with SIGSTOP, at an exact point of its work, so a test forces an interleaving of two real
releases instead of hoping for it. Python's audit hooks (a public API) say when a file is
opened for writing; nothing of the library is patched.

- ``RT_STOP_AT_WRITE_UNDER=<prefix>``: stop at the first file opened for writing whose path
  starts with the prefix (once).
- ``RT_MARK_LOCK_WAIT=<lock file>:<marker>``: create ``marker`` when the lock file is opened
  a second time, that is when the first try found it held and the process waits for it.
"""

from __future__ import annotations

import os
import signal
import sys

_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT


def _writes(mode: object, flags: object) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return isinstance(flags, int) and bool(flags & _WRITE)


def _install() -> None:
    stop_under = os.environ.get("RT_STOP_AT_WRITE_UNDER")
    lock_wait = os.environ.get("RT_MARK_LOCK_WAIT")
    if not stop_under and not lock_wait:
        return
    lock_path, _, marker = (lock_wait or "::").partition(":")
    state = {"stopped": False, "lock_opens": 0}

    def hook(event: str, args: tuple) -> None:
        if event != "open" or len(args) < 3 or not isinstance(args[0], str):
            return
        path = args[0]
        if lock_path and path == lock_path:
            state["lock_opens"] += 1
            if state["lock_opens"] == 2:
                open(marker, "w").close()
        elif stop_under and not state["stopped"] and path.startswith(stop_under) \
                and _writes(args[1], args[2]):
            state["stopped"] = True
            os.kill(os.getpid(), signal.SIGSTOP)

    sys.addaudithook(hook)


_install()
