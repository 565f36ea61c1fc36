"""The one line that says why a docs build failed, found in Sphinx's or MkDocs' output.

A traceback's last source line (``raise ConfigError(msg % ...)``) hides the cause; what a
user needs is the exception's own message and where it came from in *their* files (the
conf.py line, the page). Both builders print that, in their own shapes: this picks it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+)')
_HEADING = re.compile(r"^(Configuration|Extension|Theme|Sphinx|Build|Config) error:?$",
                      re.IGNORECASE)
_NOISE = ("The full traceback has been saved", "Please also report", "A bug report can be",
          "Aborted with", "Traceback (most recent call last)", "Exception occurred:",
          "There is a programmable error")


def cause(output: str, root: Path) -> str:
    """The exception message with its file and line, or the first error/warning line."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    text = _from_traceback(lines, root) or _from_heading(lines) or _first(lines, "ERROR") \
        or _first(lines, "WARNING") or (lines[-1] if lines else "")
    return _relative(text, root).strip()


def short_paths(text: str) -> str:
    """``.../site-packages/mkdocs/plugins.py`` → ``mkdocs/plugins.py``."""
    return re.sub(r"(?:/|[A-Za-z]:\\)\S*?[/\\]site-packages[/\\]", "", text)


def _relative(text: str, root: Path) -> str:
    """Paths relative to the project, and to site-packages for installed code."""
    return short_paths(text).replace(f"{root}{os.sep}", "")


def _from_traceback(lines: list[str], root: Path) -> str | None:
    frames = [(i, m) for i, line in enumerate(lines) if (m := _FRAME.match(line))]
    if not frames:
        return None
    last = frames[-1][0]
    # The message is the first line after the last frame that is not indented deeper than
    # it (Sphinx 9 indents its whole traceback; Python's own starts messages at column 0).
    depth = _indent(lines[last])
    message = next((line.strip() for line in lines[last + 1:]
                    if _indent(line) <= depth and not line.strip().startswith(_NOISE)), None)
    if message is None:
        return None
    own = [m for _, m in frames if Path(m.group(1)).is_relative_to(root)
           and "site-packages" not in m.group(1)]
    frame = (own or [frames[-1][1]])[-1]
    return f"{message} ({_relative(frame.group(1), root)}, line {frame.group(2)})"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _from_heading(lines: list[str]) -> str | None:
    for i, line in enumerate(lines):
        if _HEADING.match(line.strip()) and i + 1 < len(lines):
            return f"{line.strip()} {lines[i + 1].strip()}"
    return None


def _first(lines: list[str], level: str) -> str | None:
    for line in lines:
        if level in line and not line.startswith(_NOISE):
            return re.sub(rf"^{level}\s+-\s+", f"{level}: ", line.strip())
    return None
