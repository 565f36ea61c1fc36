"""Docs to a local folder: ``docs_target = "/srv/docs/{name}/{version}"``.

The copy goes to a temporary sibling first and is renamed into place, so a reader never
sees half-shipped docs, and re-shipping a version replaces it cleanly. If that rename
fails, the version's previous docs are put back: a failed ship changes nothing. ``latest``
is a symlink switched with a rename over the old one (atomic), and only when the caller
says so: final releases move it, pre-releases do not unless configured (see
:func:`release_tasks.steps.ship_docs.moves_latest`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from release_tasks.core.errors import DocsError


def ship_local(html: Path, target: str, latest: bool = True,
               announce: Callable[[Path], None] | None = None) -> str:
    """Copy the built docs into ``target`` (a local folder); point ``latest`` at it if asked.

    ``announce`` hears of the staging folder before it is made, so that a release killed
    while copying can have it removed by the next command. Returns where the docs went,
    with a note when ``latest`` was left alone.
    """
    dest = Path(target).expanduser()
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}-{secrets.token_hex(4)}"
    if announce is not None:
        announce(staging)
    staging.mkdir()
    old: Path | None = None
    try:
        shutil.copytree(html, staging, dirs_exist_ok=True)
        if dest.exists() or dest.is_symlink():
            old = dest.with_name(f".{dest.name}-old-{os.getpid()}")
            os.replace(dest, old)
        os.replace(staging, dest)
    except OSError as e:
        restored = _restore(old, dest)
        shutil.rmtree(staging, ignore_errors=True)
        kept = " (the previous docs are back in place)" if restored else ""
        raise DocsError(f"cannot ship the docs to {dest}: {e.strerror or e}{kept}",
                        "check docs_target and its permissions") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    if not latest:
        return f"{dest} (latest left alone: a pre-release)"
    try:
        switched = _switch_latest(dest)
    except OSError as e:
        raise DocsError(f"the docs are in {dest}, but {dest.parent / 'latest'} could not be "
                        f"switched to them: {e.strerror or e}",
                        "check the folder's permissions, then `fab ship_docs` again") from None
    if not switched:
        return f"{dest} (latest left alone: it is a real folder)"
    return str(dest)


def _restore(old: Path | None, dest: Path) -> bool:
    """Put the previous docs back after a failed switch; True when they are back."""
    if old is None or dest.exists() or dest.is_symlink():
        return False
    with contextlib.suppress(OSError):
        os.replace(old, dest)
        return True
    return False


def _switch_latest(dest: Path) -> bool:
    """``latest`` -> this version, replaced atomically with a rename over the old link.

    False when ``latest`` is someone's real folder, which is left alone.
    """
    latest = dest.parent / "latest"
    if latest.exists() and not latest.is_symlink():
        return False
    tmp = dest.parent / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(dest.name)
    os.replace(tmp, latest)
    return True
