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

    def skip_reason(self, rel: Release) -> str | None:
        return None if rel.config.dev_bump else "dev_bump is off"

    def dev_version(self, rel: Release) -> str:
        from packaging.version import Version

        v = Version(rel.version)
        return f"{v.major}.{v.minor}.{v.micro + 1}.dev0"

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
        vc = scheme.bv.version_config
        parsed = vc.parse(dev)
        from release_tasks.versioning.bumpversion import _serialize

        if parsed is None or _serialize(scheme.bv, parsed) != dev:
            report.error(f"dev_bump: {dev} does not fit the version pattern in "
                         f"{scheme.description} (add a .devN part to parse/serialize)")

    def run(self, rel: Release, step: Any) -> None:
        from release_tasks.changelog import formats
        from release_tasks.versioning import bumpversion

        dev = self.dev_version(rel)
        scheme = bumpversion.detect(rel.root)
        try:
            path = rel.history_path
        except HistoryError:
            path = None
        touched = [*scheme.files, *([path.relative_to(rel.root).as_posix()] if path else [])]
        self.intend(rel, touched)
        try:
            changed = scheme.apply(dev)
            if path is not None and "history" not in rel.options.skip:
                formats.next_cycle(rel.root, path, dev.split(".dev")[0])
                changed = sorted(set(changed) | {path.relative_to(rel.root).as_posix()})
            self.commit(rel, changed, f"Back to development: {dev}")
        except BaseException:
            # Leave the released state behind, not half a dev bump: --resume redoes it.
            self.restore(rel, touched)
            raise
        step.note = f"now at {dev}"
