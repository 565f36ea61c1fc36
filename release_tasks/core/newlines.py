"""Files keep their line endings when we edit them.

Our own edits and the libraries we call (bump-my-version rewrites its TOML config through
tomlkit) write ``\\n``; a project checked out with CRLF endings would then show every
line of the file as changed in the release commit. So the files that used CRLF before a
step edited them get CRLF back before they are committed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path


def uses_crlf(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    crlf = data.count(b"\r\n")
    return crlf > 0 and crlf * 2 >= data.count(b"\n")


def to_crlf(path: Path) -> None:
    """Every line ending of ``path`` made CRLF (the file is left alone if it already is)."""
    with contextlib.suppress(OSError):
        data = path.read_bytes()
        fixed = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if fixed != data:
            path.write_bytes(fixed)
