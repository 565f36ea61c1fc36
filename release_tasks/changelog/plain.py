"""Plain history files (rst or Markdown): a new section on top, in the file's own style.

The new section goes above the newest version section, with the same heading markup (rst
underline character and overline, Markdown level) and the heading style of the newest
dated entry (see ``style.py``). A header on top (cookiecutter-pypackage's
``.. :changelog:`` and ``History`` title) stays on top. A zest.releaser-style
``X.Y.Z (unreleased)`` section, or Pallets' ``Version X.Y.Z`` with an ``Unreleased`` line,
is dated in place instead of getting a twin; so is ``Unreleased``/``NEXT`` with notes. A
section the file keeps on top (``[Unreleased]``, requests' ``dev``, FastAPI's ``Latest
Changes``, or one left empty) stays there and hands its notes to the new section, as do
entries written on top with no heading yet (see ``unreleased.py``). Markdown link
definitions at the bottom follow the release (``links.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.changelog import history, links, style, unreleased
from release_tasks.changelog.base import Entry, TextFormat
from release_tasks.changelog.history import first_body_line, headings, render_heading, undated
from release_tasks.changelog.markup import (
    BOLD_HEADING,
    MD_HEADING,
    PLACEHOLDERS,
    RST_ADORNMENT,
    RST_UNDERLINE_ORDER,
)

_BULLET = re.compile(r"^\s*[-*+] ")


class Plain(TextFormat):
    name = "plain"

    def detect(self, root: Path, path: Path | None) -> bool:
        return path is not None

    def pending(self, root: Path, path: Path) -> bool:
        text = history.read(path)
        fmt = history.file_format(path, text)
        return unreleased.has_pending(history.scope(path, text, fmt)[1], fmt)

    def add_section(self, text: str, fmt: str, entry: Entry, notes: str | None) -> str:
        return add_section(text, fmt, entry.version, entry.date, notes)

    def finalize(self, text: str, entry: Entry) -> str:
        return links.add_links(text, entry)

    def next_cycle(self, text: str, fmt: str, version: str) -> str:
        versions = [h for h in headings(text, fmt) if h.is_version()]
        if unreleased.top(text.split("\n"), versions) is not None:
            return text  # the file already keeps a section for what comes next
        return unreleased_section(text, fmt, version)


def _style(lines: list[str], versions: list[history.Heading]) -> style.HeadingStyle:
    return style.learn(lines, [h for h in versions if not undated(lines, h)])


def add_section(text: str, fmt: str, version: str, date: str, notes: str | None = None,
                title: tuple[str, str | None] | None = None) -> str:
    """Return ``text`` with a new top section for ``version``, released on ``date``.

    An "unreleased" top section is dated in place instead, keeping its notes. ``title``
    (a title and a line under it) overrides the style learnt from the file.
    """
    lines = text.split("\n")
    all_headings = headings(text, fmt)
    versions = [h for h in all_headings if h.is_version()]
    loose = unreleased.loose_notes(lines, versions)
    if loose is not None:  # entries on top with no heading yet: the new section's notes
        a, b = loose
        moved = "\n".join(lines[a:b]).strip("\n")
        given = notes.strip("\n") if notes and notes.strip() else ""
        if given:  # one list when both are list items, else two paragraphs
            both = _BULLET.match(moved.split("\n")[-1]) and _BULLET.match(given)
            given = ("\n" if both else "\n\n") + given
        return add_section("\n".join(lines[:a] + lines[b:]), fmt, version, date, moved + given,
                           title)
    body = notes.strip("\n").split("\n") if notes and notes.strip() else []
    new_title, date_line = title or _style(lines, versions).render(version, date)
    h = unreleased.top(lines, versions)
    following = versions[1] if len(versions) > 1 else None
    if h is not None and unreleased.kept_on_top(lines, h, following):
        stop = following.start if following else len(lines)
        content = [x for x in lines[h.end:stop] if not PLACEHOLDERS.match(x.strip())]
        while content and not content[0].strip():
            content.pop(0)
        while content and not content[-1].strip():
            content.pop()
        body = [*content, *([""] if content and body else []), *body]
        under = ["", date_line] if date_line else []
        block = [*render_heading(following or h, new_title), *under, "", *body, ""]
        return "\n".join([*lines[:h.end], "", *block, *lines[stop:]])
    if h is not None:
        new_heading = render_heading(h, new_title)
        rest = lines[h.end:]
        at = first_body_line(lines, h)
        if not h.unreleased and at is not None:  # Pallets' "Unreleased" line
            rest = lines[h.end:at] + ([date_line] if date_line else []) + lines[at + 1:]
        elif date_line:
            rest = ["", date_line, *rest]
        existing = _strip_placeholders(rest, versions[1].start - h.end if len(versions) > 1
                                       else len(rest))
        if body:
            existing = _append_notes(existing, body)
        return "\n".join(lines[:h.start] + new_heading + existing)
    under = ["", date_line] if date_line else []
    if versions:
        h = versions[0]
        new_heading = render_heading(h, new_title)
        block = [*new_heading, *under, "", *body, ""] if body else [*new_heading, *under, "", ""]
        return "\n".join(lines[:h.start] + block + lines[h.start:])
    # No version section yet: go below the document title, if there is one.
    top = all_headings[0] if all_headings else None
    if fmt == "md":
        level = (top.level + 1) if top else 2
        new_heading = ["#" * min(level, 6) + " " + new_title]
    else:
        used = {top.char} if top else set()
        char = next(c for c in RST_UNDERLINE_ORDER if c not in used)
        new_heading = [new_title, char * len(new_title)]
    if top is not None:
        # After the title and its introduction: before the next heading, or at the end.
        at = all_headings[1].start if len(all_headings) > 1 else len(lines)
        while at > top.end and not lines[at - 1].strip():
            at -= 1
    else:
        at = 0
        while at < len(lines) and (lines[at].startswith("..") or not lines[at].strip()):
            at += 1
    block = [*new_heading, *under, "", *body, ""] if body else [*new_heading, *under, "", ""]
    head = lines[:at]
    if head and head[-1].strip():
        head.append("")
    return "\n".join(head + block + lines[at:]).rstrip("\n") + "\n"


def _strip_placeholders(rest: list[str], section_len: int) -> list[str]:
    section = rest[:section_len]
    kept = [line for line in section if not PLACEHOLDERS.match(line.strip())]
    return kept + rest[section_len:]


def _append_notes(rest_of_file: list[str], notes: list[str]) -> list[str]:
    """Put ``notes`` after the existing body lines of an unreleased section."""
    i = 0
    last_content = -1
    while i < len(rest_of_file):
        line = rest_of_file[i]
        nxt = rest_of_file[i + 1] if i + 1 < len(rest_of_file) else ""
        if line.strip() and (MD_HEADING.match(line) or BOLD_HEADING.match(line)
                             or (RST_ADORNMENT.match(nxt) and not RST_ADORNMENT.match(line))):
            break
        if line.strip():
            last_content = i
        i += 1
    insert_at = last_content + 1
    same_list = (last_content >= 0 and _BULLET.match(rest_of_file[last_content])
                 and _BULLET.match(notes[0]))
    block = notes if same_list else ["", *notes]
    return rest_of_file[:insert_at] + block + rest_of_file[insert_at:]


def unreleased_section(text: str, fmt: str, version: str) -> str:
    """``text`` with a new section for ``version`` not released yet, for the next cycle:
    ``X.Y.Z (unreleased)``, or Pallets' ``Version X.Y.Z`` + ``Unreleased``."""
    lines = text.split("\n")
    versions = [h for h in headings(text, fmt) if h.is_version()]
    learnt = _style(lines, versions)
    if learnt.date_line:
        title: tuple[str, str | None] = (learnt.render(version, "2000-01-01")[0], "Unreleased")
    else:
        title = (f"{version} (unreleased)", None)
    return add_section(text, fmt, version, "", "- Nothing changed yet.", title=title)
