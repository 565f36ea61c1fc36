"""What a history file already holds for the next release, and how the file keeps it.

People write notes before a release in three ways, all seen in real files: a section that
names its version (zest.releaser's ``3.1.0 (unreleased)``, Pallets' ``Version 3.1.0`` over
``Unreleased``), a section with no version yet (``Unreleased``, ``[Unreleased]``, ``NEXT``,
requests' ``dev``, FastAPI's ``Latest Changes``), or bare entries on top of the newest
section. The first decides the new version, as in zest.releaser; the last two become the
new section's notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from release_tasks.changelog import history
from release_tasks.changelog.history import Heading, headings, undated
from release_tasks.changelog.markup import BULLET, PLACEHOLDERS
from release_tasks.changelog.style import VERSION
from release_tasks.core.errors import HistoryError, VersionError

# Sections that stay on top, emptied, release after release.
_TOC_ITEM = re.compile(r"^\s*[-*+]\s+(\[[^\]]*\]\(#|`[^`]*<#|:ref:)")
_KEPT_NAMES = {"dev", "latest changes", "unreleased changes"}


def top(lines: list[str], versions: list[Heading]) -> Heading | None:
    """The newest release heading when it is still waiting for its release."""
    return versions[0] if versions and undated(lines, versions[0]) else None


def named_version(h: Heading) -> str | None:
    """The version an unreleased heading names (``3.1.0 (unreleased)``), if any."""
    m = VERSION.search(h.title)
    return m.group(0).lstrip("vV") if m else None


def kept_on_top(lines: list[str], h: Heading, following: Heading | None) -> bool:
    """Whether the file keeps this unreleased section above its releases (its notes move
    into the new section) rather than dating it in place: Keep a Changelog's bracketed
    ``[Unreleased]``, ``dev``/``Latest Changes``, or one left empty after the last release.
    """
    if named_version(h):
        return False
    if h.title.startswith("[") or h.title.strip("[]()*_: ").lower() in _KEPT_NAMES:
        return True
    stop = following.start if following else len(lines)
    return not any(x.strip() and not PLACEHOLDERS.match(x.strip())
                   for x in lines[h.end:stop])


def loose_notes(lines: list[str], versions: list[Heading]) -> tuple[int, int] | None:
    """The lines of entries written on top of the newest section, with no heading of their
    own yet: list items directly above it (an introduction's own list, after a line
    ending in ``:``, is not one)."""
    if not versions or undated(lines, versions[0]):
        return None
    end = versions[0].start
    i, start = end, None
    while i > 0:
        line = lines[i - 1]
        if BULLET.match(line) and not line[0].isspace():
            start = i - 1
        elif line.strip() and not line[0].isspace():
            break
        i -= 1
    if start is None or (i > 0 and lines[i - 1].rstrip().endswith(":")):
        return None
    if any(_TOC_ITEM.match(x) for x in lines[start:end]):
        return None  # a table of contents: links to the sections below
    return start, end


def has_pending(text: str, fmt: str) -> bool:
    """True when notes for the next release are already written."""
    lines = text.split("\n")
    versions = [h for h in headings(text, fmt) if h.is_version()]
    if loose_notes(lines, versions) is not None:
        return True
    h = top(lines, versions)
    if h is None:
        return False
    stop = versions[1].start if len(versions) > 1 else len(lines)
    return any(x.strip() and not PLACEHOLDERS.match(x.strip())
               and not x.strip().lower().startswith("unreleased") for x in lines[h.end:stop])


def pending_version(path: Path) -> str | None:
    """The version the history's unreleased section names (``## 2.0.0 (unreleased)``,
    ``Version 3.1.0`` over ``Unreleased``): the one the author means to release next."""
    if not path.is_file():
        return None
    text = history.read(path)
    fmt = history.file_format(path, text)
    part = history.scope(path, text, fmt)[1]
    lines = part.split("\n")
    h = top(lines, [h for h in headings(part, fmt) if h.is_version()])
    return named_version(h) if h is not None else None


def choose_version(history: Callable[[], Path] | None, scheme: Any, part: str | None,
                   new_version: str | None, bump_part: Callable[[], str | None]
                   ) -> tuple[str, str | None]:
    """The release's version, and why when the history chose it.

    ``--new-version`` wins; else an unreleased section naming a version higher than the
    current one decides, as zest.releaser does; a ``--part`` that makes another version is
    refused, naming both. ``history`` finds the file (None: the history is skipped).
    """
    named, path = None, None
    if new_version is None and history is not None:
        try:
            path = history()
            named = pending_version(path)
        except HistoryError:
            named = None
    if named is not None:
        try:
            named = str(scheme.next_version(None, named))
        except VersionError:
            named = None  # older than the current one, or no version this project makes
    if named is not None and path is not None and not part:
        return named, f"version named in {path.name}"
    new = str(scheme.next_version(bump_part(), new_version))
    if named is not None and path is not None and new != named:
        raise VersionError(f"--part {part} makes {new}, but {path.name} names {named} in its "
                           "unreleased section", f"drop --part to release {named}, or rename "
                           "that section")
    return new, None
