"""The release of several packages of one repository in one run.

One pre-flight over every member before anything changes; then each member's local
steps (pins moved, history, bump, tag, build, docs build) in dependency order; then each
member's uploads, docs and message, in the same order. A failure before anything left
the machine undoes every member's local changes, newest first; after, the run is kept
and ``fab release --resume`` finishes it. The run's record (its members, in order) lives
beside the members' own journals in the repository's common git dir.
"""

from __future__ import annotations

import dataclasses
import shlex
import time
from pathlib import Path

from release_tasks.core import lock
from release_tasks.core.checks import preflight, raise_if_problems, report_findings
from release_tasks.core.config import Config
from release_tasks.core.engine import (
    confirm,
    execute,
    start_prepared,
)
from release_tasks.core.errors import NothingToResume, ReleaseError
from release_tasks.core.journal import Journal, state_dir
from release_tasks.core.recovery import undo_local
from release_tasks.core.release import Options, Release, Report
from release_tasks.core.results import Uploaded
from release_tasks.core.ui import Ui
from release_tasks.pipeline import runrecord
from release_tasks.pipeline.announce import RunNotify
from release_tasks.pipeline.assembly import assemble, fix_plan
from release_tasks.pipeline.bound import ForMember
from release_tasks.pipeline.members import ConfigFor, Planned, describe, member_facts, plan
from release_tasks.pipeline.memberui import for_member
from release_tasks.pipeline.run import kept_results, member_summary
from release_tasks.vcs import git
from release_tasks.workspace import changes
from release_tasks.workspace.members import Member, choose, find


def release(top: Path, config: Config, config_for: ConfigFor, ui: Ui, options: Options,
            package: str | None = None, changed: bool = False) -> list[Planned]:
    """``fab release --package NAME`` / ``--changed`` in a monorepo at ``top``."""
    if options.dry_run:
        return _release(top, config, config_for, ui, options, package, changed)
    with lock.held(state_dir(top), "release", top):
        if options.resume:
            return resume(top, config, config_for, ui, options)
        return _release(top, config, config_for, ui, options, package, changed)


def check(top: Path, config: Config, config_for: ConfigFor, ui: Ui, options: Options,
          package: str | None = None, changed: bool = False) -> list[Planned]:
    """``fab check --package/--changed``: every member's checks, nothing changes."""
    return _release(top, config, config_for, ui,
                    dataclasses.replace(options, dry_run=True), package, changed, "check")


def _release(top: Path, config: Config, config_for: ConfigFor, ui: Ui, options: Options,
             package: str | None, changed: bool, what: str = "release") -> list[Planned]:
    started = time.monotonic()
    if runrecord.unfinished(top) is not None:
        raise ReleaseError("a release of several packages is unfinished",
                           "`fab release --resume` finishes it")
    planned, report = plan(top, config, config_for, ui, options, package, changed)
    try:
        return _run(top, planned, report, ui, options, started, what)
    finally:
        for p in planned:
            p.rel.cleanup()


def _run(top: Path, planned: list[Planned], report: Report, ui: Ui, options: Options,
         started: float, what: str) -> list[Planned]:
    if not planned:
        report_findings(ui, report)
        raise_if_problems(report)
        ui.final("Nothing to release: no package changed since its last tag.")
        return planned
    heading = "Release of " + ", ".join(p.member.name for p in planned)
    if options.dry_run:
        ui.heading(heading + (" — dry run" if what == "release" else ""))
        for p in planned:
            ui.info(f"  {describe(p)}")
        report_findings(ui, report)
        raise_if_problems(report)
        ui.final("Dry run: every check passed; nothing was changed." if what == "release"
                 else "All checks passed: " + ", ".join(describe(p) for p in planned) + ".")
        return planned
    announce = RunNotify(planned, "notify" not in options.skip)
    last = planned[-1].rel
    if announce.skip_reason(last) is None:
        report.guard(announce.check, last, report)
    raise_if_problems(report)
    ui.heading(heading)
    for p in planned:
        ui.info(f"  {describe(p)}")
    report_findings(ui, report)
    confirm(planned[0].rel, f"Release {len(planned)} package(s)?")
    runrecord.save(top, [p.member.path for p in planned], announce.asked)
    _local(top, planned, ui, announce.asked)
    _outward(top, planned, announce)
    _finish(top, planned, ui, started, _push(first_config(planned), options))
    return planned


def first_config(planned: list[Planned]) -> Config:
    return planned[0].rel.config


def _push(config: Config, options: Options) -> bool:
    return options.push if options.push is not None else config.push


def _local(top: Path, planned: list[Planned], ui: Ui, notify: bool) -> None:
    """Each member's local steps, in dependency order; all undone if one fails."""
    made: list[tuple[str, object]] = []  # ("pin", (sha, parent)) or ("member", Planned)
    pins: dict[str, list[str]] = {}
    try:
        for p in planned:
            rel = p.rel
            if p.moves:
                base = git.head(top)
                for pin, version in p.moves:
                    changes.move_pin(p.member, pin, version)
                message = "Require " + ", ".join(f"{pin.requirement.name} {v}"
                                                 for pin, v in p.moves)
                sha = git.commit(rel.root, ["pyproject.toml"], message)
                made.append(("pin", (sha, base)))
                pins[p.member.path] = [sha, base]
                runrecord.save(top, [q.member.path for q in planned], notify, pins)
            journal = Journal(path=Journal.location(rel.root), version=rel.version,
                              current=rel.current or "", tag=rel.tag,
                              start_head=git.head(rel.root), branch=git.branch(rel.root),
                              skip=sorted(rel.options.skip), push=False, name=rel.name,
                              tag_preexisted=git.tag_exists(rel.root, rel.tag),
                              worktree=str(rel.root))
            journal.save()
            rel.journal = journal
            made.append(("member", p))
            local = [s for s in p.steps if not s.irreversible and not s.concurrent
                     and s.name != "dev_bump"]
            start_prepared(rel, local)
            execute(rel, local, journal)
        _build_all(planned)
    except BaseException as error:
        undone = _undo(top, made, ui)
        runrecord.forget(top)
        if isinstance(error, ReleaseError):
            raise ReleaseError(f"{error.message}; every package of this run was rolled back"
                               + (f" ({', '.join(undone)})" if undone else ""),
                               error.hint) from None
        raise


def _build_all(planned: list[Planned]) -> None:
    """Every member's build (and docs build), all in one parallel stage."""
    bound = []
    for p in planned:
        steps = [s for s in p.steps if s.concurrent and not s.irreversible]
        p.rel.results.expect(kind for s in steps for kind in s.provides)
        start_prepared(p.rel, steps)
        bound += [ForMember(s, p.rel, p.member.name) for s in steps]
    if bound:
        execute(planned[-1].rel, bound)


def _undo(top: Path, made: list[tuple[str, object]], ui: Ui) -> list[str]:
    """Undo what the run made, newest first (the failing member undid its own)."""
    undone: list[str] = []
    for kind, what in reversed(made):
        if kind == "pin":
            sha, base = what  # type: ignore[misc]
            if git.head(top) == sha:
                git.reset_keep(top, base)
                undone.append(f"removed the pin commit {sha[:10]}")
            continue
        p: Planned = what  # type: ignore[assignment]
        journal = Journal.load(p.rel.root)
        if journal is None:
            continue
        undone += [f"{p.member.name}: {u}" for u in
                   undo_local(p.rel.root, journal, p.rel.own_dists())]
        journal.remove()
    return undone


def _outward(top: Path, planned: list[Planned], announce: RunNotify) -> None:
    """Uploads and docs, member after member in dependency order, then one message. A
    failure keeps everything for ``--resume``."""
    for p in planned:
        rel = p.rel
        todo = [s for s in p.steps if s.irreversible or s.name == "dev_bump"]
        if p is planned[-1] and announce.skip_reason(rel) is None:
            todo.append(announce)
        start_prepared(rel, todo)
        execute(rel, todo, rel.journal)
        _member_done(rel.journal)


def _member_done(journal: Journal | None) -> None:
    if journal is not None:
        journal.finished = True
        journal.save()


def _finish(top: Path, planned: list[Planned], ui: Ui, started: float, push: bool) -> None:
    """One summary listing every member, one line for the run (and one atomic push)."""
    ui.info("")
    for p in planned:
        ui.info(f"  {p.member.name} {p.rel.version} (tag {p.rel.tag})")
        for line in member_summary(p.rel):
            ui.info(f"    {line}")
    for w in ui.kept_warnings:
        ui.warn(w)
    for p in planned:
        p.rel.cleanup()
    ui.close()
    runrecord.finish(top)
    first = planned[0].rel
    pushed = first.pushed_branch()
    ref = "HEAD" if pushed is None else pushed[0] if pushed[0] == pushed[1] else \
        f"{pushed[0]}:{pushed[1]}"
    command = ["git", "push", "--atomic", first.config.remote, ref, *(p.rel.tag for p in planned)]
    if push:
        git.run_git(top, *command[1:])
        ui.final(f"Released {len(planned)} packages and pushed: "
                 + ", ".join(f"{p.member.name} {p.rel.version}" for p in planned) + ".")
        return
    ui.final(f"Released {len(planned)} package(s) in {time.monotonic() - started:.1f}s. "
             f"Now push them: {shlex.join(command)}")


def resume(top: Path, config: Config, config_for: ConfigFor, ui: Ui,
           options: Options) -> list[Planned]:
    """``fab release --resume`` of a run of several packages: each member whose release
    is not finished goes on from the step where it stopped."""
    started = time.monotonic()
    record = runrecord.unfinished(top)
    if record is None:
        raise NothingToResume("there is no unfinished release of several packages to resume")
    folders = record["members"]
    members = {m.path: m for m in find(top, tuple(config.packages))}
    planned: list[Planned] = []
    for folder in folders:
        m = members[folder]
        journal = Journal.load(m.folder)
        if journal is None:
            raise ReleaseError(f"the journal of {m.name} in the unfinished run is gone",
                               "`fab rollback` undoes the run, then release again")
        member_options = dataclasses.replace(options, push=False, resume=True,
                                             skip=frozenset(journal.skip) | options.skip)
        rel = assemble(m.folder, config_for(m.folder), for_member(ui, m.name), member_options,
                       version=journal.version, facts=member_facts(m))
        rel.replan(current=journal.current)
        rel.journal = journal
        kept_results(rel, journal)
        fix_plan(rel)
        from release_tasks.core.engine import active_steps
        from release_tasks.steps import release_steps

        steps, _ = active_steps(rel, release_steps())
        p = Planned(m, rel, "resumed", [], steps)
        planned.append(p)
        if journal.finished:
            _uploaded_before(rel, journal)
            continue
        todo = [s for s in steps if s.name not in journal.done]
        if folder == folders[-1] and "notify_slack" not in journal.done:
            announce = RunNotify(planned, record["notify"])
            if announce.skip_reason(rel) is None:
                todo.append(announce)
        report = Report()
        preflight(rel, todo, report)
        raise_if_problems(report)
        done = ", ".join(journal.done) or "nothing"
        ui.heading(f"Resuming {m.name} {rel.version} (done: {done})")
        journal.failed = None
        journal.save()
        start_prepared(rel, todo)
        try:
            execute(rel, todo, journal)
        finally:
            rel.cleanup()
        _uploaded_before(rel, journal)
        _member_done(journal)
    _finish(top, planned, ui, started, _push(config, options))
    return planned


def _uploaded_before(rel: Release, journal: Journal) -> None:
    """The files a member uploaded before the stop, read from its journal, so the summary
    after ``--resume`` says where every member's dists went, not only this run's."""
    if rel.results.get(Uploaded) is None and journal.uploaded:
        rel.results.provide(Uploaded(tuple(journal.uploaded)))


def rollback(top: Path, config: Config, config_for: ConfigFor, ui: Ui,
             package: str | None = None) -> list[str]:
    """``fab rollback`` of the last run of several packages, unfinished or finished but
    not pushed: each member's local changes, and the pin commits, newest first. Nothing is
    undone if one of its tags is on the remote. ``package``: the run must be that
    package's alone (a run's packages depend on each other: they are undone together)."""
    from release_tasks.pipeline import run

    record = runrecord.load(top)
    if record is None:
        raise NothingToResume("there is no release of several packages to roll back",
                              "nothing to roll back")
    members = {m.path: m for m in find(top, tuple(config.packages))}
    folders = [f for f in record["members"] if f in members]
    if package:
        _only(choose(list(members.values()), package), [members[f] for f in folders])
    _refuse_if_pushed(top, config, [members[f] for f in folders])
    undone: list[str] = []
    for folder in reversed(folders):
        m = members[folder]
        if Journal.load(m.folder) is not None:
            undone += [f"{m.name}: {line}" for line in
                       run.rollback(m.folder, config_for(m.folder), ui)]
        pin = record.get("pins", {}).get(folder)
        if pin and git.head(top) == pin[0]:
            git.reset_keep(top, pin[1])
            undone.append(f"{m.name}: removed the pin commit {pin[0][:10]}")
            ui.info(f"  {undone[-1]}")
    runrecord.forget(top)
    ui.final(f"Rolled back the run of {len(record['members'])} packages.")
    return undone


def _only(wanted: Member, run: list[Member]) -> None:
    """``fab rollback --package NAME`` undoes the last run only if it released NAME alone."""
    names = ", ".join(m.name for m in run)
    if wanted not in run:
        raise ReleaseError(f"{wanted.name} is not in the last run of this repository ({names})",
                           "`fab rollback` undoes that run; an older release is undone by hand")
    if len(run) > 1:
        raise ReleaseError(f"{wanted.name} was released in one run with the others of it "
                           f"({names}), which are undone together",
                           f"`fab rollback` undoes the whole run; then `fab release --package "
                           f"{wanted.name}` releases it alone")


def _refuse_if_pushed(top: Path, config: Config, members: list[Member]) -> None:
    """A run is undone whole or not at all: once one of its tags is on the remote, what
    depends on it may be out too."""
    from release_tasks.core.recovery import tag_is_ours

    remote = config.remote
    if not git.remote_url(top, remote):
        return
    for m in members:
        journal = Journal.load(m.folder)
        if journal is not None and tag_is_ours(m.folder, journal) and \
                git.remote_has_tag(top, remote, journal.tag):
            raise ReleaseError(f"tag {journal.tag} of the last run is already on {remote}",
                               "a pushed release cannot be rolled back; release new "
                               "versions instead")
