"""The pre-flight: every check before any change, side by side, and what they found."""

from __future__ import annotations

import threading
from collections.abc import Callable

from release_tasks.core import processes
from release_tasks.core.engine import Step
from release_tasks.core.errors import PreflightFailed
from release_tasks.core.release import Release, Report
from release_tasks.core.ui import Ui


def preflight(rel: Release, steps: list[Step], report: Report | None = None,
              begun: frozenset[str] = frozenset(),
              more: Callable[[Release, Report], None] | None = None) -> Report:
    """Every step's check, but for those whose :meth:`Step.begin` did it already, and
    ``more`` (checks of the release as a whole).

    They run side by side, as they mostly wait on git, on an index, on the versioning
    server; each reports into a report of its own, and those are added up in step order:
    the findings, and their order, are those of the checks run one after another.
    """
    report = report or Report()
    checks: list[Callable[[Release, Report], None]] = [
        s.check for s in steps if s.name not in begun]
    if more is not None:
        checks.append(more)
    parts = [Report() for _ in checks]
    done = [threading.Event() for _ in checks]

    def run(check: Callable[[Release, Report], None], part: Report,
            ended: threading.Event) -> None:
        try:
            part.guard(check, rel, part)  # one bad fact (the name) is listed, not fatal
        except BaseException as e:  # not a release's problem: raised here, in its place
            part.raised = e
        finally:
            ended.set()

    for check, part, ended in zip(checks[1:], parts[1:], done[1:], strict=True):
        processes.thread(run, check, part, ended, name="check")
    if checks:
        run(checks[0], parts[0], done[0])
    for ended in done:
        ended.wait()
    for part in parts:
        if part.raised is not None:
            raise part.raised
        report.add(part)
    return report


def report_findings(ui: Ui, report: Report) -> None:
    for w in report.warnings:
        ui.warn(w)


def raise_if_problems(report: Report) -> None:
    report.settle()
    if report.errors:
        raise PreflightFailed(report.errors)
