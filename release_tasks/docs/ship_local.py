"""Docs to a local folder: ``docs_target = "/srv/docs/{name}/{version}"``.

The copy goes to a temporary sibling first and is renamed into place, so a reader never
sees half-shipped docs, and re-shipping a version replaces it cleanly. If that rename
fails, the version's previous docs are put back: a failed ship changes nothing.

Only what a ship of this project made is ever replaced (:mod:`release_tasks.docs.mark`):
a target that is a link, or a folder holding files no ship of ours put there (another
project's docs, someone's ``NOTES.txt``) is refused with the fix, and entries added beside
our docs since the last ship are carried over into the new folder, untouched. Nothing is
followed out of the target: links are moved or copied as links.

``latest`` exists only for a target with a folder per version (``{version}`` in its last
part): a symlink beside the version folders, switched with a rename over the old one
(atomic), and only when the caller says so: final releases move it, pre-releases do not
unless configured (see :func:`release_tasks.steps.ship_docs.moves_latest`). A target without
``{version}`` is the docs folder itself: nothing is put beside it, where another project's
folder may live.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from release_tasks.core.errors import DiskFull, DocsError, disk_full
from release_tasks.docs import mark


def ship_local(html: Path, target: str, latest: bool = True,
               announce: Callable[[Path], None] | None = None, *, project: str,
               version: str, versioned: bool = True) -> str:
    """Copy the built docs into ``target`` (a local folder); point ``latest`` at it if asked.

    ``versioned``: the target is one version's folder, with ``latest`` beside it.
    ``announce`` hears of the staging folder before it is made, so that a release killed
    while copying can have it removed by the next command. Returns where the docs went,
    with a note when ``latest`` was left alone.
    """
    dest = Path(target).expanduser()
    keep = _ours_to_replace(dest, project, os.listdir(html))
    dest.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    staging = dest.parent / f".{dest.name}-{token}"
    if announce is not None:
        announce(staging)
    staging.mkdir()
    old: Path | None = None
    try:
        shutil.copytree(html, staging, symlinks=True, dirs_exist_ok=True,
                        copy_function=_copy_to(dest))
        mark.write(staging, project, version)
        if dest.exists():
            old = dest.with_name(f".{dest.name}-old-{token}")
            os.replace(dest, old)
        os.replace(staging, dest)
    except (OSError, DiskFull) as e:
        restored = _restore(old, dest)
        shutil.rmtree(staging, ignore_errors=True)
        kept = "the previous docs are back in place" if restored else "nothing was shipped"
        if isinstance(e, DiskFull) or disk_full(e, dest.parent) is not None:
            raise DiskFull(f"no space left on {dest.parent}; {kept}",
                           "free some space there") from None
        raise DocsError(f"cannot ship the docs to {dest}: {_detail(e)} ({kept})",
                        "check docs_target and its permissions") from None
    if old is not None:
        _carry(keep, old, dest)
        shutil.rmtree(old, ignore_errors=True)  # only our previous ship is left in it
    if not versioned:
        return str(dest)
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


def not_ours(target: str, project: str) -> str | None:
    """Pre-flight: why ``target`` may not be shipped to (a link, a file, a folder no ship
    of ``project`` made), so a release stops before its first change, not after its upload.
    """
    try:
        _ours_to_replace(Path(target).expanduser(), project, [])
    except DocsError as e:
        return str(e)
    return None


def _ours_to_replace(dest: Path, project: str, new: list[str]) -> list[str]:
    """What in ``dest`` to carry over into the new docs; refuses a target that is not ours."""
    fix = "point docs_target at a new or empty folder (with {version} in it), or move those "\
          "files away"
    if dest.is_symlink():
        raise DocsError(f"{dest} is a symbolic link: docs are shipped into a folder of their "
                        "own, never through a link", "point docs_target at a real folder")
    if not dest.exists():
        return []
    if not dest.is_dir():
        raise DocsError(f"{dest} is a file, not a folder", "fix docs_target")
    entries = sorted(os.listdir(dest))
    if not entries:
        return []
    found = mark.read(dest)
    if found is None or found.project != project:
        whose = f"{found.project}'s docs" if found is not None else "files no release of " \
                f"{project} put there ({', '.join(entries[:3])}{', ...' if entries[3:] else ''})"
        raise DocsError(f"{dest} already holds {whose}; they are never replaced", fix)
    keep = [e for e in entries if e not in found.names and e != mark.NAME]
    clash = sorted(set(keep) & set(new))
    if clash:
        raise DocsError(f"{dest / clash[0]} was not put there by a release, and the new docs "
                        "have an entry of that name", "move it away, then ship again")
    return keep


def _copy_to(dest: Path) -> Callable[[str, str], object]:
    """``shutil.copy2`` that stops the copy at the first full-disk error: without it,
    ``copytree`` goes on through every file and reports each one that failed."""

    def copy(src: str, dst: str) -> object:
        try:
            return shutil.copy2(src, dst, follow_symlinks=False)
        except OSError as e:
            raise disk_full(e, dest.parent) or e from None

    return copy


def _detail(error: OSError) -> str:
    """One line of ``error``: the first of ``copytree``'s list of failed files, not all."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        failed = error.args[0]
        if failed and isinstance(failed[0], tuple):
            more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
            return f"{failed[0][0]}: {failed[0][-1]}{more}"
    return str(error.strerror or error)


def _restore(old: Path | None, dest: Path) -> bool:
    """Put the previous docs back after a failed switch; True when they are back."""
    if old is None or dest.exists() or dest.is_symlink():
        return False
    with contextlib.suppress(OSError):
        os.replace(old, dest)
        return True
    return False


def _carry(keep: list[str], old: Path, dest: Path) -> None:
    """Move the entries someone added beside our previous docs into the new folder.

    After the switch, from the previous folder (which no cleanup of a killed release
    removes), never through the staging folder (which one does): whenever the release
    stops, those entries are in one of the two folders, not gone.
    """
    for name in keep:
        try:
            os.rename(old / name, dest / name)
        except OSError as e:
            raise DocsError(f"the docs are in {dest}, but {old / name}, which was there "
                            f"before, could not be moved back beside them: {e.strerror or e}",
                            f"move what is left in {old} into {dest} by hand") from None


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


# --- in two phases, beside other targets (release_tasks.docs.fleet) ------------------------


def staged_path(dest: Path, digest: str) -> Path:
    return dest.parent / f".{dest.name}.staged-{digest}"


def stage_local(html: Path, target: str, *, project: str, version: str, digest: str,
                announce: Callable[[Path], None] | None = None) -> bool:
    """Copy the docs into a hidden folder beside ``target``; nothing a reader sees changes.

    True when they were staged already (by an earlier, stopped run of the same build).
    A target that is not ours is refused now, before any target is switched.
    """
    dest = Path(target).expanduser()
    _ours_to_replace(dest, project, os.listdir(html))
    staged = staged_path(dest, digest)
    if mark.read(staged) is not None:
        return True
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.staged-*"):
        found = mark.read(stale)
        if found is not None and found.project == project and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
    tmp = dest.parent / f".{dest.name}.tmp-{secrets.token_hex(4)}"
    if announce is not None:
        announce(tmp)
    try:
        tmp.mkdir()
        shutil.copytree(html, tmp, symlinks=True, dirs_exist_ok=True,
                        copy_function=_copy_to(dest))
        mark.write(tmp, project, version)
        os.replace(tmp, staged)
    except (OSError, DiskFull) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, DiskFull) or disk_full(e, dest.parent) is not None:
            raise DiskFull(f"no space left on {dest.parent}; nothing was shipped",
                           "free some space there") from None
        raise DocsError(f"cannot stage the docs in {dest.parent}: {_detail(e)}",
                        "check docs_target and its permissions") from None
    return False


@dataclasses.dataclass
class Switched:
    """What a switch changed, to finish it or put it back."""

    dest: Path
    old: Path | None
    latest: str | None  # where ``latest`` pointed before (None: there was no link)
    moved_latest: bool
    keep: list[str]


def switch_local(target: str, *, project: str, digest: str, latest: bool,
                 versioned: bool) -> tuple[Switched, str]:
    """The staged docs into place, and ``latest`` to them if asked; where they went."""
    dest = Path(target).expanduser()
    staged = staged_path(dest, digest)
    keep = _ours_to_replace(dest, project, os.listdir(staged))
    latest_link = dest.parent / "latest"
    before = os.readlink(latest_link) if latest_link.is_symlink() else None
    old: Path | None = None
    try:
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old-{secrets.token_hex(4)}")
            os.replace(dest, old)
        os.replace(staged, dest)
    except OSError as e:
        _restore(old, dest)
        raise DocsError(f"cannot move the docs into {dest}: {e.strerror or e}",
                        "check the folder's permissions") from None
    done = Switched(dest, old, before, False, keep)
    if not versioned:
        return done, str(dest)
    if not latest:
        return done, f"{dest} (latest left alone: a pre-release)"
    try:
        done.moved_latest = _switch_latest(dest)
    except OSError as e:
        put_back_local(done, digest)
        raise DocsError(f"{dest.parent / 'latest'} could not be switched: {e.strerror or e}",
                        "check the folder's permissions") from None
    if not done.moved_latest:
        return done, f"{dest} (latest left alone: it is a real folder)"
    return done, str(dest)


def put_back_local(done: Switched, digest: str) -> None:
    """Undo :func:`switch_local`: ``latest`` as it was, the docs hidden again (staged, for
    a resumed release), the previous folder back in place."""
    dest = done.dest
    link = dest.parent / "latest"
    if done.moved_latest:
        if done.latest is None:
            link.unlink(missing_ok=True)
        else:
            tmp = dest.parent / f".latest-{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(done.latest)
            os.replace(tmp, link)
    staged = staged_path(dest, digest)
    if dest.is_dir() and not staged.exists():
        os.replace(dest, staged)
    _restore(done.old, dest)


def finish_local(done: Switched) -> None:
    """Every target switched: carry over what someone added beside our previous docs, and
    remove the previous folder."""
    if done.old is not None:
        _carry(done.keep, done.old, done.dest)
        shutil.rmtree(done.old, ignore_errors=True)
