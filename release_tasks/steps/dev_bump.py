"""dev_bump: back to a .dev version after the release."""

from __future__ import annotations

from typing import Any

from release_tasks.core.errors import (
    HistoryError,
)
from release_tasks.core.release import Release, Report

from .base import CommitStep


class DevBump(CommitStep):
    name = "dev_bump"
    skip_is_news = False  # off unless configured

    def skip_reason(self, rel: Release) -> str | None:
        from packaging.version import InvalidVersion

        from .bump import tag_made_version

        if not rel.config.dev_bump:
            return "dev_bump is off"
        reason = tag_made_version(rel)
        if reason is not None:
            return reason
        try:
            if rel.has_version and self.dev_version(rel) is None:
                return f"{rel.version} is a pre-release: the next release is its final"
        except InvalidVersion:
            return None  # reported by check()
        return None

    def dev_version(self, rel: Release) -> str | None:
        """``.dev0`` of the next release; None after a pre-release (see pep440.dev_after)."""
        from release_tasks.versioning import pep440

        return pep440.dev_after(rel.version)

    def describe(self, rel: Release) -> str:
        dev = self.dev_version(rel)
        return f"{rel.version} → {dev} and a new '(unreleased)' history section, commit"

    def check(self, rel: Release, report: Report) -> None:
        from packaging.version import InvalidVersion

        scheme = report.guard(lambda: rel.scheme)
        if scheme is None or not rel.has_version:
            return
        try:
            dev = self.dev_version(rel)
        except InvalidVersion:
            report.error(f"dev_bump needs a PEP 440 version, not {rel.version}")
            return
        if dev is not None and not scheme.fits(dev):
            report.error(f"dev_bump: {dev} does not fit the version pattern in "
                         f"{scheme.description} (add a .devN part to parse/serialize)")

    def run(self, rel: Release, step: Any) -> None:
        from release_tasks import versioning
        from release_tasks.changelog import formats
        from release_tasks.vcs import paths

        from .bump import version_targets

        dev = self.dev_version(rel)
        assert dev is not None  # skip_reason() skips the step otherwise
        scheme = versioning.detect(rel.root)
        path = None
        if "history" not in rel.options.skip:
            try:
                path = rel.root / paths.writable_in_tree(rel.root, rel.history_path)
            except HistoryError:
                path = None
        touched = [*version_targets(rel, scheme),
                   *([path.relative_to(rel.root).as_posix()] if path else [])]
        crlf = self.intend(rel, touched)
        try:
            changed = scheme.apply(dev)
            if path is not None:
                formats.next_cycle(rel.root, path, dev.split(".dev")[0])
                changed = sorted(set(changed) | {path.relative_to(rel.root).as_posix()})
            self.commit(rel, changed, f"Back to development: {dev}", crlf)
            scheme.run_post_commit_hooks(dev)
        except BaseException:
            # Leave the released state behind, not half a dev bump: --resume redoes it.
            self.restore(rel, touched)
            raise
        step.note = f"now at {dev}"
