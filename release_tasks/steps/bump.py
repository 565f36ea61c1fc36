"""bump: the new version written into the project's files and committed.

Projects whose version comes from git tags skip it: the tag step makes the version, and
writing a file would change nothing their build tool reads.
"""

from __future__ import annotations

import os
from typing import Any

from release_tasks.core.errors import ReleaseError, VersionError
from release_tasks.core.release import Release, Report

from .base import CommitStep


def tag_made_version(rel: Release) -> str | None:
    """Why no file is written when the version is the tag (None when files carry it)."""
    try:
        scheme = rel.scheme
    except ReleaseError:
        return None  # reported by the checks
    if scheme.writes_files:
        return None
    return f"the version comes from {scheme.description}: the tag makes it"


def version_targets(rel: Release, scheme: Any) -> list[str]:
    """The files a version bump writes, each as the tracked file of the work tree it really
    is (a link's target); vcs/paths.py refuses a link or folder leading anywhere else.
    Missing files are left to ``scheme.check_files``, which says which entry names them."""
    from release_tasks.vcs import paths

    present = [f for f in scheme.files if os.path.lexists(rel.root / f)]
    return sorted({p.as_posix() for p in paths.writable_files(rel.root, present)})


class Bump(CommitStep):
    name = "bump"

    def skip_reason(self, rel: Release) -> str | None:
        return tag_made_version(rel)

    def describe(self, rel: Release) -> str:
        files = ", ".join(rel.scheme.files) or "the configured files"
        message = rel.scheme.commit_message(rel.version)
        return f"{rel.current} → {rel.version} in {files}, commit \"{message}\""

    def check(self, rel: Release, report: Report) -> None:
        scheme = report.guard(lambda: rel.scheme)
        if scheme is None or not rel.has_version:
            return
        report.guard(scheme.commit_message, rel.version)
        from release_tasks.vcs import paths

        report.guard(paths.writable_files, rel.root,
                     [f for f in scheme.files if os.path.lexists(rel.root / f)])
        for problem in scheme.check_files(rel.version):
            report.error(problem)

    def run(self, rel: Release, step: Any) -> None:
        targets = version_targets(rel, rel.scheme)
        crlf = self.intend(rel, targets)
        try:
            changed = rel.scheme.apply(rel.version)
        except BaseException:
            self.restore(rel, targets)
            raise
        if not changed:
            raise VersionError(f"writing {rel.version} changed no file",
                               f"check the file list in {rel.scheme.description}")
        self.commit(rel, changed, rel.scheme.commit_message(rel.version), crlf)
        rel.scheme.run_post_commit_hooks(rel.version)
        step.note = f"{rel.current} → {rel.version} in {', '.join(changed)}"

    def _restore(self, rel: Release) -> bool:
        return bool(self.restore(rel, version_targets(rel, rel.scheme)))

    def undo(self, rel: Release) -> str | None:
        if self.undo_commit(rel):
            return f"removed the version bump commit ({rel.version})"
        if self._restore(rel):
            return "restored the version files"
        return None
