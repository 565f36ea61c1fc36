"""A release is a plan of steps: check them all, then run them, undoing on failure.

Each step can describe itself (the dry-run), check itself (pre-flight, before anything
changes), run, and, when it is local, undo. Irreversible steps (upload, docs shipping,
notification, push) come last. The order and which steps run in parallel follow from what
each step needs and provides (``core.ordering``).

Failure handling follows from where the failure happens:

- before the first irreversible step: everything done so far is undone (commits removed
  with ``git reset --keep``, never ``--hard``; the tag deleted; the history file restored);
- at or after the upload: commits and tag stay, the journal records the failed step, and
  ``fab release --resume`` continues from it;
- the notification failing is a warning: the release itself has happened.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, TypeVar

from release_tasks.core import interrupt, ordering, processes, recovery, redact
from release_tasks.core.errors import Aborted, ReleaseError
from release_tasks.core.journal import Journal, keep_notes
from release_tasks.core.prepared import Prepared
from release_tasks.core.results import HistoryEdit

from .release import Release, Report

T = TypeVar("T")


class Step:
    """One step of a release. Subclasses override what applies to them.

    What the engine and the pipeline need to know of a step is said here, on the class:
    whether it is irreversible, which results (``core.results``) it needs from earlier steps
    and provides to later ones, whether it may run beside its neighbours; the engine orders
    the steps from that alone (``core.ordering``).
    """

    name = "step"
    irreversible = False  # it leaves this machine: after it, a failure keeps, not undoes
    # Safe to run beside neighbouring concurrent steps (local beside local, irreversible
    # beside irreversible); what it needs from them, it waits for inside run() (need()).
    concurrent = False
    warn_only = False  # a failure is a warning, not a failed release
    needs: tuple[type, ...] = ()  # results of other steps it reads (waited for if running)
    provides: tuple[type, ...] = ()  # the result its run() returns
    edits_repository = False  # it commits or tags: the repository checks apply, even alone
    skip_is_news = True  # its skip is worth a line (not for steps that are off by default)

    def skip_reason(self, rel: Release) -> str | None:
        """Why this step does not apply to this release (None: it runs)."""
        return None

    def describe(self, rel: Release) -> str:
        return ""

    def check(self, rel: Release, report: Report) -> None:
        """Add problems to ``report``; must not change or start anything."""

    def begin(self, rel: Release, report: Report) -> bool:
        """Start, as the release starts, checks that need no version (the docs' probe,
        say): they run beside the version's own work. Changes nothing, like check(); what
        it starts, :meth:`Report.settle` finishes. True: that was the whole check."""
        return False

    # True: what prepare() makes is worth starting before the checks, in a run that will
    # carry out its steps (never a dry run or `fab check`): check() may then use it
    # (``rel.peek_prepared``), as the docs' probe uses the docs builder's Python.
    early = False

    def prepare(self, rel: Release) -> Prepared | None:
        """What to start early, once the release is confirmed (or, for an ``early`` step,
        as a run that will carry out its steps begins): the engine starts it, :meth:`run`
        takes it (``rel.take_prepared``), the engine closes it if it is not taken."""
        return None

    def need(self, rel: Release, kind: type[T]) -> T | None:
        """A result this step declared it needs; a provider running beside is waited for."""
        if kind not in self.needs:
            raise ordering.DeclarationError(
                f"{self.name} asks for {kind.__name__} but does not declare it in needs")
        return rel.results.wait(kind)

    def run(self, rel: Release, step: Any) -> object | None:
        """Do it; returns the result it ``provides`` (None when it provides none)."""
        raise NotImplementedError

    def undo(self, rel: Release) -> str | None:
        """Undo this step's local effect; returns what was undone, for the message."""
        return None

    # --- run on its own (``fab upload``...) -------------------------------------------------

    def check_alone(self, rel: Release, report: Report) -> None:
        """Pre-flight when the step runs alone: what earlier steps would have provided."""
        self.check(rel, report)

    def skipped_alone(self, rel: Release, reason: str) -> ReleaseError | None:
        """Asked for by name but not applicable: quietly skipped (None), or this error."""
        return None

    def preview(self, rel: Release) -> str | None:
        """Extra dry-run output beyond :meth:`describe` (say, the exact message)."""
        return None


def active_steps(rel: Release, steps: list[Step]) -> tuple[list[Step], list[tuple[Step, str]]]:
    run, skipped = [], []
    for s in steps:
        reason = s.skip_reason(rel)
        if reason is None:
            run.append(s)
        else:
            skipped.append((s, reason))
    return run, skipped


def start_prepared(rel: Release, steps: list[Step], early: bool = False) -> None:
    """Start what the steps asked to have made early: once the release is confirmed, or
    (``early``) for the ``early`` steps that apply, as a run that will carry them out
    begins. A step's work is started once."""
    for s in steps:
        if rel.has_prepared(s.name) or (early and not s.early):
            continue
        try:
            if early and s.skip_reason(rel) is not None:
                continue
            prepared = s.prepare(rel)
        except ReleaseError:
            continue  # what it needs cannot be known yet: the checks will say why
        if prepared is not None:
            rel.own_prepared(prepared.start())


def stages(steps: list[Step]) -> list[list[Step]]:
    """The steps as they will run, from their declarations (``core.ordering``)."""
    return ordering.stages(steps)


def print_plan(rel: Release, steps: list[Step], skipped: list[tuple[Step, str]]) -> None:
    ui = rel.ui
    n = 0
    for stage in stages(steps):
        for s in stage:
            n += 1
            mark = "  ┐ in parallel" if len(stage) > 1 and s is stage[0] else (
                "  ┘" if len(stage) > 1 and s is stage[-1] else "")
            try:
                what = s.describe(rel)
            except ReleaseError as e:  # reported by the checks; the plan still shows
                what = f"(cannot tell: {e.message})"
            ui.info(f"  {n}. {s.name:<13} {what}{mark}")
    for s, why in skipped:
        ui.info(f"     {s.name:<13} skipped: {why}")


def execute(rel: Release, steps: list[Step], journal: Journal | None = None,
            single: bool = False) -> None:
    """Run ``steps`` (already checked) in order, with rollback or resume on failure.

    ``single`` marks a task run on its own: no journal, and no rollback of earlier steps
    (there are none), only of the failing step's own partial work.
    """
    done: list[Step] = []
    rel.results.expect(kind for s in steps for kind in s.provides)
    irreversible_done = bool(journal and any(
        s.irreversible and s.name in journal.done for s in steps))
    failed_kinds: set[type] = set()  # provided by a step that failed (as a warning)
    with interrupt.interruptible() as register:
        for stage in stages(steps):
            stage, blocked = ordering.runnable(stage, failed_kinds, rel.results.get)
            for s, kind in blocked:
                rel.results.ended(s.provides)
                rel.ui.skipped(s.name, f"no {kind.__name__}: the step providing it failed")
            if not stage:
                continue
            running: list[Step] = []
            try:
                if journal is not None:
                    journal.mark_started([s.name for s in stage])
                failures, running = _run_stage(rel, stage, register)
                for s in stage:
                    if all(s is not f for f, _ in failures):
                        done.append(s)
                        if journal is not None:
                            journal.mark_done(s.name)
            except KeyboardInterrupt as stop:  # between two steps' bookkeeping
                failures = [(s, stop) for s in stage if s not in done] or [(stage[-1], stop)]
            if not failures:
                if any(s.irreversible for s in stage):
                    irreversible_done = True
                continue
            failed, error = failures[0]
            if failed.warn_only and not isinstance(error, KeyboardInterrupt):
                failed_kinds.update(failed.provides)
                message = redact.redact(str(error))
                rel.ui.keep_warning(f"{failed.name} failed: {message}")
                rel.ui.warn(f"{failed.name} failed: {message} (the release itself is done)")
                if journal is not None:
                    journal.mark_done(failed.name)
                continue
            if any(s.irreversible for s, _ in failures) or irreversible_done:
                irreversible_done = True
            with interrupt.held_back():
                error_out = _fail(rel, failed, error, done, journal, irreversible_done, single,
                                  running)
            raise error_out from None


# How long, after an interrupt, the steps' threads may take to end before the rollback.
STEP_STOP_WAIT = 10.0


def _run_stage(rel: Release, stage: list[Step], register: processes.Register,
               ) -> tuple[list[tuple[Step, BaseException]], list[Step]]:
    """Run one stage; its steps in parallel threads when there are several. Returns the
    failures, and the steps whose threads were still running when given up on.

    The threads are daemons and are waited for in short slices, so a Ctrl-C is acted on at
    once, and a step stuck on the network cannot hold the process after it is abandoned.
    """

    def run_one(s: Step) -> None:
        try:
            with rel.ui.step(s.name, s.describe(rel)) as handle:
                result = s.run(rel, handle)
            if result is not None:
                rel.results.provide(result)
                if rel.journal is not None:
                    rel.journal.record(result)
        finally:
            rel.results.ended(s.provides)  # steps waiting for its result stop waiting

    if len(stage) == 1:
        try:
            run_one(stage[0])
        except BaseException as e:
            return [(stage[0], e)], []
        return [], []
    errors: dict[str, BaseException] = {}
    # Completion is told by events, not Thread.is_alive(): on Python 3.11 a join() cut
    # short by Ctrl-C can mark a thread that is still running as stopped (bpo-45274).
    ended = {s.name: threading.Event() for s in stage}

    def target(s: Step) -> None:
        try:
            run_one(s)
        except BaseException as e:
            errors[s.name] = e
        finally:
            ended[s.name].set()

    for s in stage:
        processes.thread(target, s, name=f"step-{s.name}")
    try:
        for event in ended.values():
            while not event.wait(0.1):
                pass
    except KeyboardInterrupt as stop:
        _wait_for_steps(list(ended.values()), register)
        running = [s for s in stage if not ended[s.name].is_set()]
        return [(s, stop) for s in stage if s in running or s.name in errors], running
    return [(s, errors[s.name]) for s in stage if s.name in errors], []


def _wait_for_steps(ended: list[threading.Event], register: processes.Register) -> None:
    """After an interrupt, let the steps' threads end (their processes are being stopped)
    before anything is undone under them; at most :data:`STEP_STOP_WAIT` seconds.

    What a thread starts meanwhile is stopped in turn. Another Ctrl-C does not cut the
    wait short (see :func:`interrupt.interruptible`): it kills what is left at once.
    """
    deadline = time.monotonic() + STEP_STOP_WAIT
    for event in ended:
        while not event.wait(0.1) and time.monotonic() < deadline:
            register.stop()


def _describe_error(error: BaseException) -> tuple[str, str]:
    """The failure's one-line message and its own hint."""
    if isinstance(error, interrupt.Terminated):
        return "terminated (SIGTERM)", ""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted (Ctrl-C)", ""
    if isinstance(error, ReleaseError):
        return error.message, error.hint
    return f"{type(error).__name__}: {error}", ""


def _exit_code(error: BaseException) -> int:
    """As a shell reports a process ended by the signal: 128 + its number."""
    if isinstance(error, interrupt.Terminated):
        return 143
    return 130 if isinstance(error, KeyboardInterrupt) else 1


def _fail(rel: Release, failed: Step, error: BaseException, done: list[Step],
          journal: Journal | None, keep: bool, single: bool,
          running: list[Step] | None = None) -> ReleaseError:
    """Roll back or keep state after ``failed`` raised ``error``; returns the error to raise.

    ``running``: steps whose threads had not ended: their work is not undone under them;
    the journal keeps it for ``fab rollback``.
    """
    message, hint = (redact.redact(x) for x in _describe_error(error))
    code = _exit_code(error)
    fix = f"{hint}; then " if hint else ("" if code != 1 else "fix it, then ")
    if keep:
        if journal is not None:
            journal.failed = failed.name
            journal.save()
        kept = ReleaseError(
            f"{failed.name} failed: {message}",
            f"the commits and tag {rel.tag} are kept; {fix}run `fab release --resume` "
            "(or `fab rollback` to undo the local part)")
        kept.exit_code = code
        return kept
    running = running or []
    undone = []
    for s in [failed, *reversed(done)]:
        if s in running:
            continue
        try:
            what = s.undo(rel)
        except ReleaseError as e:
            undone.append(f"could not undo {s.name}: {e}")
            continue
        if what:
            undone.append(what)
    kept_notes = still = ""
    retry = "run the task again" if single else "run `fab release` again"
    if running:
        names = " and ".join(s.name for s in running)
        still = (f"; {names} still ran {STEP_STOP_WAIT:g} s after the interrupt, so what it "
                 "made is left for `fab rollback`")
        retry = "run `fab rollback`, then " + retry.replace("run ", "", 1)
    if journal is not None and running:
        journal.failed = failed.name
        journal.save()
    elif journal is not None:
        # Whatever the steps' own undo missed (a commit or tag made as the interrupt came).
        try:
            undone += [u for u in recovery.undo_local(rel.root, journal, rel.own_dists())
                       if u not in undone]
        except ReleaseError as e:
            undone.append(f"could not undo the rest: {e}")
        else:
            journal.remove()
    edit = rel.results.get(HistoryEdit)
    if journal is not None and edit is not None and edit.notes_written:
        path = keep_notes(rel.root, rel.version, edit.notes_written)
        kept_notes = (f"; your notes are kept in {path} and the next `fab release` of "
                      f"{rel.version} uses them")
    rel.cleanup()
    summary = ", ".join(undone) if undone else "nothing had changed"
    err = ReleaseError(f"{failed.name} failed: {message}",
                       f"rolled back: {summary}{still}; your uncommitted work is untouched"
                       f"{kept_notes}; {fix}{retry}")
    err.exit_code = code
    return err


def confirm(rel: Release, question: str) -> None:
    """Ask once on a terminal; ``--yes`` or CI=true skip it; no terminal and no --yes stops."""
    if rel.options.yes or os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        return
    if not rel.ui.interactive:
        raise Aborted("no terminal to confirm the release on",
                      "pass --yes to release without confirmation")
    if not rel.ui.confirm(question):
        raise Aborted("release cancelled; nothing was changed", "")
