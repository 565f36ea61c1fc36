"""A step on its own: ``fab bump``, ``fab upload``, ``fab notify_slack 1.2.3``...

The step checks itself as it would run alone (what earlier steps would have provided, it
finds or asks for), then runs with the engine: no journal, and only its own partial work
undone if it fails.
"""

from __future__ import annotations

from pathlib import Path

from release_tasks.core import lock
from release_tasks.core.checks import raise_if_problems
from release_tasks.core.config import Config
from release_tasks.core.engine import Step, execute
from release_tasks.core.journal import state_dir
from release_tasks.core.release import Options, Release, Report
from release_tasks.core.ui import Ui
from release_tasks.pipeline.assembly import assemble, choose_part
from release_tasks.steps import STEPS, check_repository


def single(root: Path, config: Config, ui: Ui, name: str, options: Options | None = None,
           version: str | None = None, next_version: bool = False) -> Release:
    """Run one step on its own (``fab bump``, ``fab upload``...).

    ``next_version`` steps (edit_history, bump) work on the version a release would create;
    the others on the current one (or ``version`` when given).
    """
    options = options or Options()
    if options.dry_run:
        return _single(root, config, ui, name, options, version, next_version)
    with lock.held(state_dir(root), name, root):
        return _single(root, config, ui, name, options, version, next_version)


def _single(root: Path, config: Config, ui: Ui, name: str, options: Options,
            version: str | None, next_version: bool) -> Release:
    rel = assemble(root, config, ui, options)
    step = STEPS[name]
    report = Report()
    if step.edits_repository:
        check_repository(rel, report)
    if version is not None:
        rel.replan(version=version)
    else:
        scheme = report.guard(lambda: rel.scheme)
        if scheme is not None:
            rel.replan(current=scheme.current)
            if next_version:
                new = report.guard(scheme.next_version, choose_part(rel, scheme),
                                   options.new_version)
                if new is not None:
                    rel.replan(version=new)
            else:
                rel.replan(version=scheme.current)
    if rel.current is None and rel.has_version:
        rel.replan(current=rel.version)
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
