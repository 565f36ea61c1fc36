"""Keep a Changelog (keepachangelog.com): Unreleased notes become the release's section.

``## [Unreleased]`` stays on top, empty; its notes move under ``## [X.Y.Z] - YYYY-MM-DD``
(in the style of the file's newest entry: brackets only where the file has them); the
link block at the bottom follows the file's own URL shape and tag names::

    [unreleased]: https://github.com/o/r/compare/v1.2.0...HEAD      (was v1.1.0...HEAD)
    [1.2.0]: https://github.com/o/r/compare/v1.1.0...v1.2.0         (new)

GitHub and Gitea (``/compare/A...B``), GitLab (``/-/compare/A...B``) and Bitbucket
(``/branches/compare/B%0DA``) compare links, and tag links (``/releases/tag/v1.1.0``) are
all the same operation: the old tag and ``HEAD`` are found in the link and replaced.

The ``keepachangelog`` library was evaluated first: its ``release()`` only knows the exact
``## [Unreleased]`` spelling and the ``[Unreleased]:`` link, always writes brackets and
today's ISO date, and rebuilds labels with ``capitalize()``; it cannot keep a file's own
style, so this small module does the edit in place instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.changelog import history, plain, style
from release_tasks.changelog.base import Entry, TextFormat
from release_tasks.changelog.commits import grouped
from release_tasks.changelog.history import Heading, headings
from release_tasks.changelog.links import LINK as _LINK
from release_tasks.changelog.links import add_links

_UNRELEASED_TITLE = re.compile(r"^\[?unreleased\]?(\(.*\))?(\s.*)?$", re.I)
_PLACEHOLDER = re.compile(r"^[-*]?\s*(nothing (changed )?yet\.?|no changes yet\.?|tbd\.?)$", re.I)


def _unreleased(text: str) -> tuple[list[Heading], Heading | None]:
    hs = headings(text, "md")
    return hs, next((h for h in hs if h.kind == "atx" and _UNRELEASED_TITLE.match(h.title)),
                    None)


def _section_end(hs: list[Heading], h: Heading, lines: list[str]) -> int:
    after = [x.start for x in hs if x.start > h.start and x.kind == "atx" and x.level <= h.level]
    end = after[0] if after else len(lines)
    # The link block at the very end belongs to no section.
    while end > h.end and (not lines[end - 1].strip() or _LINK.match(lines[end - 1])):
        end -= 1
    return end


class KeepAChangelog(TextFormat):
    name = "keep-a-changelog"

    def detect(self, root: Path, path: Path | None) -> bool:
        if path is None:
            return False
        text = history.read(path)
        if history.file_format(path, text) != "md":
            return False
        return _unreleased(text)[1] is not None or "keepachangelog.com" in text.lower()

    def _content(self, text: str) -> list[str]:
        hs, u = _unreleased(text)
        if u is None:
            return []
        lines = text.split("\n")
        return [x for x in lines[u.end:_section_end(hs, u, lines)]
                if x.strip() and not _PLACEHOLDER.match(x.strip())]

    def pending(self, root: Path, path: Path) -> bool:
        return any(not x.lstrip().startswith("#") for x in self._content(history.read(path)))

    def draft(self, entry: Entry, text: str = "") -> str:
        return grouped(entry.commits, marker=history.bullet(text))

    def add_section(self, text: str, fmt: str, entry: Entry, notes: str | None) -> str:
        lines = text.split("\n")
        hs, u = _unreleased(text)
        if u is None:
            # The keepachangelog.com reference without an Unreleased section (httpx): a new
            # section on top, as in any file, in the style of the newest one.
            return plain.add_section(text, fmt, entry.version, entry.date, notes)
        end = _section_end(hs, u, lines)
        content = [x for x in lines[u.end:end] if not _PLACEHOLDER.match(x.strip())]
        while content and not content[0].strip():
            content.pop(0)
        while content and not content[-1].strip():
            content.pop()
        if notes and notes.strip():
            content = [*content, *([""] if content else []), *notes.strip("\n").split("\n")]
        dated = [h for h in hs if h.kind == "atx" and h.level == u.level and h.is_version()
                 and h is not u]
        bracketed = u.title.startswith("[")
        fallback = style.HeadingStyle("[{version}] - {date}" if bracketed
                                      else "{version} - {date}")
        title, date_line = style.learn(lines, dated, fallback).render(entry.version, entry.date)
        block = ["#" * u.level + " " + title, *(["", date_line] if date_line else []), "",
                 *content]
        tail = lines[end:]
        while tail and not tail[0].strip():
            tail.pop(0)
        return "\n".join([*lines[:u.end], "", *block, "", *tail])

    def finalize(self, text: str, entry: Entry) -> str:
        return add_links(text, entry)
