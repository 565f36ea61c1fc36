"""Dependency order: a member is released after every member it requires, so its pin can
name their new versions and its upload comes after theirs."""

from __future__ import annotations

from release_tasks.core.errors import ConfigError
from release_tasks.workspace.members import Member


def dependency_order(members: list[Member]) -> list[Member]:
    """``members`` with each after the members it requires; otherwise in the given order.
    A cycle is an error naming it."""
    by_key = {m.key: m for m in members}
    placed: list[Member] = []
    state: dict[str, str] = {}

    def visit(m: Member, path: list[str]) -> None:
        if state.get(m.key) == "done":
            return
        if state.get(m.key) == "visiting":
            cycle = [*path[path.index(m.name):], m.name]
            raise ConfigError("the packages require each other in a cycle: "
                              + " → ".join(cycle), "break the cycle; releases need an order")
        state[m.key] = "visiting"
        for pin in m.pins:
            if pin.name in by_key and pin.name != m.key:
                visit(by_key[pin.name], [*path, m.name])
        state[m.key] = "done"
        placed.append(m)

    for m in members:
        visit(m, [])
    return placed
