"""tag: the annotated (or signed) release tag."""

from __future__ import annotations

from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import (
    TagExists,
)
from release_tasks.core.release import Release, Report
from release_tasks.core.results import Tagged
from release_tasks.vcs import git

from .base import record_commit


class Tag(Step):
    name = "tag"
    edits_repository = True
    provides = (Tagged,)

    def describe(self, rel: Release) -> str:
        kind = "signed" if rel.scheme.sign_tags else "annotated"
        return f"{kind} tag {rel.tag} (\"{rel.scheme.tag_message(rel.version)}\") on that commit"

    def message(self, rel: Release) -> str:
        """The tag message, with the version's release notes under it (as written in the
        history file, so ``git show TAG`` reads like the history)."""
        from release_tasks.steps.notify_slack import Notify

        notes, _ = Notify()._changes(rel)
        first = rel.scheme.tag_message(rel.version)
        return f"{first}\n\n{notes}" if notes.strip() else first

    def check(self, rel: Release, report: Report) -> None:
        if not rel.has_version or report.guard(lambda: rel.scheme) is None:
            return
        tag = rel.tag
        if git.tag_exists(rel.root, tag):
            report.error(str(TagExists(f"tag {tag} already exists")))
        elif git.remote_url(rel.root, rel.config.remote) and \
                git.remote_has_tag(rel.root, rel.config.remote, tag):
            report.error(str(TagExists(f"tag {tag} already exists on {rel.config.remote}")))

    def run(self, rel: Release, step: Any) -> Tagged:
        git.tag(rel.root, rel.tag, self.message(rel), rel.scheme.sign_tags)
        head = git.head(rel.root)
        record_commit(rel, "tag", head)
        if rel.journal is not None:
            rel.journal.record_tag(git.rev_parse(rel.root, f"refs/tags/{rel.tag}") or "", head)
        step.note = f"{rel.tag} on {head[:10]}"
        return Tagged(rel.tag, head)

    def undo(self, rel: Release) -> str | None:
        created = rel.results.get(Tagged) is not None or (
            rel.journal is not None and rel.journal.tag_created)
        recorded = rel.journal.tag_object if rel.journal is not None else ""
        if recorded and git.rev_parse(rel.root, f"refs/tags/{rel.tag}") != recorded:
            return None  # someone else's tag of that name now: the rollback says so
        if created and git.tag_exists(rel.root, rel.tag):
            git.delete_tag(rel.root, rel.tag)
            return f"deleted tag {rel.tag}"
        return None
