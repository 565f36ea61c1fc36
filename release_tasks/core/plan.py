"""What a release will do, fixed before any step runs: the plan.

The pipeline works it out (``pipeline.assembly``): the project, its current and new
version, the tag, the date, what was asked on the command line, the part bumped and why,
and where the release goes. It never changes once the steps run, so a step reads the same
answer in its check, its run and its undo, and two steps running side by side cannot see
it differently. What the steps make as they run is not here but in their results
(``core.results``).
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_tasks.core.config import Config


@dataclass(frozen=True)
class Options:
    """What the user asked for on the command line."""

    part: str | None = None
    new_version: str | None = None
    notes: str | None = None
    notes_file: str | None = None
    dry_run: bool = False
    yes: bool = False
    resume: bool = False
    skip: frozenset[str] = frozenset()
    push: bool | None = None
    discard_journal: bool = False  # set aside a journal that cannot be read


@dataclass(frozen=True)
class Targets:
    """Where the release goes, as far as the plan could tell (None: not known, or not
    known yet; the checks say why)."""

    repository: str | None = None  # the index, as shown (the first, when there are several)
    repositories: tuple[str, ...] = ()  # every one, as shown
    docs_target: str | None = None  # the first
    docs_targets: tuple[str, ...] = ()  # every one, expanded
    history_path: Path | None = None


def _today() -> str:
    return datetime.date.today().isoformat()


@dataclass(frozen=True)
class Plan:
    """One release of one package, as decided."""

    root: Path
    config: Config
    options: Options = field(default_factory=Options)
    name: str | None = None
    current: str | None = None
    version: str | None = None
    tag: str | None = None
    date: str = field(default_factory=_today)
    part: str | None = None
    part_reason: str | None = None  # why --part auto chose the part it did
    # A new release (not a resume, not a step alone): its version must be new everywhere.
    fresh: bool = False
    targets: Targets = field(default_factory=Targets)

    def but(self, **changes: Any) -> Plan:
        """This plan with ``changes``: a new plan, for the pipeline as it decides."""
        return dataclasses.replace(self, **changes)
