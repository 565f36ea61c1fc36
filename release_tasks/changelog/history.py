"""The history file as text: read and write it, find its headings and a version's section.

Both reStructuredText and Markdown are parsed: rst titles with an underline (and overline),
Markdown ATX (``## 1.2.0``) and setext (``1.2.0`` over ``-----``, as requests' HISTORY.md)
headings, and in either a bold line standing for a heading (``**4.3.0**``). Adding a section
is the job of the changelog formats (``changelog/formats.py``); this module only reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from release_tasks.changelog.markup import (
    BOLD_HEADING,
    DATE_LINE,
    MD_HEADING,
    MD_SETEXT,
    PLACEHOLDERS,
    RELEASED_LINE,
    RST_ADORNMENT,
    UNRELEASED_LINE,
    UNRELEASED_NAMES,
    UNRELEASED_WORDS,
)
from release_tasks.core.errors import HistoryError

_VERSIONISH = re.compile(r"\d+(?:\.\d+)+")
# A heading that is the document's, not a release's: where a README keeps its changelog.
_CHANGELOG_TITLE = re.compile(r"^[\W_]*(changelog|change ?log|changes|history|release notes"
                              r"|release history|news|what'?s new)[\W_]*$", re.I)


@dataclass(frozen=True)
class Heading:
    start: int  # first line (the overline, if any)
    title_line: int
    end: int  # line after the heading
    title: str
    char: str = ""  # rst adornment character
    overline: bool = False
    level: int = 0  # md heading level
    kind: str = ""  # "rst", "atx", "setext" or "bold": how a twin of it is written

    @property
    def unreleased(self) -> bool:
        return bool(UNRELEASED_WORDS.search(self.title) or UNRELEASED_NAMES.match(self.title))

    def is_version(self) -> bool:
        """A release's heading: it names a version, or stands for the next one."""
        return bool(_VERSIONISH.search(self.title)) or self.unreleased


def file_format(path: Path, text: str) -> str:
    if path.suffix.lower() in {".md", ".markdown"}:
        return "md"
    if path.suffix.lower() == ".rst":
        return "rst"
    return "md" if any(MD_HEADING.match(line) for line in text.splitlines()) else "rst"


def read(path: Path) -> str:
    """The file's text with ``\n`` line ends (see :func:`write` for the way back)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise HistoryError(f"{path.name} is not UTF-8 text", "convert it to UTF-8") from None


def line_end(path: Path) -> str:
    """``\r\n`` for a file written on Windows, else ``\n``: what new lines must follow."""
    try:
        raw = path.read_bytes()
    except OSError:
        return "\n"
    crlf = raw.count(b"\r\n")
    return "\r\n" if crlf and crlf * 2 >= raw.count(b"\n") else "\n"


def write(path: Path, text: str, eol: str = "\n") -> None:
    """Write ``text`` (``\n`` line ends) back with the line ends the file had."""
    path.write_bytes(text.replace("\n", eol).encode("utf-8"))


def headings(text: str, fmt: str) -> list[Heading]:
    lines = text.split("\n")
    found: list[Heading] = []
    if fmt == "md":
        fence = False
        for i, line in enumerate(lines):
            if line.lstrip().startswith(("```", "~~~")):
                fence = not fence
            if fence:
                continue
            m = MD_HEADING.match(line)
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if m:
                found.append(Heading(start=i, title_line=i, end=i + 1, title=m.group(2),
                                     level=len(m.group(1)), kind="atx"))
            elif (line.strip() and MD_SETEXT.match(nxt) and not MD_SETEXT.match(line)
                  and not line.startswith((" ", "-", "*", "+", ">"))
                  and (i == 0 or not lines[i - 1].strip())):
                found.append(Heading(start=i, title_line=i, end=i + 2, title=line.strip(),
                                     char=nxt.strip()[0], level=1 if nxt[0] == "=" else 2,
                                     kind="setext"))
            elif BOLD_HEADING.match(line):
                found.append(Heading(start=i, title_line=i, end=i + 1, title=line.strip(),
                                     level=7, kind="bold"))
        return _bold_unreleased(lines, found)
    i = 0
    while i < len(lines) - 1:
        title, under = lines[i], lines[i + 1]
        m = RST_ADORNMENT.match(under)
        if (m and title.strip() and not RST_ADORNMENT.match(title)
                and len(under.rstrip()) >= min(len(title.rstrip()), 3)):
            over = i > 0 and lines[i - 1].rstrip() == under.rstrip()
            found.append(Heading(start=i - 1 if over else i, title_line=i, end=i + 2,
                                 title=title.strip(), char=m.group(1), overline=over,
                                 kind="rst"))
            i += 2
            continue
        if BOLD_HEADING.match(title):
            found.append(Heading(start=i, title_line=i, end=i + 1, title=title.strip(),
                                 kind="bold"))
        i += 1
    return _bold_unreleased(lines, found)


_BOLD_LINE = re.compile(r"^\*\*([^*]+)\*\*\s*$")


def _bold_unreleased(lines: list[str], found: list[Heading]) -> list[Heading]:
    """Where bold lines are the file's release headings (``**4.14.2**``), a bold
    ``**UNRELEASED**`` line is one too: the section of the next release (anyio)."""
    like = next((h for h in found if h.kind == "bold"), None)
    if like is None:
        return found
    taken = {h.title_line for h in found}
    more = [Heading(start=i, title_line=i, end=i + 1, title=line.strip(), level=like.level,
                    kind="bold")
            for i, line in enumerate(lines)
            if i not in taken and (m := _BOLD_LINE.match(line))
            and (UNRELEASED_LINE.match(m.group(1).strip())
                 or UNRELEASED_NAMES.match(m.group(1).strip()))]
    return sorted([*found, *more], key=lambda h: h.start) if more else found


def render_heading(like: Heading, title: str) -> list[str]:
    """The lines of a heading titled ``title`` written the way ``like`` is."""
    if like.kind == "atx":
        return ["#" * like.level + " " + title]
    if like.kind == "bold":
        return [title]
    rule = like.char * len(title)
    return [rule, title, rule] if like.overline else [title, rule]


def _rst_heading(title: str, char: str, overline: bool) -> list[str]:
    rule = char * len(title)
    return [rule, title, rule] if overline else [title, rule]


def mentions(title: str, version: str) -> bool:
    return _mentions(title, version)


def title_for(version: str, date: str) -> str:
    return f"{version} ({date})"


def section_exists(text: str, fmt: str, version: str) -> bool:
    """True when a dated (not "unreleased") section for ``version`` is already there."""
    lines = text.split("\n")
    return any(_mentions(h.title, version) and not undated(lines, h)
               for h in headings(text, fmt))


def first_body_line(lines: list[str], h: Heading) -> int | None:
    """The index of the first non-blank line under ``h`` (within the next three)."""
    for i in range(h.end, min(h.end + 3, len(lines))):
        if lines[i].strip():
            return i
    return None


def undated(lines: list[str], h: Heading) -> bool:
    """A section still waiting for its release: ``1.2.0 (unreleased)``, or Pallets'
    ``Version 1.2.0`` with an ``Unreleased`` line under it."""
    if h.unreleased:
        return True
    at = first_body_line(lines, h)
    return at is not None and bool(UNRELEASED_LINE.match(lines[at].strip()))


def is_date_line(line: str) -> bool:
    """A line that dates the section above it (``Released 2024-02-02``, ``*2024-03-01*``):
    part of the heading, not a note, and never a list item."""
    s = line.strip()
    return bool(RELEASED_LINE.match(s) or DATE_LINE.match(s))


def _readme_span(path: Path, text: str, fmt: str) -> tuple[int, int] | None:
    """The lines of a README's changelog section ("Changelog", "History", "Release notes")."""
    if not path.name.lower().startswith("readme"):
        return None
    hs = headings(text, fmt)
    for n, h in enumerate(hs):
        if not _CHANGELOG_TITLE.match(h.title):
            continue
        same = [x for x in hs[n + 1:] if (x.level <= h.level if h.kind in ("atx", "setext")
                                           else x.char == h.char and x.overline == h.overline)]
        return h.start, same[0].start if same else len(text.split("\n"))
    return None


def scope(path: Path, text: str, fmt: str) -> tuple[str, str, str]:
    """``text`` as (before, the history, after): a README keeps its changelog as one
    section, and only that part is history (its other headings may name versions too)."""
    span = _readme_span(path, text, fmt)
    if span is None:
        return "", text, ""
    lines = text.split("\n")
    start, stop = span
    head = "\n".join(lines[:start]) + "\n" if start else ""
    part = "\n".join(lines[start:stop]) + ("\n" if stop < len(lines) else "")
    return head, part, "\n".join(lines[stop:])


def has_changelog_section(path: Path) -> bool:
    """Does this README keep its changelog as a section of its own? A "History" or "News"
    section is one only when it has releases in it: it may tell the project's story."""
    text = read(path)
    fmt = file_format(path, text)
    span = _readme_span(path, text, fmt)
    if span is None:
        return False
    part = "\n".join(text.split("\n")[span[0]:span[1]])
    found = headings(part, fmt)
    return bool(re.search(r"change ?log|release", found[0].title, re.I)) or any(
        h.is_version() for h in found[1:])


def _mentions(title: str, version: str) -> bool:
    # "v1.2.0" names 1.2.0 too; "dev1.2.0" or "11.2.0" do not.
    return bool(re.search(rf"(?:(?<![\w.])|(?<=(?<![\w.])[vV])){re.escape(version)}(?![\w]|\.\d)",
                          title))


def section_body(text: str, fmt: str, version: str) -> str:
    """The text of ``version``'s section (without its heading), comments left out."""
    all_headings = headings(text, fmt)
    lines = text.split("\n")
    for n, h in enumerate(all_headings):
        if _mentions(h.title, version):
            following = [x for x in all_headings[n + 1:]
                         if x.is_version() or (fmt == "md" and x.level <= h.level)
                         or (fmt == "rst" and x.char == h.char)]
            stop = following[0].start if following else len(lines)
            body = lines[h.end:stop]
            at = first_body_line(lines, h)
            if at is not None and at < stop and (is_date_line(lines[at])
                                                 or UNRELEASED_LINE.match(lines[at].strip())):
                body = lines[at + 1:stop]  # Pallets' "Released 2024-02-02": not a note
            return "\n".join(_without_comments(body, fmt)).strip()
    return ""


def _without_comments(lines: list[str], fmt: str) -> list[str]:
    out = []
    in_comment = False
    for line in lines:
        if fmt == "md":
            stripped = re.sub(r"<!--.*?-->", "", line)
            if "<!--" in stripped:
                in_comment = True
                stripped = stripped.split("<!--")[0]
            if in_comment:
                if "-->" in line:
                    in_comment = False
                    stripped = line.split("-->", 1)[1]
                else:
                    continue
            out.append(stripped)
        else:
            if line.startswith(".. ") and "::" not in line:
                in_comment = True
                continue
            if in_comment and (line.startswith((" ", "\t")) or not line.strip()):
                if not line.strip():
                    in_comment = False
                continue
            in_comment = False
            out.append(line)
    return [line for line in out if not PLACEHOLDERS.match(line.strip())]


def bullet(text: str) -> str:
    """The list marker the file uses most (``- ``, ``* ``, Pallets' ``-   ``), for drafts."""
    counts: dict[str, int] = {}
    for m in re.finditer(r"^([-*+]\s+)\S", text, re.M):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "- "
