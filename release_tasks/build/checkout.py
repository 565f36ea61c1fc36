"""A checkout of the tag, with its git metadata and submodules, to build from.

Why not ``git archive``: an export without ``.git`` hides the file list from tools that ask
git for it (setuptools_scm's and hatch-vcs's file finders), and drops submodules; the
sdist then misses files that ``python -m build`` in a checkout would include. Why not the
work tree itself: untracked or modified files must never reach a release.

So the tag is cloned into a temporary folder with ``git clone --shared`` (no objects are
copied; it reads the user's), checked out detached at the tagged commit, and each
submodule is cloned the same way from the user's own checkout of it at the commit the tag
records. Nothing in the user's repository is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from release_tasks.core import processes
from release_tasks.core.errors import BuildError, ReleaseError, disk_full

# No hook of the user's (core.hooksPath) runs in the throwaway clone.
_GIT = ["git", "-c", f"core.hooksPath={os.devnull}", "-c", "advice.detachedHead=false"]


def checkout(root: Path, ref: str, dest: Path) -> Path:
    """Check out ``ref`` of the repository at ``root`` into ``dest`` (which must not exist).

    A failed checkout is removed (it is ours, and half a tree must not be built from)."""
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}",
                  what=f"cannot find {ref}", hint="does the tag exist? run `fab tag` first")
    try:
        _clone(root, commit, dest)
        _submodules(root, dest, commit)
    except ReleaseError:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest


def _clone(source: Path, commit: str, dest: Path) -> None:
    _git(None, "clone", "--quiet", "--shared", "--no-checkout", str(source), str(dest),
         what=f"cannot clone {source} to build from it", hint="is the repository readable?")
    _git(dest, "checkout", "--quiet", "--detach", commit,
         what=f"cannot check out {commit[:10]}",
         hint=f"run `git -C {source} fetch` so the commit is there")


def _submodules(root: Path, dest: Path, commit: str) -> None:
    """Clone every submodule the tree records, from the user's checkout of it."""
    for path, sub_commit in _recorded(root, commit):
        local = root / path
        if not (local / ".git").exists():
            raise BuildError(f"submodule {path} is not checked out, so it cannot be built",
                             "run `git submodule update --init --recursive`, then release")
        target = dest / path
        if target.exists():
            target.rmdir()  # the empty folder git leaves for a submodule
        _clone(local, sub_commit, target)
        _submodules(local, target, sub_commit)


def missing_submodules(root: Path, commit: str = "HEAD") -> list[str]:
    """The submodules ``commit`` records that have no checkout to build from, nested ones
    too: the build would stop on them after the tag, so the pre-flight names them first."""
    try:
        recorded = _recorded(root, commit)
    except ReleaseError:  # a commit the submodule's checkout lacks: the build will say
        return []
    missing: list[str] = []
    for path, sub_commit in recorded:
        if not (root / path / ".git").exists():
            missing.append(path)
        else:
            missing += [f"{path}/{sub}" for sub in missing_submodules(root / path, sub_commit)]
    return missing


def _recorded(root: Path, commit: str) -> list[tuple[str, str]]:
    """(path, commit) of each submodule in ``commit``'s tree."""
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", commit,
                   what="cannot list the tagged tree", hint="is the repository intact?")
    found = []
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, kind, sub_commit = meta.split()
        if mode == "160000" and kind == "commit":
            found.append((path, sub_commit))
    return found


def _git(cwd: Path | None, *args: str, what: str, hint: str) -> str:
    cmd = [*_GIT, *(["-C", str(cwd)] if cwd is not None else []), *args]
    proc = processes.run(cmd, capture_output=True, text=True,
                         stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        full = disk_full(proc.stderr, cwd or Path(args[-1]).parent, "the checkout was removed")
        if full is not None:
            raise full
        detail = proc.stderr.strip().splitlines()
        raise BuildError(f"{what}: {detail[-1] if detail else f'exit {proc.returncode}'}", hint)
    return proc.stdout.strip() if args[0] != "ls-tree" else proc.stdout
