"""The engine orders and runs steps from what they declare they need and provide."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from release_tasks.core.config import Config
from release_tasks.core.engine import Step, execute, print_plan, stages
from release_tasks.core.errors import ReleaseError
from release_tasks.core.ordering import DeclarationError
from release_tasks.core.release import Options, Release
from release_tasks.core.ui import Ui
from release_tasks.steps import release_steps


@dataclass(frozen=True)
class Wheel:
    path: str


@dataclass(frozen=True)
class Pages:
    count: int


class Logged(Step):
    """A step that appends its name, and what it read, to ``log.txt`` in the repo."""

    fails = False

    def __init__(self, name: str, **declared: Any) -> None:
        self.name = name
        for key, value in declared.items():
            setattr(self, key, value)

    def run(self, rel: Release, step: Any) -> object | None:
        got = [self.need(rel, kind) for kind in self.needs]
        with (rel.root / "log.txt").open("a") as log:
            log.write(f"{self.name} {got}\n")
        if self.fails:
            raise ReleaseError(f"{self.name} broke")
        return self.result() if self.provides else None

    def result(self) -> object:
        kind = self.provides[0]
        return kind("dist/a.whl") if kind is Wheel else kind(3)


def release(tmp_path: Path) -> tuple[Release, io.StringIO]:
    out = io.StringIO()
    rel = Release(tmp_path, Config(), Ui(stream=out, interactive=False), Options(),
                  version="1.0.0")
    return rel, out


def log(tmp_path: Path) -> list[str]:
    return (tmp_path / "log.txt").read_text().splitlines()


def names(steps: list[Step]) -> list[list[str]]:
    return [[s.name for s in stage] for stage in stages(steps)]


def test_a_step_runs_after_the_provider_of_what_it_needs_whatever_the_listing(tmp_path):
    rel, _ = release(tmp_path)
    docs = Logged("docs", needs=(Wheel,))
    build = Logged("build", provides=(Wheel,))

    execute(rel, [docs, build])

    assert log(tmp_path) == ["build []", "docs [Wheel(path='dist/a.whl')]"]


def test_the_release_runs_build_beside_docs_and_upload_beside_ship_docs():
    assert names(release_steps()) == [
        ["edit_history"], ["bump"], ["tag"], ["build", "build_docs"],
        ["upload", "ship_docs"], ["notify_slack"], ["dev_bump"], ["push"]]


def test_a_concurrent_step_waits_inside_its_run_for_what_its_neighbour_provides(tmp_path):
    rel, out = release(tmp_path)
    steps = [Logged("build", provides=(Wheel,), concurrent=True),
             Logged("docs", needs=(Wheel,), provides=(Pages,), concurrent=True),
             Logged("ship", needs=(Pages,), irreversible=True)]

    print_plan(rel, steps, [])
    execute(rel, steps)

    assert names(steps) == [["build", "docs"], ["ship"]]
    assert "in parallel" in out.getvalue()
    assert sorted(log(tmp_path)) == ["build []", "docs [Wheel(path='dist/a.whl')]",
                                     "ship [Pages(count=3)]"]
    assert log(tmp_path)[-1] == "ship [Pages(count=3)]"


def test_a_local_step_never_runs_beside_an_irreversible_one():
    steps = [Logged("build", provides=(Wheel,), concurrent=True),
             Logged("upload", needs=(Wheel,), irreversible=True, concurrent=True),
             Logged("ship", irreversible=True, concurrent=True)]

    assert names(steps) == [["build"], ["upload", "ship"]]


def test_a_step_whose_needed_result_failed_to_come_is_not_run(tmp_path):
    rel, out = release(tmp_path)
    steps = [Logged("build", provides=(Wheel,), warn_only=True, fails=True),
             Logged("docs", needs=(Wheel,), provides=(Pages,)),
             Logged("ship", needs=(Pages,)),
             Logged("notify")]

    execute(rel, steps)

    assert log(tmp_path) == ["build []", "notify []"]
    assert "docs          skipped: no Wheel: the step providing it failed" in out.getvalue()
    assert "ship          skipped: no Pages: the step providing it failed" in out.getvalue()


def test_a_step_whose_provider_is_absent_runs_without_the_result(tmp_path):
    rel, _ = release(tmp_path)

    execute(rel, [Logged("docs", needs=(Wheel,))])

    assert log(tmp_path) == ["docs [None]"]


def test_needs_that_form_a_cycle_are_a_programming_error():
    steps = [Logged("a", needs=(Pages,), provides=(Wheel,)),
             Logged("b", needs=(Wheel,), provides=(Pages,))]

    with pytest.raises(DeclarationError, match="the needs of a, b form a cycle"):
        stages(steps)


def test_an_irreversible_step_cannot_need_what_a_later_irreversible_one_provides():
    steps = [Logged("upload", needs=(Wheel,), irreversible=True),
             Logged("late_build", provides=(Wheel,), irreversible=True)]

    with pytest.raises(DeclarationError, match="cycle"):
        stages(steps)


def test_two_providers_of_one_result_are_a_programming_error():
    with pytest.raises(DeclarationError, match="Wheel is provided by both a and b"):
        stages([Logged("a", provides=(Wheel,)), Logged("b", provides=(Wheel,))])


def test_asking_for_an_undeclared_result_is_a_programming_error(tmp_path):
    rel, _ = release(tmp_path)
    step = Logged("docs")

    with pytest.raises(DeclarationError, match="docs asks for Wheel but does not declare"):
        step.need(rel, Wheel)


class Checked(Step):
    """A step whose check runs ``check_with(rel, report)``."""

    def __init__(self, name: str, check_with: Any) -> None:
        self.name = name
        self.check_with = check_with

    def check(self, rel: Release, report: Any) -> None:
        self.check_with(rel, report)


def test_the_checks_run_side_by_side_and_report_in_step_order(tmp_path):
    """Each check waits until the other has started: one after the other, the first
    would wait in vain and report so. Their findings come in step order, not in the
    order they ended."""
    import threading

    from release_tasks.core.checks import preflight

    started = {"a": threading.Event(), "b": threading.Event()}

    def waits_for(me: str, other: str, finding: str):
        def check(rel, report):
            started[me].set()
            if not started[other].wait(30):
                report.error(f"{me}: {other} never started beside me")
            report.warn(finding)
        return check

    rel, _ = release(tmp_path)
    steps = [Checked("a", waits_for("a", "b", "a's warning")),
             Checked("b", waits_for("b", "a", "b's warning"))]

    report = preflight(rel, steps, more=lambda rel, report: report.error("whole: one"))

    assert report.errors == ["whole: one"]
    assert report.warnings == ["a's warning", "b's warning"]


def test_a_check_that_breaks_unexpectedly_is_raised_after_the_others_ended(tmp_path):
    import threading

    from release_tasks.core.checks import preflight

    other_ended = threading.Event()

    def breaks(rel, report):
        raise RuntimeError("not a release problem")

    def slow(rel, report):
        report.error("slow: found")
        other_ended.set()

    rel, _ = release(tmp_path)
    with pytest.raises(RuntimeError, match="not a release problem"):
        preflight(rel, [Checked("breaks", breaks), Checked("slow", slow)])
    assert other_ended.is_set()


def test_a_fact_two_checks_ask_for_at_once_is_worked_out_once(tmp_path):
    import threading

    from release_tasks.core.checks import preflight

    worked_out = []
    both = threading.Barrier(2, timeout=30)

    def resolve(rel):
        worked_out.append(threading.current_thread().name)
        return "acme"

    def asks(rel, report):
        both.wait()  # both ask at the same moment
        report.warn(rel.name)

    rel = Release(tmp_path, Config(), Ui(stream=io.StringIO(), interactive=False), Options(),
                  version="1.0.0", facts={"name": resolve})
    report = preflight(rel, [Checked("a", asks), Checked("b", asks)])

    assert report.warnings == ["acme"]
    assert len(worked_out) == 1
