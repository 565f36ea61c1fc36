"""One message for a run of several packages: every member released, with its notes."""

from __future__ import annotations

from typing import Any

from release_tasks.core.release import Release
from release_tasks.pipeline.members import Planned
from release_tasks.steps import Notify


class RunNotify(Notify):
    """The notify step of a monorepo's run: it goes with the last member's outward steps
    (each member's own is skipped) and names every member, so the team gets one message."""

    def __init__(self, planned: list[Planned], asked: bool) -> None:
        self.planned = planned
        self.asked = asked  # False with --skip-notify

    def skip_reason(self, rel: Release) -> str | None:
        if not self.asked:
            return "--skip-notify"
        if rel.webhook is None:
            from release_tasks.notify import secrets

            return secrets.missing(rel.config)
        return None

    def payload(self, rel: Release) -> dict[str, Any]:
        from release_tasks.notify import message

        released = ", ".join(f"{p.member.name} {p.rel.version}" for p in self.planned)
        sections = []
        for p in self.planned:
            changes, _ = self._changes(p.rel)
            sections.append(f"{p.member.name} {p.rel.version}\n\n{changes}".strip())
        data = message.payload(rel.config, ", ".join(p.member.name for p in self.planned),
                               ", ".join(p.rel.version for p in self.planned),
                               changes="\n\n".join(sections), changes_format="md",
                               flavour=message.flavour_for(rel.webhook))
        if not rel.config.slack_template and not rel.config.webhook_template:
            rest = str(data["text"]).partition("\n")[2]
            data["text"] = f"Released {released}\n{rest}"
        return data
