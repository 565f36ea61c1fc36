"""Shared by the steps: repository checks and the commits steps make."""

from __future__ import annotations

from pathlib import Path

from release_tasks.core import newlines
from release_tasks.core.engine import Step
from release_tasks.core.errors import DirtyTree, ReleaseError
from release_tasks.core.release import Release, Report
from release_tasks.core.results import Committed
from release_tasks.vcs import git


def check_repository(rel: Release, report: Report, clean: bool = True) -> None:
    """The repository-level checks: commits, clean tree, branch, upstream."""
    root = rel.root
    if not git.has_commits(root):
        report.error("the repository has no commits yet (commit the package first)")
        return
    if not git.ok(root, "var", "GIT_COMMITTER_IDENT"):
        report.error("git does not know who you are, so it cannot commit (set "
                     "`git config user.name` and `git config user.email`)")
    if clean:
        dirty = git.dirty_files(root)
        if dirty:
            shown = ", ".join(git.from_top(root, dirty[:5])) + (
                f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
            report.error(str(DirtyTree(f"uncommitted changes in {shown}")))
    branch = rel.branch
    if branch is None:
        report.error("HEAD is detached (check out the branch to release from)")
    elif rel.config.release_branch and branch != rel.config.release_branch:
        report.error(f"on branch {branch}, but releases are made from "
                     f"{rel.config.release_branch} (release_branch): check it out first")
    upstream = rel.upstream
    if upstream:
        remote, remote_branch = upstream
        out = git.run_git(root, "ls-remote", "--heads", remote, f"refs/heads/{remote_branch}",
                          check=False)
        if out.strip():
            remote_head = out.split()[0]
            if not git.ok(root, "cat-file", "-e", f"{remote_head}^{{commit}}") or \
                    not git.is_ancestor(root, remote_head, "HEAD"):
                report.error(f"{branch} is behind {remote}/{remote_branch} (pull first, then "
                             "release)")


def check_git_setup(rel: Release, report: Report) -> None:
    """What the commits and tag will need from git, before the editor opens."""
    from release_tasks.vcs import proofs

    scheme = rel.known("scheme")
    problem = proofs.signing_problem(rel.root, bool(scheme and scheme.sign_tags))
    if problem:
        report.error(problem)
    for problem in proofs.hook_problems(rel.root, f"Release {rel.version}"):
        report.error(problem)
    problem = proofs.tag_name_problem(rel.root, rel.tag)
    if problem:
        report.error(problem)
    files = list(getattr(scheme, "files", []) or [])
    history = _history_path(rel) if "history" not in rel.options.skip else None
    if history is not None:
        files.append(history.relative_to(rel.root).as_posix())
    for problem in proofs.hidden_changes(rel.root, files):
        report.error(problem)


def _history_path(rel: Release) -> Path | None:
    """The history file, if it can be told (edit_history's check says why not)."""
    try:
        return rel.history_path
    except ReleaseError:
        return None


def record_commit(rel: Release, step: str, sha: str) -> None:
    """The journal's record of a commit (or of the commit a tag points at)."""
    if rel.journal is not None:
        rel.journal.commits[step] = sha
        rel.journal.release_head = sha
        rel.journal.save()


def commit_of(rel: Release, step: str) -> str | None:
    made = rel.results.get(Committed, step)
    if made is not None and made.sha:
        return made.sha
    if rel.journal is not None:
        return rel.journal.commits.get(step)
    return None


class CommitStep(Step):
    """A step that makes one commit, and undoes it (or its uncommitted edits) on rollback.

    Both the files it edits and the commit it makes are announced in the journal first, so
    an interrupt at any moment (even inside ``git commit``, with a slow hook running)
    leaves something the rollback recognises.
    """

    edits_repository = True

    def intend(self, rel: Release, paths: list[str]) -> frozenset[str]:
        """Announce the tracked files this step is about to edit; returns those with CRLF
        endings, for :meth:`commit` to keep them so."""
        if rel.journal is not None:
            rel.journal.announce(touched=paths)
        return frozenset(p for p in paths if newlines.uses_crlf(rel.root / p))

    def commit(self, rel: Release, paths: list[str], message: str,
               crlf: frozenset[str] = frozenset()) -> str:
        made = Committed(self.name, git.head(rel.root), message.splitlines()[0])
        rel.results.provide(made, key=self.name)
        if rel.journal is not None:
            rel.journal.announce(touched=paths, commit=message)
        for path in set(paths) & crlf:
            newlines.to_crlf(rel.root / path)
        sha = git.commit(rel.root, paths, message)
        rel.results.provide(Committed(made.step, made.base, made.subject, sha), key=self.name)
        record_commit(rel, self.name, sha)
        return sha

    def undo_commit(self, rel: Release) -> bool:
        """Remove this step's commit if it is still the last one (``reset --keep``).

        A commit interrupted after git made it but before we heard back is recognised by
        its parent and subject.
        """
        sha = commit_of(rel, self.name)
        head = git.head(rel.root)
        made = rel.results.get(Committed, self.name)
        if sha is None and made is not None:
            base, subject = made.base, made.subject
            if head != base and git.run_git(rel.root, "log", "-1", "--format=%P%n%s",
                                            head).splitlines() == [base, subject]:
                sha = head
        if sha and head == sha:
            git.reset_keep(rel.root, f"{sha}^")
            return True
        return False

    def restore(self, rel: Release, paths: list[str]) -> list[str]:
        """Put back HEAD's copy of those of ``paths`` this step left modified."""
        dirty = sorted(set(git.dirty_files(rel.root)) & set(paths))
        if dirty:
            git.run_git(rel.root, "checkout", "HEAD", "--", *dirty)
        return dirty
