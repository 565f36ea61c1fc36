"""The changelog formats, in detection order, and the release notes read back from them.

The first format whose ``detect`` says yes is the project's. towncrier and scriv come first
because their configuration is explicit (and their files may look like plain ones); the
Sphinx ``releases`` extension's ``:release:`` lines next (no headings at all); Keep a
Changelog next (an ``[Unreleased]`` section or a keepachangelog.com reference); plain
rst/Markdown accepts any history file. A new format is a new module and a line here.
"""

from __future__ import annotations

from pathlib import Path

from release_tasks.changelog import history
from release_tasks.changelog.base import Entry, Format
from release_tasks.changelog.keepachangelog import KeepAChangelog
from release_tasks.changelog.plain import Plain
from release_tasks.changelog.releases import Releases
from release_tasks.changelog.scriv import Scriv
from release_tasks.changelog.towncrier import Towncrier

FORMATS: list[Format] = [
    Towncrier(),
    Scriv(),
    Releases(),
    KeepAChangelog(),
    Plain(),
]

__all__ = ["FORMATS", "Entry", "Format", "detect", "next_cycle", "release_notes"]


def detect(root: Path, path: Path | None) -> Format:
    for fmt in FORMATS:
        if fmt.detect(root, path):
            return fmt
    return FORMATS[-1]


def release_notes(root: Path, path: Path, version: str) -> tuple[str, str]:
    """``version``'s section of the history (body, "rst"/"md"), for the tag and Slack."""
    fmt = detect(root, path)
    target = fmt.file(root, path) or path
    if not target.is_file():
        return "", "md"
    return fmt.body(root, target, version)


def next_cycle(root: Path, path: Path, version: str) -> None:
    """After the release (``dev_bump``): what the format wants for the next one."""
    fmt = detect(root, path)
    if fmt.file(root, path) != path:
        return
    text = history.read(path)
    kind = history.file_format(path, text)
    head, part, tail = history.scope(path, text, kind)
    new = head + fmt.next_cycle(part, kind, version) + tail
    if new != text:
        history.write(path, new, history.line_end(path))
