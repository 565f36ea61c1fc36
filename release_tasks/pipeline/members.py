"""Which packages of a monorepo a run releases, and each one's plan.

``--package NAME`` picks one; ``--changed`` picks every member with commits in its folder
since its own last tag. A member pinning an exact version of a member being released
joins the run with a patch release and its pin moved. Every member's release is
assembled and checked here, before anything changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_tasks.core.config import Config
from release_tasks.core.engine import Step, active_steps
from release_tasks.core.errors import ConfigError, ReleaseError
from release_tasks.core.release import Options, Release, Report
from release_tasks.core.ui import Ui
from release_tasks.pipeline.assembly import assemble, fix_plan
from release_tasks.pipeline.memberui import for_member
from release_tasks.pipeline.run import plan_checks
from release_tasks.steps import release_steps
from release_tasks.workspace import changes
from release_tasks.workspace.members import Member, Pin, find
from release_tasks.workspace.order import dependency_order

# A member's config: its own [tool.release_tasks] over the root's (core.config.load).
ConfigFor = Callable[[Path], Config]


class ChooseMembers(ConfigError):
    """``fab release`` in a repository of several packages, without saying which."""


@dataclass
class Planned:
    """One member's part of the run: its release, why it is in it, the pins it moves."""

    member: Member
    rel: Release
    why: str  # "changed", "chosen", "pin moved"
    moves: list[tuple[Pin, str]] = field(default_factory=list)  # (pin, new version)
    steps: list[Step] = field(default_factory=list)


def several(root: Path, config: Config) -> list[Member]:
    """The members of the repository at ``root``; [] when it holds one package."""
    return find(root, tuple(config.packages))


def refusal(members: list[Member]) -> ChooseMembers:
    names = ", ".join(m.name for m in members)
    return ChooseMembers(f"this repository holds several packages ({names})",
                         "release one with `--package NAME`, or every changed one with "
                         "`--changed`")


def member_facts(member: Member) -> dict[str, Any]:
    """The resolvers a member's release uses instead of a lone project's: its tags are
    ``{name}-v{version}``, unless its bumpversion config names its own ``tag_name``."""

    def scheme(rel: Release) -> Any:
        from release_tasks.versioning import remote

        found = remote.detect(rel.root, rel.peek_prepared(remote.NAME))
        config_file = getattr(found, "config_file", None)
        own = config_file is not None and "tag_name" in Path(config_file).read_text(
            encoding="utf-8", errors="replace")
        if not own:
            found.tag_template = f"{member.name}-v{{new_version}}"
        return found

    return {"scheme": scheme}


def _selected(top: Path, members: list[Member], package: str | None, changed: bool,
              config_for: ConfigFor, ui: Ui) -> dict[str, str]:
    """Member key → why it is released, before pins are followed."""
    from release_tasks.workspace.members import choose

    if package == "*" and len(members) == 1:  # the one member of a workspace
        return {members[0].key: "chosen"}
    if package:
        return {choose(members, package).key: "chosen"}
    chosen = {}
    for m in members:
        tag = changes.last_tag(top, m)
        if tag is None:  # no `{name}-v*` tag: its own tag_name may name them otherwise
            try:
                rel = assemble(m.folder, config_for(m.folder), ui, facts=member_facts(m))
                tag = changes.last_tag(top, m, rel.scheme.tag_name(rel.scheme.current))
            except ReleaseError:
                tag = None  # the member's own checks will say why
        if changes.changed_since(top, m, tag):
            chosen[m.key] = "changed"
    return chosen


def plan(top: Path, config: Config, config_for: ConfigFor, ui: Ui, options: Options,
         package: str | None, changed: bool) -> tuple[list[Planned], Report]:
    """Every member the run releases, in dependency order, each checked; nothing changes.
    The report holds every member's problems, each named by its folder."""
    members = several(top, config)
    if not members:
        raise ConfigError("this repository holds one package: --package and --changed are "
                          "for several", "run `fab release` without them")
    ordered = dependency_order(members)
    chosen = _selected(top, members, package, changed, config_for, ui)
    report = Report()
    planned: list[Planned] = []
    versions: dict[str, str] = {}
    for m in ordered:
        moves = [(p, versions[p.name]) for p in m.pins
                 if p.name in versions and p.exact is not None and p.exact != versions[p.name]]
        why = chosen.get(m.key) or ("pin moved" if moves else None)
        if why is None:
            continue
        # The run pushes once and sends one message (pipeline.announce) for all members.
        member_options = dataclasses.replace(options, push=False,
                                             skip=options.skip | {"notify"})
        requires = "\n".join(f"- Requires {p.requirement.name} {v}." for p, v in moves)
        if why == "pin moved":
            member_options = dataclasses.replace(member_options, part="patch", new_version=None,
                                                 notes=requires, notes_file=None)
        elif moves and options.notes is not None:  # changed too: its notes, and what it needs
            member_options = dataclasses.replace(
                member_options, notes=f"{options.notes.rstrip()}\n{requires}")
        rel = assemble(m.folder, config_for(m.folder), for_member(ui, m.name), member_options,
                       facts=member_facts(m))
        rel.replan(fresh=True)
        own = Report()
        plan_checks(rel, own)
        fix_plan(rel)
        for problem in own.errors:
            report.error(f"{m.path}: {problem}")
        for warning in own.warnings:
            report.warn(f"{m.path}: {warning}")
        if rel.has_version:
            versions[m.key] = rel.version
        steps, _ = active_steps(rel, release_steps())
        planned.append(Planned(m, rel, why, moves, steps))
    if options.new_version and len(planned) > 1:
        report.error("--new-version names one version, but this run releases "
                     f"{len(planned)} packages (use --package NAME)")
    return planned, report


def describe(p: Planned) -> str:
    """``acme-core 0.2.0 → 0.2.1 (changed)``, for the dry run and the heading."""
    rel = p.rel
    versions = f"{rel.current} → {rel.version}" if rel.has_version else "(version unknown)"
    moved = "".join(f"; pin {pin.requirement.name}=={v}" for pin, v in p.moves)
    return f"{p.member.name} {versions} ({p.why}{moved})"
