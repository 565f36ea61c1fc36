"""push: the branch and tag to the remote, when asked."""

from __future__ import annotations

from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import (
    PushError,
    ReleaseError,
)
from release_tasks.core.release import Release, Report
from release_tasks.vcs import git


class Push(Step):
    name = "push"
    irreversible = True
    skip_is_news = False  # off unless asked for: the command is printed instead

    def skip_reason(self, rel: Release) -> str | None:
        return None if rel.push else "push is off (the command is printed at the end)"

    def describe(self, rel: Release) -> str:
        return rel.push_command()

    def check(self, rel: Release, report: Report) -> None:
        if not git.remote_url(rel.root, rel.config.remote):
            report.error(f"push is on but there is no remote {rel.config.remote!r} "
                         "(add it, or set remote)")

    def run(self, rel: Release, step: Any) -> None:
        pushed = rel.pushed_branch()
        if pushed is None:
            raise PushError("HEAD is detached", "check out the release branch and push by hand")
        branch, there = pushed
        try:
            git.run_git(rel.root, "push", "--atomic", rel.config.remote,
                        f"refs/heads/{branch}:refs/heads/{there}", f"refs/tags/{rel.tag}")
        except ReleaseError as e:
            reason = e.message.removeprefix("git push failed: ")
            raise PushError(f"git push to {rel.config.remote} failed: {reason}",
                            f"push by hand: {rel.push_command()}") from None
        step.note = f"{branch} and {rel.tag} → {rel.config.remote}"
