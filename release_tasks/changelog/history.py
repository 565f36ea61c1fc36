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

from release_tasks.core.errors import HistoryError

_RST_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+<>:._])\1{2,}\s*$")
_VERSIONISH = re.compile(r"\d+(?:\.\d+)+|\bunreleased\b", re.I)
_UNRELEASED = re.compile(r"\bunreleased\b", re.I)
_DATE_LINE = re.compile(r"^(released|release date|date)\b[:\s].*\d", re.I)
_UNRELEASED_LINE = re.compile(r"^(unreleased|not released yet|in development)\.?$", re.I)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^(=+|-+)\s*$")
# A line that is only a bold version (and maybe a date): a heading in all but name.
_BOLD_HEADING = re.compile(r"^\*\*\[?v?\d+(?:\.\d+)+[^*]*\*\*.*$")
# Lines that mean "nothing here yet" (zest.releaser writes the first one).
_PLACEHOLDERS = re.compile(r"^[-*+]?\s*(nothing changed yet\.?|no changes yet\.?|tbd\.?|\.\.\.)$",
                           re.I)
_RST_UNDERLINE_ORDER = "=-~^+*\"'`#:._<>"


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
        return bool(_UNRELEASED.search(self.title))

    def is_version(self) -> bool:
        return bool(_VERSIONISH.search(self.title))


def file_format(path: Path, text: str) -> str:
    if path.suffix.lower() in {".md", ".markdown"}:
        return "md"
    if path.suffix.lower() == ".rst":
        return "rst"
    return "md" if any(_MD_HEADING.match(line) for line in text.splitlines()) else "rst"


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
            m = _MD_HEADING.match(line)
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if m:
                found.append(Heading(start=i, title_line=i, end=i + 1, title=m.group(2),
                                     level=len(m.group(1)), kind="atx"))
            elif (line.strip() and _MD_SETEXT.match(nxt) and not _MD_SETEXT.match(line)
                  and not line.startswith((" ", "-", "*", "+", ">"))
                  and (i == 0 or not lines[i - 1].strip())):
                found.append(Heading(start=i, title_line=i, end=i + 2, title=line.strip(),
                                     char=nxt.strip()[0], level=1 if nxt[0] == "=" else 2,
                                     kind="setext"))
            elif _BOLD_HEADING.match(line):
                found.append(Heading(start=i, title_line=i, end=i + 1, title=line.strip(),
                                     level=7, kind="bold"))
        return found
    i = 0
    while i < len(lines) - 1:
        title, under = lines[i], lines[i + 1]
        m = _RST_ADORNMENT.match(under)
        if (m and title.strip() and not _RST_ADORNMENT.match(title)
                and len(under.rstrip()) >= min(len(title.rstrip()), 3)):
            over = i > 0 and lines[i - 1].rstrip() == under.rstrip()
            found.append(Heading(start=i - 1 if over else i, title_line=i, end=i + 2,
                                 title=title.strip(), char=m.group(1), overline=over,
                                 kind="rst"))
            i += 2
            continue
        if _BOLD_HEADING.match(title):
            found.append(Heading(start=i, title_line=i, end=i + 1, title=title.strip(),
                                 kind="bold"))
        i += 1
    return found


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
    return at is not None and bool(_UNRELEASED_LINE.match(lines[at].strip()))


def _mentions(title: str, version: str) -> bool:
    return bool(re.search(rf"(?<![\w.]){re.escape(version)}(?![\w]|\.\d)", title))


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
            if at is not None and at < stop and (_DATE_LINE.match(lines[at].strip())
                                                 or _UNRELEASED_LINE.match(lines[at].strip())):
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
    return [line for line in out if not _PLACEHOLDERS.match(line.strip())]


def bullet(text: str) -> str:
    """The list marker the file uses most (``- ``, ``* ``, Pallets' ``-   ``), for drafts."""
    counts: dict[str, int] = {}
    for m in re.finditer(r"^([-*+]\s+)\S", text, re.M):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "- "
