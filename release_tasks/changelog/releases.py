"""Changelogs kept with the Sphinx ``releases`` extension (paramiko, Fabric, Invoke).

No headings: one list, newest first, where a ``:release:`` line dates the entries below it
and the entries above the newest one are waiting for the next release::

    - :release:`3.5.0 <2024-09-15>`
    - :feature:`982` Add support for AES-GCM encryption ciphers.
    - :bug:`-` Check for ``None`` transport members inside ...

A release adds its ``:release:`` line above the waiting entries. The extension files a
``:bug:`` under bugfix releases and a ``:feature:`` under feature releases, so notes given
as plain text become ``:bug:`` entries in a patch release and ``:feature:`` ones otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.changelog import history, style
from release_tasks.changelog.base import Entry, TextFormat

_RELEASE = re.compile(r"^(?P<marker>\s*[-*]\s+):release:`(?P<version>[^\s<`]+)\s*"
                      r"(?:<(?P<date>[^>]*)>)?`")
_ENTRY = re.compile(r"^\s*[-*]\s+:(?:bug|feature|support|release):`")
_ITEM = re.compile(r"^([-*+]|\d+[.)])\s+")


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _releases(lines: list[str]) -> list[tuple[int, re.Match[str]]]:
    return [(i, m) for i, line in enumerate(lines) if (m := _RELEASE.match(line))]


def _first_entry(lines: list[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if _ENTRY.match(line)), None)


def _feature_release(version: str) -> bool:
    parts = re.findall(r"\d+", version)
    return len(parts) < 3 or int(parts[2]) == 0


def _role(version: str, group: str = "") -> str:
    if not _feature_release(version):
        return ":bug:`-`"
    return {"Added": ":feature:`-`", "Fixed": ":bug:`- major`"}.get(group, ":support:`-`"
                                                                    if group else ":feature:`-`")


def _entries(notes: str, marker: str, version: str) -> list[str]:
    """The user's notes as entries: one per list item or paragraph; entries stay as written."""
    out: list[str] = []
    indent = " " * len(marker)
    for para in re.split(r"\n\s*\n", notes.strip("\n")):
        for n, line in enumerate(para.split("\n")):
            if _ENTRY.match(line):
                out.append(line)
            elif n == 0 or _ITEM.match(line):
                out.append(f"{marker}{_role(version)} {_ITEM.sub('', line.strip(), count=1)}")
            else:
                out.append(indent + line.strip())
    return out


class Releases(TextFormat):
    name = "releases"

    def detect(self, root: Path, path: Path | None) -> bool:
        if path is None or history.file_format(path, history.read(path)) != "rst":
            return False
        return bool(_releases(_lines(history.read(path))))

    def problems(self, root: Path, path: Path, entry: Entry) -> list[str]:
        if any(m["version"] == entry.version for _, m in _releases(_lines(history.read(path)))):
            return [f"{path.name} already has a :release: line for {entry.version} (remove it to "
                    "release again)"]
        return []

    def pending(self, root: Path, path: Path) -> bool:
        lines = _lines(history.read(path))
        first = _first_entry(lines)
        return first is not None and not _RELEASE.match(lines[first])

    def draft(self, entry: Entry, text: str = "") -> str:
        marker = self._marker(_lines(text))
        return "\n".join(f"{marker}{_role(entry.version, c.group)} {c.sentence}"
                         for c in entry.commits)

    def _marker(self, lines: list[str]) -> str:
        found = _releases(lines)
        return found[0][1]["marker"] if found else "- "

    def _line(self, lines: list[str], version: str, iso_date: str) -> str:
        found = _releases(lines)
        marker = self._marker(lines)
        date = iso_date
        if found and found[0][1]["date"]:
            shape = style.find_date(found[0][1]["date"])
            if shape is not None:
                date = style.HeadingStyle("", date_match=shape[0], date_shape=shape[1]).date(
                    iso_date)
        return f"{marker}:release:`{version} <{date}>`"

    def add_section(self, text: str, fmt: str, entry: Entry, notes: str | None) -> str:
        lines = _lines(text)
        marker = self._marker(lines)
        new = [self._line(lines, entry.version, entry.date)]
        if notes and notes.strip():
            new += _entries(notes, marker, entry.version)
        at = _first_entry(lines)
        if at is None:  # a title and nothing yet: the list starts under it
            hs = history.headings(text, "rst")
            at = hs[0].end + 1 if hs else 0
            new.append("")
        return "\n".join(lines[:at] + new + lines[at:])

    def title(self, root: Path, path: Path, entry: Entry) -> str:
        line = self._line(_lines(history.read(path)), entry.version, entry.date)
        return line.split(":release:", 1)[1]

    def body(self, root: Path, path: Path, version: str) -> tuple[str, str]:
        return _body(_lines(history.read(path)), version), "rst"

    def preview(self, root: Path, path: Path, entry: Entry) -> str:
        return _body(_lines(self.render(root, path, entry)), entry.version)


def _body(lines: list[str], version: str) -> str:
    """The entries under ``version``'s release line, down to the next release line."""
    found = _releases(lines)
    for n, (i, m) in enumerate(found):
        if m["version"] == version:
            stop = found[n + 1][0] if n + 1 < len(found) else len(lines)
            return "\n".join(lines[i + 1:stop]).strip()
    return ""
