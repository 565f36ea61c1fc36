"""Putting a repository back as it was before an unfinished release, from its journal.

This is the one undo used after every failure that left nothing on another machine: a
failed step, Ctrl-C, and (through ``fab rollback`` or ``fab release --resume``) a release
that was killed outright. It trusts the journal, not memory: each change was announced
there before it was made, so whatever of it exists now is found and undone:

- the release tag (it did not exist when the release started: pre-flight made sure);
- commits after the starting point whose subjects the journal announced (``reset
  --keep``: never ``--hard``, so the user's uncommitted work stays);
- announced files left modified (an editor killed mid-edit, a bump half written);
- built files of the release's version in dist/, and our scratch folders.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from release_tasks.core.errors import ReleaseError
from release_tasks.core.journal import Journal
from release_tasks.vcs import git


def our_commits(root: Path, journal: Journal) -> bool:
    """Are all commits between the start and HEAD ones this release announced?"""
    head = git.head(root)
    if head == journal.start_head:
        return True
    if not git.is_ancestor(root, journal.start_head, head):
        return False
    if not journal.commit_messages:  # a journal written before commits were announced
        return bool(journal.release_head) and git.is_ancestor(root, head, journal.release_head)
    subjects = git.run_git(root, "log", "--format=%s", f"{journal.start_head}..{head}")
    announced = {m.splitlines()[0] for m in journal.commit_messages if m}
    return all(s in announced for s in subjects.splitlines())


def undo_local(root: Path, journal: Journal, built: Iterable[Path] = ()) -> list[str]:
    """Undo what exists of the release's local changes; returns what was undone.

    ``built``: the files of the release's version in dist/ (the build knows how they are
    named); they go, with the ones the journal recorded."""
    undone: list[str] = []
    if journal.tag and not journal.tag_preexisted and git.tag_exists(root, journal.tag):
        git.delete_tag(root, journal.tag)
        undone.append(f"deleted tag {journal.tag}")
    head = git.head(root)
    if journal.start_head and head != journal.start_head:
        if not our_commits(root, journal):
            raise ReleaseError(
                f"HEAD moved since the release of {journal.version} started "
                f"(commits not made by the release are on top of {journal.start_head[:10]})",
                f"check out {(journal.release_head or journal.start_head)[:10]} first, "
                "or undo it by hand")
        git.reset_keep(root, journal.start_head)
        undone.append(f"reset {journal.branch or 'HEAD'} to {journal.start_head[:10]} "
                      "(uncommitted work kept)")
    announced = [p for p in journal.touched if (root / p).exists() or git.ok(
        root, "cat-file", "-e", f"HEAD:{p}")]
    modified = sorted(set(git.dirty_files(root)) & set(announced))
    if modified:
        # They were clean when the release started (pre-flight): HEAD's copy is the user's.
        git.run_git(root, "checkout", "HEAD", "--", *modified)
        undone.append(f"restored {', '.join(Path(p).name for p in modified)}")
    removed = _remove_built(journal, built)
    if removed:
        undone.append(f"removed {', '.join(p.name for p in removed)} from "
                      f"{removed[0].parent.name}/")
    sweep(journal)
    return undone


def sweep(journal: Journal) -> None:
    """Remove the temporary folders the journal's release announced (a killed release
    could not). Called with the repository's lock held, so none of them is in use."""
    for folder in journal.scratch:
        shutil.rmtree(folder, ignore_errors=True)
    if journal.scratch:
        journal.scratch = []
        if journal.path.exists():
            journal.save()


def _remove_built(journal: Journal, built: Iterable[Path]) -> list[Path]:
    removed = []
    for path in sorted({Path(p) for p in journal.dists} | set(built)):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
