"""The order steps run in, worked out from what they declare (like doit's ``file_dep``).

A step says which results it ``needs`` and which it ``provides``; the steps are given in
release order. From those alone:

- a step comes after the providers of what it needs (a provider that is not in the run,
  skipped or absent, holds nothing back: the step reads None, or what the journal kept);
- otherwise the release order stands, and irreversible steps keep their order among
  themselves: they are the ones a failure cannot take back;
- neighbouring steps that both say ``concurrent`` (safe to run beside another, waiting
  inside their run for what they need) and are alike in leaving this machine or not form
  one stage, run in parallel. So ``build`` ‖ ``build_docs`` (the docs wait for the wheel)
  and ``upload`` ‖ ``ship_docs``, and a local step never runs beside an irreversible one.

A cycle, two providers of one result, or a step asking for a result it did not declare
are mistakes in the steps' code, not in the user's project: :class:`DeclarationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar


class DeclarationError(Exception):
    """The steps' declarations contradict each other (a programming error)."""


class Declared(Protocol):
    """What ordering reads of a step (``core.engine.Step`` has it all)."""

    name: str
    irreversible: bool
    concurrent: bool
    needs: tuple[type, ...]
    provides: tuple[type, ...]


D = TypeVar("D", bound=Declared)


def providers(steps: Sequence[Declared]) -> dict[type, Declared]:
    """Each result type and the one step of ``steps`` that provides it."""
    out: dict[type, Declared] = {}
    for s in steps:
        for kind in s.provides:
            if kind in out:
                raise DeclarationError(f"{kind.__name__} is provided by both "
                                       f"{out[kind].name} and {s.name}")
            out[kind] = s
    return out


def order(steps: Sequence[D]) -> list[D]:
    """``steps`` sorted so that every provider runs before the steps needing it; among
    the steps free to run, the first in release order goes first."""
    by_kind = providers(steps)
    before: dict[int, set[int]] = {i: set() for i in range(len(steps))}
    index = {id(s): i for i, s in enumerate(steps)}
    last_irreversible: int | None = None
    for i, s in enumerate(steps):
        for kind in s.needs:
            provider = by_kind.get(kind)
            if provider is s:
                raise DeclarationError(f"{s.name} needs {kind.__name__}, which it provides")
            if provider is not None:
                before[i].add(index[id(provider)])
        if s.irreversible:
            if last_irreversible is not None:
                before[i].add(last_irreversible)
            last_irreversible = i
    placed: list[int] = []
    left = list(range(len(steps)))
    while left:
        ready = next((i for i in left if before[i] <= set(placed)), None)
        if ready is None:
            names = ", ".join(steps[i].name for i in left)
            raise DeclarationError(f"the needs of {names} form a cycle")
        placed.append(ready)
        left.remove(ready)
    return [steps[i] for i in placed]


def stages(steps: Sequence[D]) -> list[list[D]]:
    """The steps in order, grouped: the steps of one stage run in parallel."""
    out: list[list[D]] = []
    for s in order(steps):
        stage = out[-1] if out else None
        if stage and s.concurrent and all(
                t.concurrent and t.irreversible == s.irreversible for t in stage):
            stage.append(s)
        else:
            out.append([s])
    return out


def runnable(stage: Sequence[D], failed: set[type], get: Callable[[type], object],
             ) -> tuple[list[D], list[tuple[D, type]]]:
    """The steps of ``stage`` that can run, and those that cannot with the result they
    miss: what a step that failed (as a warning) was to provide, and nothing at hand in
    its place. Those steps' own results are then missing too (added to ``failed``)."""
    run: list[D] = []
    blocked: list[tuple[D, type]] = []
    for s in stage:
        kind = next((k for k in s.needs if k in failed and get(k) is None), None)
        if kind is None:
            run.append(s)
        else:
            failed.update(s.provides)
            blocked.append((s, kind))
    return run, blocked
