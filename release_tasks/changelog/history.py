"""The history file: find it, add the new version's section in the file's own style.

reStructuredText and Markdown are both handled. The new section ``X.Y.Z (YYYY-MM-DD)``
goes above the newest version section, with the same heading style (rst underline
character and overline, md heading level). A header on top (cookiecutter-pypackage's
``.. :changelog:`` and ``History`` title) stays on top. A zest.releaser-style
``X.Y.Z (unreleased)`` section is dated in place instead of getting a twin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from release_tasks.core.errors import HistoryError

_RST_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+<>:._])\1{2,}\s*$")
_VERSIONISH = re.compile(r"\d+(?:\.\d+)+|\bunreleased\b", re.I)
_UNRELEASED = re.compile(r"\bunreleased\b", re.I)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
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
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise HistoryError(f"{path.name} is not UTF-8 text", "convert it to UTF-8") from None


def headings(text: str, fmt: str) -> list[Heading]:
    lines = text.split("\n")
    found: list[Heading] = []
    if fmt == "md":
        fence = False
        for i, line in enumerate(lines):
            if line.lstrip().startswith(("```", "~~~")):
                fence = not fence
            m = None if fence else _MD_HEADING.match(line)
            if m:
                found.append(Heading(start=i, title_line=i, end=i + 1, title=m.group(2),
                                     level=len(m.group(1))))
        return found
    i = 0
    while i < len(lines) - 1:
        title, under = lines[i], lines[i + 1]
        m = _RST_ADORNMENT.match(under)
        if (m and title.strip() and not _RST_ADORNMENT.match(title)
                and len(under.rstrip()) >= min(len(title.rstrip()), 3)):
            over = i > 0 and lines[i - 1].rstrip() == under.rstrip()
            found.append(Heading(start=i - 1 if over else i, title_line=i, end=i + 2,
                                 title=title.strip(), char=m.group(1), overline=over))
            i += 2
            continue
        i += 1
    return found


def _rst_heading(title: str, char: str, overline: bool) -> list[str]:
    rule = char * len(title)
    return [rule, title, rule] if overline else [title, rule]


def title_for(version: str, date: str) -> str:
    return f"{version} ({date})"


def section_exists(text: str, fmt: str, version: str) -> bool:
    """True when a dated (not "unreleased") section for ``version`` is already there."""
    return any(_mentions(h.title, version) and not h.unreleased for h in headings(text, fmt))


def _mentions(title: str, version: str) -> bool:
    return bool(re.search(rf"(?<![\w.]){re.escape(version)}(?![\w]|\.\d)", title))


def add_section(text: str, fmt: str, title: str, notes: str | None = None) -> str:
    """Return ``text`` with a new top section headed ``title`` (``1.2.0 (2025-01-31)``).

    An "unreleased" top section is renamed to ``title`` instead, keeping its notes.
    """
    lines = text.split("\n")
    all_headings = headings(text, fmt)
    versions = [h for h in all_headings if h.is_version()]
    body = notes.strip("\n").split("\n") if notes and notes.strip() else []
    if versions and versions[0].unreleased:
        h = versions[0]
        if fmt == "md":
            new_heading = ["#" * h.level + " " + title]
        else:
            new_heading = _rst_heading(title, h.char, h.overline)
        rest = lines[h.end:]
        existing = _strip_placeholders(rest, versions[1].start - h.end if len(versions) > 1
                                       else len(rest))
        if body:
            existing = _append_notes(existing, body)
        return "\n".join(lines[:h.start] + new_heading + existing)
    if versions:
        h = versions[0]
        if fmt == "md":
            new_heading = ["#" * h.level + " " + title]
        else:
            new_heading = _rst_heading(title, h.char, h.overline)
        block = [*new_heading, "", *body, ""] if body else [*new_heading, "", ""]
        return "\n".join(lines[:h.start] + block + lines[h.start:])
    # No version section yet: go below the document title, if there is one.
    top = all_headings[0] if all_headings else None
    if fmt == "md":
        level = (top.level + 1) if top else 2
        new_heading = ["#" * min(level, 6) + " " + title]
    else:
        used = {top.char} if top else set()
        char = next(c for c in _RST_UNDERLINE_ORDER if c not in used)
        new_heading = _rst_heading(title, char, False)
    if top is not None:
        # After the title and its introduction: before the next heading, or at the end.
        at = all_headings[1].start if len(all_headings) > 1 else len(lines)
        while at > top.end and not lines[at - 1].strip():
            at -= 1
    else:
        at = 0
        while at < len(lines) and (lines[at].startswith("..") or not lines[at].strip()):
            at += 1
    block = [*new_heading, "", *body, ""] if body else [*new_heading, "", ""]
    head = lines[:at]
    if head and head[-1].strip():
        head.append("")
    return "\n".join(head + block + lines[at:]).rstrip("\n") + "\n"


def _strip_placeholders(rest: list[str], section_len: int) -> list[str]:
    section = rest[:section_len]
    kept = [line for line in section if not _PLACEHOLDERS.match(line.strip())]
    return kept + rest[section_len:]


def _append_notes(rest_of_file: list[str], notes: list[str]) -> list[str]:
    """Put ``notes`` after the existing body lines of an unreleased section."""
    # Find where the section's non-blank content ends (before the next heading).
    i = 0
    last_content = -1
    while i < len(rest_of_file):
        line = rest_of_file[i]
        nxt = rest_of_file[i + 1] if i + 1 < len(rest_of_file) else ""
        if line.strip() and (_MD_HEADING.match(line) or (_RST_ADORNMENT.match(nxt)
                             and not _RST_ADORNMENT.match(line))):
            break
        if line.strip():
            last_content = i
        i += 1
    insert_at = last_content + 1
    bullets = re.compile(r"^\s*[-*+] ")
    same_list = (last_content >= 0 and bullets.match(rest_of_file[last_content])
                 and bullets.match(notes[0]))
    block = notes if same_list else ["", *notes]
    return rest_of_file[:insert_at] + block + rest_of_file[insert_at:]


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


def unreleased_section(text: str, fmt: str, version: str) -> str:
    """``text`` with a new ``version (unreleased)`` section on top, for the next cycle."""
    return add_section(text, fmt, f"{version} (unreleased)", "- Nothing changed yet.")
