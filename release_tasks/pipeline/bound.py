"""A step of one package's release, run by the engine in a stage beside the same step of
the other packages of a monorepo's run: their builds go in parallel."""

from __future__ import annotations

from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.release import Release


class ForMember(Step):
    """``inner`` run on ``member``'s release, whatever release the engine passes: its
    result and journal entries go to that member's release."""

    def __init__(self, inner: Step, member: Release, label: str) -> None:
        self.inner = inner
        self.member = member
        self.name = f"{inner.name} {label}"
        # Beside the same steps of the other members; what it needs it waits for inside
        # its run, on its member's results, so it declares nothing to the shared engine.
        self.concurrent = inner.concurrent
        self.irreversible = inner.irreversible
        self.warn_only = inner.warn_only

    def describe(self, rel: Release) -> str:
        return self.inner.describe(self.member)

    def run(self, rel: Release, step: Any) -> object | None:
        member = self.member
        if member.journal is not None:
            member.journal.mark_started([self.inner.name])
        try:
            result = self.inner.run(member, step)
            if result is not None:
                member.results.provide(result)
                if member.journal is not None:
                    member.journal.record(result)
            if member.journal is not None:
                member.journal.mark_done(self.inner.name)
        finally:
            member.results.ended(self.inner.provides)  # its docs build stops waiting
        return None

    def undo(self, rel: Release) -> str | None:
        return self.inner.undo(self.member)
