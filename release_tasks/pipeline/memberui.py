"""What one package of a monorepo's run shows: the UI of the run, with each of the
package's step lines naming the package (``✓ tag acme-core acme-core-v0.2.1``), so a run
of several packages reads clearly."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, cast

from release_tasks.core.ui import Step, Ui

# Steps that speak for the whole run, not for the package whose release carries them: the
# run's one message (pipeline.announce) goes with the last package's outward steps.
RUN_WIDE = frozenset({"notify_slack"})


class MemberUi:
    """The run's :class:`Ui` for one package: everything goes to it; step lines are named
    after the package. Steps bound to a package (pipeline.bound) already carry its name."""

    def __init__(self, ui: Ui, label: str) -> None:
        self._ui = ui
        self.label = label

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ui, name)

    def _named(self, name: str) -> str:
        if " " in name or name in RUN_WIDE:
            return name
        return f"{name} {self.label}"

    @contextlib.contextmanager
    def step(self, name: str, detail: str = "") -> Iterator[Step]:
        with self._ui.step(self._named(name), detail) as handle:
            yield handle

    def skipped(self, name: str, why: str) -> None:
        self._ui.skipped(self._named(name), why)


def for_member(ui: Ui, label: str) -> Ui:
    """``ui`` for the package ``label``, typed as the UI the steps take."""
    inner = ui._ui if isinstance(ui, MemberUi) else ui
    return cast(Ui, MemberUi(inner, label))
