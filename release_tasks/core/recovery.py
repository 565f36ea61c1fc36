"""Putting a repository back as it was before an unfinished release, from its journal.

This is the one undo used after every failure that left nothing on another machine: a
failed step, Ctrl-C, and (through ``fab rollback`` or ``fab release --resume``) a release
that was killed outright. It trusts the journal, not memory: each change was announced
there before it was made, so whatever of it exists now is found and undone:

- the release tag, if it still points where the release put it (it did not exist when
  the release started: pre-flight made sure; someone may have made one since);
- commits after the starting point whose subjects the journal announced (``reset
  --keep``: never ``--hard``, so the user's uncommitted work stays), on the release's
  branch only;
- announced files left modified (an editor killed mid-edit, a bump half written);
- built files of the release's version in dist/, and our scratch folders.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from release_tasks.core.errors import JournalUnreadable, NothingToResume, ReleaseError
from release_tasks.core.journal import Journal, set_aside
from release_tasks.core.ui import Ui
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


def tag_is_ours(root: Path, journal: Journal) -> bool:
    """Does the release's tag exist and point where this release put it?

    The tag object recorded right after the tag was made must match. Without one (a kill
    between ``git tag`` and that record), the tag must point at a commit this release
    made: nobody else releases meanwhile (the lock), and a hand-made tag elsewhere is left.
    """
    if not journal.tag or journal.tag_preexisted:
        return False
    now = git.rev_parse(root, f"refs/tags/{journal.tag}")
    if now is None:
        return False
    if journal.tag_object:
        return now == journal.tag_object
    ours = {*journal.commits.values(), journal.release_head} - {None, journal.start_head}
    return git.tag_target(root, journal.tag) in ours


def undo_local(root: Path, journal: Journal, built: Iterable[Path] = ()) -> list[str]:
    """Undo what exists of the release's local changes; returns what was undone.

    ``built``: the files of the release's version in dist/ (the build knows how they are
    named); they go, with the ones the journal recorded."""
    undone: list[str] = []
    head = git.head(root)
    branch = git.branch(root)
    if journal.start_head and head != journal.start_head and journal.branch and \
            branch != journal.branch:
        raise ReleaseError(
            f"the release of {journal.version} was made on {journal.branch}, but "
            f"{branch or 'a detached HEAD'} is checked out; nothing was undone",
            f"`git checkout {journal.branch}`, then `fab rollback`")
    if tag_is_ours(root, journal):
        git.delete_tag(root, journal.tag)
        undone.append(f"deleted tag {journal.tag}")
    elif journal.tag and not journal.tag_preexisted and git.tag_exists(root, journal.tag):
        undone.append(f"tag {journal.tag} now points at "
                      f"{git.tag_target(root, journal.tag)[:10]}, not at this release's "
                      "commit: left alone")
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


def journal_to_undo(root: Path, remote: str, discard: bool, ui: Ui) -> Journal | None:
    """The journal ``fab rollback`` undoes, made in this worktree. One that cannot be read
    proves nothing: what git shows is listed instead, and it raises unless ``discard``
    sets it aside (then None: nothing more to do)."""
    try:
        journal = Journal.load(root)
    except JournalUnreadable:
        for line in what_git_shows(root, remote):
            ui.info(f"  {line}")
        if not discard:
            raise
        journal = None
    if discard and (journal is None or journal.elsewhere(root)):
        aside = set_aside(root)
        if aside is not None:
            ui.final(f"Set the journal aside as {aside}; nothing was undone.")
            return None
    if journal is None:
        raise NothingToResume("there is no release to roll back",
                              "nothing to do: no release has been recorded here")
    return journal.checked_here(root)


def what_git_shows(root: Path, remote: str) -> list[str]:
    """Without a readable journal nothing can be proven to be the release's, so nothing is
    undone: this lists what git holds that a release may have made (commits not on the
    upstream, tags on them), for the user to judge and undo by hand."""
    upstream = git.upstream(root)
    if upstream is None:
        return [f"{git.branch(root) or 'HEAD'} has no upstream: which commits a release "
                "made cannot be told"]
    commits = git.run_git(root, "log", "--format=%H %s", f"{upstream}..HEAD").splitlines()
    if not commits:
        return [f"HEAD is on {upstream}: no commit of a release is on top of it"]
    lines = [f"{len(commits)} commit(s) not on {upstream}: "
             + "; ".join(f"{c[:10]} {c[41:]}" for c in commits)]
    shas = {c[:40] for c in commits}
    refs = git.run_git(root, "for-each-ref", "--format=%(refname:short) %(objectname) "
                       "%(*objectname)", "refs/tags").splitlines()
    tags = [r.split()[0] for r in refs if shas & set(r.split()[1:])]
    has_remote = git.remote_url(root, remote) is not None
    for name in tags:
        pushed = has_remote and git.remote_has_tag(root, remote, name)
        lines.append(f"tag {name} is on one of them" + (f" (and on {remote})" if pushed else ""))
    undo = [f"`git tag -d {t}`" for t in tags] + [f"`git reset --keep {upstream}`"]
    lines.append(f"if they are the release's, undo them by hand: {', '.join(undo)}")
    return lines
