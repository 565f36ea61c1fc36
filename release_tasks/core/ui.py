"""What the user sees: one line per step with its time, a live status on a terminal.

On a terminal each running step shows a spinner and its elapsed time (several at once when
steps run in parallel); elsewhere, or with ``NO_COLOR``, output is plain text with one line
per finished step. ``verbose`` also shows the commands run; ``quiet`` shows only warnings,
errors and the final line. Everything printed goes through :func:`redact.redact`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, TextIO

from release_tasks.core import redact

OK, FAIL, SKIP, WARN = "✓", "✗", "–", "!"


class Step:
    """A running step: its name, a short detail that may change, and its start time."""

    def __init__(self, name: str, detail: str = "") -> None:
        self.name = name
        self.detail = detail
        self.started = time.monotonic()
        self.elapsed = 0.0
        self.note = ""  # a result shown on the finished line

    def update(self, detail: str) -> None:
        self.detail = detail


class Ui:
    def __init__(self, verbose: bool = False, quiet: bool = False,
                 stream: TextIO | None = None, interactive: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.verbose = verbose
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.color = self.tty and not os.environ.get("NO_COLOR") and \
            os.environ.get("TERM") != "dumb"
        self.interactive = sys.stdin.isatty() and self.tty if interactive is None \
            else interactive
        self.timings: dict[str, float] = {}
        self.kept_warnings: list[str] = []  # said again under the summary (keep_warning)
        self._lock = threading.RLock()
        self._running: list[Step] = []
        self._live: Any = None
        self._console: Any = None

    # --- plain lines ---------------------------------------------------------------------

    def _write(self, text: str, style: str | None = None) -> None:
        text = redact.redact(text)
        with self._lock:
            if self._live is not None:
                self._live.console.print(text, style=style, markup=False, highlight=False,
                                         soft_wrap=True)
            elif self.color:
                self.console.print(text, style=style, markup=False, highlight=False,
                                   soft_wrap=True)
            else:
                self.stream.write(text + "\n")
                self.stream.flush()

    @property
    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False,
                                    no_color=not self.color)
        return self._console

    def info(self, text: str) -> None:
        if not self.quiet:
            self._write(text)

    def detail(self, text: str) -> None:
        """Only with --verbose: the commands run and other details."""
        if self.verbose and not self.quiet:
            self._write("    " + text, style="dim")

    def warn(self, text: str) -> None:
        self._write(f"{WARN} {text}", style="yellow")

    def keep_warning(self, text: str) -> None:
        """A warning worth repeating under the final summary, where the eye lands."""
        with self._lock:
            self.kept_warnings.append(text)

    def error(self, text: str) -> None:
        self._write(f"{FAIL} {text}", style="red")

    def final(self, text: str) -> None:
        """The last line: shown even with --quiet."""
        self._write(text, style="bold")

    def heading(self, text: str) -> None:
        if not self.quiet:
            self._write(text, style="bold")

    # --- steps ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def step(self, name: str, detail: str = "") -> Iterator[Step]:
        """Show ``name`` as running; on exit print its result line with the elapsed time."""
        step = Step(name, detail)
        with self._lock:
            self._running.append(step)
            self._refresh()
        ok = False
        try:
            yield step
            ok = True
        finally:
            step.elapsed = time.monotonic() - step.started
            self.timings[name] = step.elapsed
            with self._lock:
                self._running.remove(step)
                text = step.note or step.detail
                line = f"{OK if ok else FAIL} {name:<13} {text}".rstrip()
                line = f"{line}  ({step.elapsed:.1f}s)"
                if ok:
                    if not self.quiet:
                        self._write(line, style="green")
                else:
                    self._write(line, style="red")
                self._refresh()

    def skipped(self, name: str, why: str) -> None:
        if not self.quiet:
            self._write(f"{SKIP} {name:<13} skipped: {why}", style="dim")

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Give the terminal to another program (the editor), then take it back."""
        with self._lock:
            live, self._live = self._live, None
            if live is not None:
                live.stop()
        try:
            yield
        finally:
            with self._lock:
                self._refresh()

    def _refresh(self) -> None:
        """Start the live area when a step starts; it stays (empty between steps, which
        keeps finished lines from being separated by blank ones) until :meth:`close`."""
        if not self.color or self.quiet:
            return
        if self._running and self._live is None:
            from rich.live import Live

            self._live = Live(_Running(self), console=self.console, refresh_per_second=8,
                              transient=True)
            self._live.start()

    def close(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self._live = None

    # --- questions -----------------------------------------------------------------------

    def confirm(self, question: str) -> bool:
        """Ask once, on a terminal; the caller decides what no terminal means."""
        self.close()
        self.stream.write(redact.redact(question) + " [y/N] ")
        self.stream.flush()
        try:
            answer = sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            return False
        return answer.strip().lower() in {"y", "yes"}


class _Running:
    """The live area: one spinner line per running step."""

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        from rich.spinner import Spinner

        self._spinners: dict[int, Spinner] = {}

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.spinner import Spinner
        from rich.table import Table

        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        table.add_column(no_wrap=True, justify="right")
        for step in list(self.ui._running):
            spinner = self._spinners.setdefault(id(step), Spinner("dots"))
            elapsed = time.monotonic() - step.started
            table.add_row(spinner, f"{step.name:<13}",
                          redact.redact(step.detail), f"{elapsed:.1f}s")
        yield table
