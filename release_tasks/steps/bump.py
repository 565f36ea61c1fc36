"""bump: the new version written into the project's files and committed."""

from __future__ import annotations

from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import (
    VersionError,
)
from release_tasks.core.release import Release, Report
from release_tasks.vcs import git

from .base import commit_of, record_commit


class Bump(Step):
    name = "bump"

    def describe(self, rel: Release) -> str:
        files = ", ".join(rel.scheme.files) or "the configured files"
        message = rel.scheme.commit_message(rel.version)
        return f"{rel.current} → {rel.version} in {files}, commit \"{message}\""

    def check(self, rel: Release, report: Report) -> None:
        scheme = report.guard(lambda: rel.scheme)
        if scheme is None or not rel.has_version:
            return
        for problem in scheme.check_files(rel.version):
            report.error(problem)

    def run(self, rel: Release, step: Any) -> None:
        try:
            changed = rel.scheme.apply(rel.version)
        except BaseException:
            self._restore(rel)
            raise
        if not changed:
            raise VersionError(f"writing {rel.version} changed no file",
                               f"check the file list in {rel.scheme.description}")
        sha = git.commit(rel.root, changed, rel.scheme.commit_message(rel.version))
        record_commit(rel, self.name, sha)
        step.note = f"{rel.current} → {rel.version} in {', '.join(changed)}"

    def _restore(self, rel: Release) -> bool:
        touched = [f for f in rel.scheme.files if (rel.root / f).exists()]
        dirty = set(git.dirty_files(rel.root)) & set(touched)
        if dirty:
            git.run_git(rel.root, "checkout", "HEAD", "--", *sorted(dirty))
        return bool(dirty)

    def undo(self, rel: Release) -> str | None:
        sha = commit_of(rel, self.name)
        if sha and git.head(rel.root) == sha:
            git.reset_keep(rel.root, f"{sha}^")
            return f"removed the version bump commit ({rel.version})"
        if self._restore(rel):
            return "restored the version files"
        return None
