"""The whole release, its pre-flight check, resume and rollback (a step alone is
``pipeline.alone``'s).

These are plain functions of a repository root, a config and a UI; ``tasks.py`` only
turns command-line flags into calls to them.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from release_tasks.core import lock, recovery
from release_tasks.core.checks import preflight, raise_if_problems, report_findings
from release_tasks.core.config import Config
from release_tasks.core.engine import (
    Step,
    active_steps,
    confirm,
    execute,
    print_plan,
    start_prepared,
)
from release_tasks.core.errors import NothingToResume, ReleaseError
from release_tasks.core.journal import (
    Journal,
    kept_notes,
    notes_path,
    set_aside,
    state_dir,
)
from release_tasks.core.prepared import Prepared
from release_tasks.core.release import Options, Release, Report
from release_tasks.core.results import Built, DocsBuilt, Shipped, Tagged, Uploaded
from release_tasks.core.ui import Ui
from release_tasks.pipeline import preload
from release_tasks.pipeline.assembly import assemble, built_files, fix_plan, next_version
from release_tasks.steps import (
    check_git_setup,
    check_repository,
    release_steps,
    slack_warning,
)
from release_tasks.vcs import git


def plan_checks(rel: Release, report: Report) -> tuple[list[Step], list[tuple[Step, str]]]:
    """Work out the versions and run every check; nothing changes."""
    begun = frozenset(s.name for s in release_steps() if s.begin(rel, report))
    check_repository(rel, report)
    scheme = report.guard(lambda: rel.scheme)
    if scheme is not None:
        rel.replan(current=scheme.current)
        for note in getattr(scheme, "notes", ()):
            report.warn(note)
        new = report.guard(next_version, rel, scheme)
        if new is not None:
            rel.replan(version=new)
    report.guard(lambda: rel.name)
    steps, skipped = active_steps(rel, release_steps())
    if rel.has_version:
        preflight(rel, steps, report, begun, more=_whole)
    report.settle()
    return steps, skipped


def _whole(rel: Release, report: Report) -> None:
    """The checks of the release as a whole, after the steps' own."""
    slack_warning(rel, report)
    check_git_setup(rel, report)


def _header(rel: Release) -> str:
    scheme = rel.known("scheme")
    source = f" (version from {scheme.description})" if scheme else ""
    if rel.part_reason:
        source += f" · {rel.part_reason}"
    name = rel.known("name") or "this package"  # not read again: it may be invalid
    if rel.has_version:
        return f"Release {name} {rel.current} → {rel.version}{source}"
    return f"Release of {name}{source}"


def _unfinished(root: Path) -> Journal | None:
    journal = Journal.load(root)
    return journal.checked_here(root) if journal is not None and not journal.finished else None


def release(root: Path, config: Config, ui: Ui, options: Options,
            versioning: Prepared | None = None) -> Release:
    """``fab release``: check everything, show the plan, run it, print a summary.
    ``versioning``: the versioning server (``versioning.remote.start``), started early by
    the caller, who closes it if the release does not take it."""
    if options.dry_run:
        return _release(root, config, ui, options, versioning)
    with lock.held(state_dir(root), "release", root):
        if options.discard_journal:
            set_aside(root, ui.info)
        previous = Journal.load(root)
        if previous is not None:
            recovery.sweep(previous)  # what a killed release left in the temp dir
        if options.resume:
            return resume(root, config, ui, options)
        return _release(root, config, ui, options, versioning)


def _kept_notes(root: Path, rel: Release, options: Options) -> Options:
    """Notes typed for this version in a release that failed later are used again."""
    if options.notes is not None or options.notes_file or not rel.has_version:
        return options
    kept = kept_notes(root, rel.version)
    if kept is None:
        return options
    rel.ui.info(f"Using the notes you wrote for {rel.version} last time ({kept}); delete "
                "that file to write them afresh")
    return dataclasses.replace(options, notes_file=str(kept))


def _release(root: Path, config: Config, ui: Ui, options: Options,
             versioning: Prepared | None = None) -> Release:
    started = time.monotonic()
    rel = assemble(root, config, ui, options)
    if versioning is not None:
        rel.own_prepared(versioning)
    try:
        return _run_release(rel, started)
    finally:
        rel.cleanup()  # what the checks started, if the release stopped before its steps


def _run_release(rel: Release, started: float) -> Release:
    root, ui, options = rel.root, rel.ui, rel.options
    rel.replan(fresh=True)
    report = Report()
    pending = report.guard(_unfinished, root)
    if pending is not None:
        report.error(f"a release of {pending.version} is unfinished ({pending.failed or 'stopped'}"
                     "): `fab release --resume` continues it, `fab rollback` undoes it")
    preload.start(rel)  # used by the checks below
    if not options.dry_run:  # this run carries out its steps: start what is worth it now
        start_prepared(rel, release_steps(), early=True)
    steps, skipped = plan_checks(rel, report)
    rel.replan(options=_kept_notes(root, rel, options))
    if options.dry_run:
        ui.heading(_header(rel) + " — dry run")
        if rel.has_version:
            print_plan(rel, steps, skipped)
            if not rel.push:
                ui.info(f"     then you push: {rel.push_command()}")
        report_findings(ui, report)
        raise_if_problems(report)
        ui.final("Dry run: every check passed; nothing was changed.")
        return rel
    raise_if_problems(report)
    fix_plan(rel)
    ui.heading(_header(rel))
    report_findings(ui, report)
    if (ui.interactive and not options.yes) or ui.verbose:
        print_plan(rel, steps, skipped)
    confirm(rel, f"Release {rel.name} {rel.current} → {rel.version}?")
    start_prepared(rel, steps)  # confirmed: the build's Python starts beside the journal
    journal = Journal(path=Journal.location(root), version=rel.version, current=rel.current or "",
                      tag=rel.tag, start_head=git.head(root), branch=rel.branch,
                      skip=sorted(options.skip), push=options.push, name=rel.name,
                      tag_preexisted=git.tag_exists(root, rel.tag), worktree=str(root))
    journal.save()
    rel.journal = journal
    for s, why in skipped:
        if s.skip_is_news:
            ui.skipped(s.name, why)
    return _finish(rel, steps, journal, started)


def resume(root: Path, config: Config, ui: Ui, options: Options) -> Release:
    """``fab release --resume``: continue a release that failed at or after the upload."""
    started = time.monotonic()
    journal = _unfinished(root)
    if journal is None:
        raise NothingToResume("there is no unfinished release to resume")
    if not journal.irreversible_done(s.name for s in release_steps() if s.irreversible):
        # Nothing left this machine: the surest way to finish is to undo what exists of it
        # (a kill can stop a step anywhere) and release the same version again.
        undone = recovery.undo_local(root, journal, built_files(root, journal))
        journal.remove()
        ui.info(f"The release of {journal.version} stopped before anything was uploaded"
                + (f"; undone: {', '.join(undone)}" if undone else "") + "; starting it again")
        again = dataclasses.replace(
            options, resume=False, new_version=journal.version, part=None,
            skip=frozenset(journal.skip) | options.skip,
            push=options.push if options.push is not None else journal.push)
        return _release(root, config, ui, again)
    options = dataclasses.replace(
        options, skip=frozenset(journal.skip) | options.skip,
        push=options.push if options.push is not None else journal.push)
    rel = assemble(root, config, ui, options, version=journal.version)
    rel.replan(current=journal.current)
    rel.journal = journal
    if not git.tag_exists(root, journal.tag):
        raise ReleaseError(f"tag {journal.tag} of the unfinished release is gone",
                           "`fab rollback`, then release again")
    if journal.release_head and git.head(root) != journal.release_head:
        raise ReleaseError(
            f"HEAD moved since the release of {journal.version} stopped",
            f"check out {journal.release_head[:10]} (or `fab rollback`) before --resume")
    kept_results(rel, journal)
    fix_plan(rel)
    steps, _ = active_steps(rel, release_steps())
    todo = _with_providers(rel, steps, [s for s in steps if s.name not in journal.done])
    report = Report()
    preflight(rel, todo, report)
    raise_if_problems(report)
    ui.heading(f"Resuming the release of {rel.name} {rel.version} "
               f"(done: {', '.join(journal.done) or 'nothing'})")
    report_findings(ui, report)
    journal.failed = None
    journal.save()
    return _finish(rel, todo, journal, started)


def kept_results(rel: Release, journal: Journal) -> None:
    """What the steps done before the stop provided, read back from the journal. Built files
    that went missing or changed since are not: what is uploaded is always what this
    release built, never whatever dist/ holds now."""
    if journal.tag_created or "tag" in journal.done:
        rel.results.provide(Tagged(journal.tag, journal.tag_commit or journal.release_head or ""))
    built = journal.built_files()
    if built is not None:
        rel.results.provide(Built(tuple(built)))
    if journal.docs_html and Path(journal.docs_html).is_dir():
        rel.results.provide(DocsBuilt(Path(journal.docs_html)))
    if journal.docs_location:
        rel.results.provide(Shipped(journal.docs_location))


def _with_providers(rel: Release, steps: list[Step], todo: list[Step]) -> list[Step]:
    """``todo``, plus the steps done before whose results a step of it needs but the
    journal no longer vouches for (say, the built files changed): they run again."""
    todo = list(todo)
    missing = True
    while missing:
        missing = False
        for s in list(todo):
            for kind in s.needs:
                if rel.results.get(kind) is not None or any(kind in t.provides for t in todo):
                    continue
                provider = next((p for p in steps if kind in p.provides), None)
                if provider is None:
                    continue
                if kind is Built:
                    rel.ui.info("The built files changed or went missing since the release "
                                "stopped; building them again from the tag")
                todo.append(provider)
                missing = True
        todo.sort(key=lambda s: [p.name for p in steps].index(s.name))
    return todo


def _finish(rel: Release, steps: list[Step], journal: Journal, started: float) -> Release:
    """Run the steps; once they all went through, the release is finished: say so."""
    try:
        execute(rel, steps, journal)
    finally:
        rel.cleanup()
        rel.ui.close()
    journal.finished = True
    journal.save()
    notes_path(rel.root, rel.version).unlink(missing_ok=True)
    summary(rel, time.monotonic() - started)
    return rel


def check(root: Path, config: Config, ui: Ui, options: Options) -> Report:
    """``fab check``: every pre-flight check; lists every problem at once; changes nothing."""
    rel = assemble(root, config, ui, options)
    rel.replan(fresh=True)
    report = Report()
    steps, skipped = plan_checks(rel, report)
    ui.heading(_header(rel))
    for line in _destinations(rel, {s.name for s in steps}):
        ui.info(line)
    for s, why in skipped:
        if s.skip_is_news:
            ui.info(f"  {s.name}: skipped ({why})")
    report_findings(ui, report)
    raise_if_problems(report)
    ui.final(f"All checks passed: {rel.name} {rel.current} → {rel.version} is ready to release.")
    return report


def _destinations(rel: Release, active: set[str]) -> list[str]:
    """Where the release would go, and how to point it elsewhere when nothing is set: the
    first thing a newcomer's ``fab check`` should tell them."""
    lines = []
    if "edit_history" in active:
        try:
            history = rel.history_path
        except ReleaseError:
            history = None
        if history is not None and history.is_relative_to(rel.root):
            lines.append(f"  history: {history.relative_to(rel.root).as_posix()}")
    if "upload" in active:
        try:
            places = [b.display for b in rel.repos]
        except ReleaseError:
            places = []  # reported by the checks
        for where in places:
            default = "" if rel.config.repository else (
                " (the default local folder index; set repository in [tool.release_tasks] "
                "for your team's index)")
            lines.append(f"  upload: {where}{default}")
    if "ship_docs" in active and rel.has_version:
        try:
            target = rel.docs_target
        except ReleaseError:
            target = None
        if target is not None:
            default = "" if rel.config.docs_target else (
                " (the default local docs folder; set docs_target for your docs host)")
            lines.append(f"  docs: {target}{default}")
            lines += [f"  docs: {more}" for more in rel.docs_targets[1:]]
    return lines


def rollback(root: Path, config: Config, ui: Ui, discard_journal: bool = False) -> list[str]:
    """``fab rollback``: undo the local part of the last unfinished or unpushed release."""
    with lock.held(state_dir(root), "rollback", root):
        return _rollback(root, config, ui, discard_journal)


def _rollback(root: Path, config: Config, ui: Ui, discard_journal: bool) -> list[str]:
    from release_tasks.publish.leftover import on_index

    journal = recovery.journal_to_undo(root, config.remote, discard_journal, ui)
    if journal is None:
        return []
    remote = config.remote
    if recovery.tag_is_ours(root, journal) and git.remote_url(root, remote) and \
            git.remote_has_tag(root, remote, journal.tag):
        raise ReleaseError(f"tag {journal.tag} is already on {remote}",
                           "a pushed release cannot be rolled back; release a new version")
    undone = recovery.undo_local(root, journal, built_files(root, journal))
    undone += on_index(config, journal)
    journal.remove()
    for line in undone:
        ui.info(f"  {line}")
    ui.final(f"Rolled back the release of {journal.version}." if undone
             else f"Nothing to roll back for {journal.version}.")
    return undone


def member_summary(rel: Release) -> list[str]:
    """Where one package's dists and docs went, for the summary of a monorepo's run."""
    lines = []
    uploaded, shipped = rel.results.get(Uploaded), rel.results.get(Shipped)
    if uploaded is not None and (uploaded.files or uploaded.skipped):
        lines.append(f"uploaded  {', '.join(uploaded.files + uploaded.skipped)} → "
                     f"{rel.repo.display}")
    if shipped is not None:
        lines.append(f"docs      {shipped.location}")
    return lines


def summary(rel: Release, elapsed: float) -> None:
    ui = rel.ui
    ui.info("")
    uploaded, shipped = rel.results.get(Uploaded), rel.results.get(Shipped)
    if uploaded is not None and (uploaded.files or uploaded.skipped):
        files = ", ".join(dict.fromkeys(uploaded.files + uploaded.skipped))
        also = [where for where, _, _ in uploaded.each[1:]]
        ui.info(f"  uploaded  {files} → {rel.repo.display}"
                + (f" (and {', '.join(also)})" if also else ""))
        install = rel.repo.pip_install(rel.name, rel.version)
        if install:
            ui.info(f"  install   {install}")
        elif rel.repo.kind == "scp":
            ui.info("  install   serve that folder to pip with --find-links, or set index_url")
    if shipped is not None:
        for line in shipped.location.splitlines():  # one line for each target
            ui.info(f"  docs      {line}")
    for w in ui.kept_warnings:
        ui.warn(w)
    timings = " · ".join(f"{k} {v:.1f}s" for k, v in ui.timings.items())
    if timings:
        ui.info(f"  timings   {timings}")
    pushed = rel.push
    ui.final(f"Released {rel.name} {rel.version} (tag {rel.tag}) in {elapsed:.1f}s."
             + ("" if pushed else f" Now push it: {rel.push_command()}"))


