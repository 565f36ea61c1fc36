"""The new section's heading, copied from the file's newest dated entry.

People keep their history in many shapes, and a release tool that writes
``1.2.0 (2026-01-31)`` into a file of ``Version 1.1.0`` + ``Released 2026-01-02`` makes
them fix it by hand every time. So the newest entry with a date is the model: its words,
its version prefix (``v1.1.0``, ``[1.1.0]``), its date format and where the date is (in the
title, or on a line of its own under it). Seen in the wild and copied here:

- ``1.1.0 (2026-01-02)`` (cookiecutter), ``1.1.0 - 2026-01-02``, ``v1.1.0``
- Pallets: ``Version 2.1.5`` titled section, then a ``Released 2024-02-02`` line
- ``**4.3.0**`` bold lines in place of headings, ``[1.1.0] - 2026-01-02`` (Keep a Changelog)
- attrs: ``[23.2.0](https://github.com/python-attrs/attrs/tree/23.2.0) - 2023-12-31``
- httpx: ``0.27.0 (21st February, 2024)``, and ``February 2, 2024``, ``02.02.2024``
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from release_tasks.changelog.history import Heading, bullet, first_body_line, is_date_line
from release_tasks.changelog.markup import BULLET, MD_HEADING, RST_ADORNMENT

VERSION = re.compile(r"(?<![\w.])v?\d+(?:\.\d+)+(?:[-.]?(?:a|b|rc|alpha|beta|dev|post)\.?\d*)*"
                     r"(?![\w]|\.\d)", re.I)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_MONTH = r"(?P<month>" + "|".join(m[:3] + "(?:" + m[3:] + ")?" for m in _MONTHS) + r")\.?"
_ORD = r"(?P<ord>st|nd|rd|th)?"
_RST_TARGET = re.compile(r"^\.\. _[^:]+:\s+\S+$")
# A compare link in a heading (``[1.1.0](https://github.com/o/r/compare/v1.0.0...v1.1.0)``):
# the new one compares the model's tag with the new tag.
_COMPARE_RANGE = re.compile(r"(?<=/compare/)(?P<a>[^\s()\[\]]+?)(?P<sep>\.\.\.?)"
                            r"(?P<b>[^\s()\[\]#?]+)")


def _ordinal(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _month_name(day: datetime.date, sample: str) -> str:
    name = _MONTHS[day.month - 1]
    return name[:3] if len(sample.rstrip(".")) == 3 else name


@dataclass(frozen=True)
class DateShape:
    """One way of writing a date: how to find it, and how to write another like it."""

    pattern: re.Pattern[str]
    render: Callable[[datetime.date, re.Match[str]], str]


def _pad(sample: str, value: int) -> str:
    return f"{value:02d}" if len(sample) == 2 else str(value)


def _day(sample: str, value: int) -> str:
    """Days beside a month name are padded only where the model pads (``02 May``)."""
    return f"{value:02d}" if sample.startswith("0") else str(value)


DATE_SHAPES = [
    DateShape(re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
              lambda d, m: f"{d.year}{m['sep']}{_pad(m['m'], d.month)}{m['sep']}"
                           f"{_pad(m['d'], d.day)}"),
    # 07/30/2023: a second number over 12 is a day, so the month comes first.
    DateShape(re.compile(r"(?P<m>\d{1,2})(?P<sep>[./])(?P<d>1[3-9]|2\d|3[01])(?P=sep)(?P<y>\d{4})"),
              lambda d, m: f"{_pad(m['m'], d.month)}{m['sep']}{_pad(m['d'], d.day)}"
                           f"{m['sep']}{d.year}"),
    DateShape(re.compile(r"(?P<d>\d{1,2})(?P<sep>[./])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})"),
              lambda d, m: f"{_pad(m['d'], d.day)}{m['sep']}{_pad(m['m'], d.month)}"
                           f"{m['sep']}{d.year}"),
    DateShape(re.compile(_MONTH + r" (?P<d>\d{1,2})" + _ORD + r"(?P<comma>,?) (?P<y>\d{4})", re.I),
              lambda d, m: f"{_month_name(d, m['month'])} {_day(m['d'], d.day)}"
                           f"{_ordinal(d.day) if m['ord'] else ''}{m['comma']} {d.year}"),
    DateShape(re.compile(r"(?P<d>\d{1,2})" + _ORD + r" " + _MONTH + r"(?P<comma>,?) (?P<y>\d{4})",
                         re.I),
              lambda d, m: f"{_day(m['d'], d.day)}{_ordinal(d.day) if m['ord'] else ''} "
                           f"{_month_name(d, m['month'])}{m['comma']} {d.year}"),
]


def find_date(text: str) -> tuple[re.Match[str], DateShape] | None:
    for shape in DATE_SHAPES:
        m = shape.pattern.search(text)
        if m:
            return m, shape
    return None


@dataclass(frozen=True)
class HeadingStyle:
    """A heading (and maybe a date line under it) with the version and date left open."""

    title: str  # with {version} and {date} in place of the model's
    # The line under the heading, when the model has one: "Released {date}", or the link
    # target a title refers to
    date_line: str | None = None
    date_match: re.Match[str] | None = None
    date_shape: DateShape | None = None

    def date(self, iso: str) -> str:
        if self.date_shape is None or self.date_match is None:
            return iso
        return self.date_shape.render(datetime.date.fromisoformat(iso), self.date_match)

    def render(self, version: str, iso_date: str) -> tuple[str, str | None]:
        """The new title and date line for ``version`` released on ``iso_date``."""
        date = self.date(iso_date)
        title = self.title.replace("{version}", version).replace("{date}", date)
        line = self.date_line.replace("{version}", version).replace("{date}", date) \
            if self.date_line else None
        return title, line


DEFAULT = HeadingStyle(title="{version} ({date})")


def _open(text: str, version: str, date: str | None) -> str:
    """``text`` with the model's version (and date) replaced by placeholders.

    Rendering uses ``str.replace``, never ``str.format``: braces in titles stay as written.
    """
    out = text.replace(date, "\x00date\x00") if date else text

    def moved(m: re.Match[str]) -> str:  # compare/A...B → compare/B...{version}
        if version not in m["b"]:
            return m.group(0)
        return m["b"].replace(version, "\x00model\x00") + m["sep"] + m["b"]

    out = _COMPARE_RANGE.sub(moved, out)
    out = out.replace(version, "\x00version\x00")
    return out.replace("\x00version\x00", "{version}").replace("\x00date\x00", "{date}") \
        .replace("\x00model\x00", version)


def learn(lines: list[str], versions: list[Heading], fallback: HeadingStyle = DEFAULT
          ) -> HeadingStyle:
    """The style of the newest heading that has a date, else of the newest one at all.

    A heading without a date anywhere (fastapi's ``## 0.110.0``) is copied without one.
    """
    undated: HeadingStyle | None = None
    for h in versions:
        m = VERSION.search(h.title)
        if m is None:
            continue
        version = m.group(0).lstrip("vV")
        found = find_date(h.title)
        at = first_body_line(lines, h)
        line = lines[at].strip() if at is not None else ""
        if found:
            dm, shape = found
            title = _open(h.title, version, dm.group(0))
            # yaml4rst's ``.. _v1.1.0: .../compare/v1.0.0...v1.1.0`` under the heading
            target = _open(line, version, None) if _RST_TARGET.match(line) and version in line \
                else None
            return HeadingStyle(title=title, date_line=target, date_match=dm, date_shape=shape)
        dated = len(line) < 60 and (is_date_line(line) or not BULLET.match(line))
        found = find_date(line) if dated else None
        if found:
            dm, shape = found
            return HeadingStyle(title=_open(h.title, version, None),
                                date_line=_open(line, version, dm.group(0)),
                                date_match=dm, date_shape=shape)
        if undated is None and not h.unreleased:
            undated = HeadingStyle(title=_open(h.title, version, None))
    return undated or fallback



def entries(notes: str, text: str) -> str:
    """The user's notes as entries like the file's own: a bare paragraph given to a file of
    list items becomes one (``- Works on 3.14.``); notes with their own markup (a list,
    sub-headings, rst directives) are left as written."""
    lines = notes.strip("\n").split("\n")
    listed = [x for x in text.split("\n") if BULLET.match(x) and not is_date_line(x)]
    if not listed or any(BULLET.match(x) or MD_HEADING.match(x) or RST_ADORNMENT.match(x)
                         or x.startswith((" ", "\t", "..", ":", "*", "|", ">")) for x in lines):
        return notes
    marker = bullet(text)
    indent = " " * len(marker)
    out: list[str] = []
    first = True
    for line in lines:
        if not line.strip():
            first = True
            continue
        out.append((marker if first else indent) + line.strip())
        first = False
    return "\n".join(out)
