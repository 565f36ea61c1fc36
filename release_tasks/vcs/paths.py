"""Where a release may write: tracked regular files inside the work tree, nothing else.

The history file, the version files and the news fragments are named by the repository's
own contents, and what the release writes into them comes partly from commit subjects. A
committed link (``HISTORY.rst -> /etc/passwd``) or a linked folder (``docs -> /srv/x``)
would steer that text into any file the releaser can write. So every file is resolved
first (links, ``..``, linked parent folders) and must land on a regular file of the work
tree that git tracks. A link to another tracked file of the project
(``CHANGES.md -> docs/changelog.md``) is fine: the file written and committed is its target.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from release_tasks.core.errors import UnsafePath
from release_tasks.vcs import git


def _shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _inside(root: Path, path: Path) -> tuple[Path, Path]:
    """``path`` (relative to ``root``, or absolute) resolved, and relative to the resolved
    work tree; UnsafePath when it resolves outside."""
    top = root.resolve()
    given = path if path.is_absolute() else root / path
    target = given.resolve()
    try:
        return target, target.relative_to(top)
    except ValueError:
        raise UnsafePath(f"{_shown(root, given)} resolves to {target}, outside the "
                         "repository") from None


def writable_in_tree(root: Path, relpath: str | Path) -> Path:
    """The file actually written for ``relpath``, relative to ``root``: ``relpath`` with
    every link followed, which must be a regular file inside the work tree tracked by git.

    Raises UnsafePath naming ``relpath`` otherwise.
    """
    return writable_files(root, [relpath])[0]


def writable_files(root: Path, relpaths: list[str] | list[Path]) -> list[Path]:
    """:func:`writable_in_tree` for several files, with one question to git; the error
    names every file that fails."""
    found: list[tuple[str, Path]] = []
    problems: list[str] = []
    for relpath in relpaths:
        given = Path(relpath)
        shown = _shown(root, given if given.is_absolute() else root / given)
        try:
            target, inside = _inside(root, given)
        except UnsafePath as e:
            problems.append(e.message)
            continue
        if not target.is_file():
            problems.append(f"{shown} is not a regular file" + (
                f" (it resolves to {inside.as_posix()})" if inside.as_posix() != shown else ""))
            continue
        found.append((shown, inside))
    known = git.tracked(root, [inside.as_posix() for _, inside in found if inside.parts])
    for shown, inside in found:
        if inside.as_posix() not in known:
            what = shown if inside.as_posix() == shown else f"{shown} (→ {inside.as_posix()})"
            problems.append(f"{what} is not tracked by git")
    if problems:
        raise UnsafePath("; ".join(problems))
    return [inside for _, inside in found]


def folder_in_tree(root: Path, relpath: str | Path) -> Path:
    """The folder ``relpath`` resolves to, relative to ``root``: where new files (news
    fragments) may be made; it must be a folder inside the work tree."""
    given = Path(relpath)
    target, inside = _inside(root, given)
    if not target.is_dir():
        raise UnsafePath(f"{_shown(root, given if given.is_absolute() else root / given)} "
                         "is not a folder")
    return inside


def creatable_in_tree(root: Path, relpath: str | Path) -> Path:
    """Where a file or folder that may not exist yet (a towncrier news file, a fragment
    folder) is made: an existing file must pass :func:`writable_in_tree`, a new one (and the
    folders made for it) goes under an existing folder inside the work tree."""
    given = Path(relpath)
    full = given if given.is_absolute() else root / given
    if os.path.lexists(full):
        return writable_in_tree(root, given)
    missing: list[str] = []
    existing = full
    while not os.path.lexists(existing) and existing != existing.parent:
        missing.insert(0, existing.name)
        existing = existing.parent
    if ".." in missing or "" in missing:
        raise UnsafePath(f"{_shown(root, full)} leaves the folder it names")
    return folder_in_tree(root, existing).joinpath(*missing)


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (a file of ours, such as a notes fragment), never
    through a link planted at its name."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise UnsafePath(f"{path} is a symbolic link; the release does not write "
                             "through it", "delete the link") from None
        raise
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
