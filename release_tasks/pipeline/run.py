"""The whole release, its pre-flight check, resume and rollback, and single steps alone.

These are plain functions of a repository root, a config and a UI; ``tasks.py`` only
turns command-line flags into calls to them.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from release_tasks.core import lock, recovery
from release_tasks.core.config import Config
from release_tasks.core.engine import (
    Step,
    active_steps,
    confirm,
    execute,
    preflight,
    print_plan,
    raise_if_problems,
    report_findings,
)
from release_tasks.core.errors import NothingToResume, ReleaseError
from release_tasks.core.journal import Journal, notes_path, state_dir
from release_tasks.core.release import Options, Release, Report
from release_tasks.core.ui import Ui
from release_tasks.pipeline.assembly import assemble, built_files
from release_tasks.steps import (
    STEPS,
    check_git_setup,
    check_repository,
    release_steps,
    slack_warning,
)
from release_tasks.vcs import git


def _plan_release(rel: Release, report: Report) -> tuple[list[Step], list[tuple[Step, str]]]:
    """Work out the versions and run every check; nothing changes."""
    for s in release_steps():
        s.begin(rel, report)
    check_repository(rel, report)
    scheme = report.guard(lambda: rel.scheme)
    if scheme is not None:
        rel.current = scheme.current
        new = report.guard(scheme.next_version, _part(rel, scheme), rel.options.new_version)
        if new is not None:
            rel.version = new
    report.guard(lambda: rel.name)
    steps, skipped = active_steps(rel, release_steps())
    if rel.has_version:
        preflight(rel, steps, report)
        slack_warning(rel, report)
        report.guard(check_git_setup, rel, report)
    report.settle()
    return steps, skipped


def _part(rel: Release, scheme: object) -> str | None:
    """The part to bump: ``--part``, else the ``part`` key; ``auto`` asks the commits."""
    part = rel.options.part or rel.config.part
    if part != "auto" or rel.options.new_version:
        return part
    from release_tasks.changelog.commits import choose_part

    part, rel.part_reason = choose_part(rel.root, scheme)
    return part


def _header(rel: Release) -> str:
    scheme = rel.known("scheme")
    source = f" (version from {scheme.description})" if scheme else ""
    if rel.part_reason:
        source += f" · {rel.part_reason}"
    if rel.has_version:
        return f"Release {rel.name} {rel.current} → {rel.version}{source}"
    return f"Release of {rel.known('name') or 'this package'}{source}"


def _unfinished(root: Path) -> Journal | None:
    journal = Journal.load(root)
    return journal if journal is not None and not journal.finished else None


def release(root: Path, config: Config, ui: Ui, options: Options) -> Release:
    """``fab release``: check everything, show the plan, run it, print a summary."""
    if options.dry_run:
        return _release(root, config, ui, options)
    with lock.held(state_dir(root), "release"):
        previous = Journal.load(root)
        if previous is not None:
            recovery.sweep(previous)  # what a killed release left in the temp dir
        if options.resume:
            return resume(root, config, ui, options)
        return _release(root, config, ui, options)


def _kept_notes(root: Path, rel: Release, options: Options) -> Options:
    """Notes typed for this version in a release that failed later are used again."""
    if options.notes is not None or options.notes_file or not rel.has_version:
        return options
    kept = notes_path(root, rel.version)
    if not kept.is_file():
        return options
    rel.ui.info(f"Using the notes you wrote for {rel.version} last time ({kept}); delete "
                "that file to write them afresh")
    return dataclasses.replace(options, notes_file=str(kept))


def _release(root: Path, config: Config, ui: Ui, options: Options) -> Release:
    started = time.monotonic()
    rel = assemble(root, config, ui, options)
    try:
        return _run_release(rel, started)
    finally:
        rel.cleanup()  # what the checks started, if the release stopped before its steps


def _run_release(rel: Release, started: float) -> Release:
    root, ui, options = rel.root, rel.ui, rel.options
    rel.fresh = True
    rel.will_run = not options.dry_run
    report = Report()
    pending = _unfinished(root)
    if pending is not None:
        report.error(f"a release of {pending.version} is unfinished ({pending.failed or 'stopped'}"
                     "): `fab release --resume` continues it, `fab rollback` undoes it")
    steps, skipped = _plan_release(rel, report)
    rel.options = _kept_notes(root, rel, options)
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
    ui.heading(_header(rel))
    report_findings(ui, report)
    if (ui.interactive and not options.yes) or ui.verbose:
        print_plan(rel, steps, skipped)
    confirm(rel, f"Release {rel.name} {rel.current} → {rel.version}?")
    journal = Journal(path=Journal.location(root), version=rel.version, current=rel.current or "",
                      tag=rel.tag, start_head=git.head(root), branch=git.branch(root),
                      skip=sorted(options.skip), push=options.push, name=rel.name,
                      tag_preexisted=git.tag_exists(root, rel.tag))
    journal.save()
    rel.journal = journal
    for s in steps:
        s.prepare(rel)
    for s, why in skipped:
        if s.name not in ("dev_bump", "push"):
            ui.skipped(s.name, why)
    return _finish(rel, steps, journal, started)


def resume(root: Path, config: Config, ui: Ui, options: Options) -> Release:
    """``fab release --resume``: continue a release that failed at or after the upload."""
    started = time.monotonic()
    journal = _unfinished(root)
    if journal is None:
        raise NothingToResume("there is no unfinished release to resume")
    if not journal.irreversible_done:
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
    rel.current = journal.current
    rel.journal = journal
    rel.tag_created = journal.tag_created
    if not git.tag_exists(root, journal.tag):
        raise ReleaseError(f"tag {journal.tag} of the unfinished release is gone",
                           "`fab rollback`, then release again")
    if journal.release_head and git.head(root) != journal.release_head:
        raise ReleaseError(
            f"HEAD moved since the release of {journal.version} stopped",
            f"check out {journal.release_head[:10]} (or `fab rollback`) before --resume")
    built = journal.built_files()
    rel.dists = built or []
    if journal.docs_html and Path(journal.docs_html).is_dir():
        rel.docs_html = Path(journal.docs_html)
    rel.docs_location = journal.docs_location
    steps, _ = active_steps(rel, release_steps())
    todo = [s for s in steps if s.name not in journal.done]
    # Built files that went missing or changed since are built again from the tag: what
    # is uploaded is always what this release built, never whatever dist/ holds now.
    if "build" in journal.done and built is None and any(
            s.name == "upload" for s in todo):
        ui.info("The built files changed or went missing since the release stopped; "
                "building them again from the tag")
        todo.insert(0, STEPS["build"])
    if "build_docs" in journal.done and rel.docs_html is None and any(
            s.name == "ship_docs" for s in todo):
        todo.insert(0, STEPS["build_docs"])
    report = Report()
    preflight(rel, todo, report)
    raise_if_problems(report)
    ui.heading(f"Resuming the release of {rel.name} {rel.version} "
               f"(done: {', '.join(journal.done) or 'nothing'})")
    report_findings(ui, report)
    journal.failed = None
    journal.save()
    return _finish(rel, todo, journal, started)


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
    rel.fresh = True
    report = Report()
    _, skipped = _plan_release(rel, report)
    ui.heading(_header(rel))
    for s, why in skipped:
        if s.name not in ("dev_bump", "push"):
            ui.info(f"  {s.name}: skipped ({why})")
    report_findings(ui, report)
    raise_if_problems(report)
    ui.final(f"All checks passed: {rel.name} {rel.current} → {rel.version} is ready to release.")
    return report


def rollback(root: Path, config: Config, ui: Ui) -> list[str]:
    """``fab rollback``: undo the local part of the last unfinished or unpushed release."""
    with lock.held(state_dir(root), "rollback"):
        return _rollback(root, config, ui)


def _rollback(root: Path, config: Config, ui: Ui) -> list[str]:
    journal = Journal.load(root)
    if journal is None:
        raise NothingToResume("there is no release to roll back",
                              "nothing to do: no release has been recorded here")
    remote = config.remote
    if git.tag_exists(root, journal.tag) and git.remote_url(root, remote) and \
            git.remote_has_tag(root, remote, journal.tag):
        raise ReleaseError(f"tag {journal.tag} is already on {remote}",
                           "a pushed release cannot be rolled back; release a new version")
    undone = recovery.undo_local(root, journal, built_files(root, journal))
    if journal.uploaded:
        undone.append(f"left on the index (indexes never delete): {', '.join(journal.uploaded)}")
    journal.remove()
    for line in undone:
        ui.info(f"  {line}")
    ui.final(f"Rolled back the release of {journal.version}." if undone
             else f"Nothing to roll back for {journal.version}.")
    return undone


def single(root: Path, config: Config, ui: Ui, name: str, options: Options | None = None,
           version: str | None = None, next_version: bool = False) -> Release:
    """Run one step on its own (``fab bump``, ``fab upload``...).

    ``next_version`` steps (edit_history, bump) work on the version a release would create;
    the others on the current one (or ``version`` when given).
    """
    options = options or Options()
    if options.dry_run:
        return _single(root, config, ui, name, options, version, next_version)
    with lock.held(state_dir(root), name):
        return _single(root, config, ui, name, options, version, next_version)


def _single(root: Path, config: Config, ui: Ui, name: str, options: Options,
            version: str | None, next_version: bool) -> Release:
    rel = assemble(root, config, ui, options)
    rel.will_run = not options.dry_run
    step = STEPS[name]
    report = Report()
    if name in ("edit_history", "bump", "tag"):
        check_repository(rel, report)
    if version is not None:
        rel.version = version
    else:
        scheme = report.guard(lambda: rel.scheme)
        if scheme is not None:
            rel.current = scheme.current
            if next_version:
                new = report.guard(scheme.next_version, _part(rel, scheme), options.new_version)
                if new is not None:
                    rel.version = new
            else:
                rel.version = scheme.current
    if rel.current is None and rel.has_version:
        rel.current = rel.version
    report.guard(lambda: rel.name)
    reason = step.skip_reason(rel) if rel.has_version else None
    if reason is not None:
        ui.skipped(name, reason)
        error = step.skipped_alone(rel, reason)
        if error is None:
            return rel
        if options.dry_run and not report.errors:
            ui.info(step.preview(rel) or "")  # what would have been sent
        raise error
    if rel.has_version:
        step.check_alone(rel, report)
    try:
        return _run_single(rel, step, report)
    finally:
        rel.cleanup()


def _run_single(rel: Release, step: Step, report: Report) -> Release:
    ui, options, name = rel.ui, rel.options, step.name
    if options.dry_run:
        if rel.has_version:
            ui.info(f"{name}: {step.describe(rel)}")
            preview = step.preview(rel) if not report.errors else None
            if preview:
                ui.info(preview)
        raise_if_problems(report)
        ui.final("Dry run: nothing was changed.")
        return rel
    raise_if_problems(report)
    if step.warn_only:
        # Inside a release such a failure is a warning; asked for by name it is the task's
        # failure, with nothing to roll back: its error goes out as it is, hint and all.
        with ui.step(name, step.describe(rel)) as handle:
            step.run(rel, handle)
        return rel
    execute(rel, [step], single=True)
    return rel


def summary(rel: Release, elapsed: float) -> None:
    ui = rel.ui
    ui.info("")
    if rel.uploaded or rel.skipped_uploads:
        files = ", ".join(rel.uploaded + rel.skipped_uploads)
        ui.info(f"  uploaded  {files} → {rel.repo.display}")
        install = rel.repo.pip_install(rel.name, rel.version)
        if install:
            ui.info(f"  install   {install}")
        elif rel.repo.kind == "scp":
            ui.info("  install   serve that folder to pip with --find-links, or set index_url")
    if rel.docs_location:
        ui.info(f"  docs      {rel.docs_location}")
    for w in rel.warnings:
        ui.warn(w)
    timings = " · ".join(f"{k} {v:.1f}s" for k, v in ui.timings.items())
    if timings:
        ui.info(f"  timings   {timings}")
    pushed = rel.push
    ui.final(f"Released {rel.name} {rel.version} (tag {rel.tag}) in {elapsed:.1f}s."
             + ("" if pushed else f" Now push it: {rel.push_command()}"))


