"""The mark a ship leaves in each docs folder it makes: ``.release_tasks.json``.

It names the project and version, and the top-level entries that ship put there. So the
next ship knows what it may replace: a folder without it (someone's notes, another tool's
site) or with another project's name is never deleted, and entries added beside ours since
(a ``NOTES.txt``, a ``robots.txt``) stay. The file is JSON with one entry a line, so the
SSH ship's shell script can read it with ``grep -F`` as well.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

NAME = ".release_tasks.json"


@dataclass(frozen=True)
class Mark:
    project: str
    version: str
    names: tuple[str, ...]  # the top-level entries the ship put there (not the mark itself)


def render(project: str, version: str, names: list[str]) -> str:
    """The mark's text: ``"project": "<name>",`` and each entry on a line of its own."""
    body = {"project": project, "version": version,
            "names": sorted(n for n in names if n != NAME)}
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


def project_line(project: str) -> str:
    """The exact line of a mark naming ``project`` (what the shell script greps for)."""
    return f' "project": {json.dumps(project, ensure_ascii=False)},'


def read(folder: Path) -> Mark | None:
    """The mark in ``folder``, if there is a valid one that is a plain file (a link named
    like it, pointing anywhere, is no mark: it could make any folder look like ours)."""
    path = folder / NAME
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    project, version, names = data.get("project"), data.get("version"), data.get("names")
    if not isinstance(project, str) or not isinstance(version, str) \
            or not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return Mark(project, version, tuple(names))


def write(folder: Path, project: str, version: str) -> None:
    """Mark ``folder`` (a staging folder of ours) as shipped by ``project``: created, never
    written through an entry of that name the docs brought along."""
    path = folder / NAME
    if path.is_symlink() or path.exists():
        path.unlink()
    text = render(project, version, os.listdir(folder))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
