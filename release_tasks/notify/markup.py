"""A history section (Markdown or reStructuredText) as chat markup, trimmed.

Slack speaks its own "mrkdwn" (``*bold*``, ``<url|text>`` links, ``&<>`` escaped),
Mattermost and most other services Markdown. A changelog section is converted block by
block (headings, nested items, paragraphs, literal blocks and fences, admonitions) and
then inline (code, links, roles, emphasis), and cut after :data:`CHANGES_LIMIT` characters
or :data:`CHANGES_LINES` lines, because a channel is not the place for a whole changelog.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A channel message, not a changelog: the history section is cut after this much.
CHANGES_LIMIT = 2000
CHANGES_LINES = 25
ELLIPSIS = "…"

_BULLET = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*+•]|\d+[.)]|#\.)\s+(?P<text>\S.*)$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_ADORNMENT = re.compile(r"^\s*([=\-~^\"'`#*+<>:._])\1{2,}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_DIRECTIVE = re.compile(r"^\s*\.\.\s+([\w-]+)::\s*(.*)$")
_CODE_DIRECTIVES = {"code", "code-block", "sourcecode", "highlight"}
_ADMONITIONS = {"note", "warning", "attention", "caution", "danger", "error", "hint",
                "important", "tip", "deprecated", "versionadded", "versionchanged", "seealso"}
_STASH = "\ue000{}\ue001"
_STASHED = re.compile("\ue000(\\d+)\ue001")


def to_chat(text: str, fmt: str = "md", flavour: str = "slack", *,
            limit: int = CHANGES_LIMIT, max_lines: int = CHANGES_LINES) -> str:
    """A history section (Markdown or reStructuredText) as chat markup, trimmed.

    ``flavour`` "slack" gives Slack mrkdwn: ``•`` bullets, ``*bold*``, ``_italic_``,
    ```code```, ``<url|text>`` links, ``&<>`` escaped. "markdown" gives plain Markdown
    for services that render it. Wrapped lines are joined, because chat clients wrap.
    """
    lines = [_render(block, fmt, flavour) for block in _structure(text, fmt)]
    return _trim(lines, limit, max_lines)


def to_mrkdwn(text: str, fmt: str = "md") -> str:
    """A history section as Slack mrkdwn (see :func:`to_chat`)."""
    return to_chat(text, fmt, "slack")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


# A block of the section: (kind, level, text, marker). Kinds: "head", "item", "p",
# "code", "fence", "blank"; marker is an item's "1." (empty for bullets).
Block = tuple[str, int, str, str]


def _structure(text: str, fmt: str) -> list[Block]:
    """Split the section into blocks; items and paragraphs absorb their wrapped lines."""
    raw = text.expandtabs(4).split("\n")
    out: list[Block] = []
    joinable = False  # the last block is an item or paragraph a text line continues
    fence: str | None = None
    literal: int | None = None  # indentation of the rst literal block being copied
    expect_literal = False  # the previous paragraph ended with "::"
    skip_indent: int | None = None  # body of a directive left out (image, toctree...)
    item_indents: list[int] = []
    i = 0
    while i < len(raw):
        line = raw[i].rstrip()
        nxt = raw[i + 1].rstrip() if i + 1 < len(raw) else ""
        i += 1
        if fence is not None:
            if line.strip().startswith(fence):
                out.append(("fence", 0, "", ""))
                fence = None
            else:
                out.append(("code", 0, line, ""))
            continue
        if literal is not None:
            if not line.strip() or _indent(line) >= literal:
                out.append(("code", 0, line[literal:], ""))
                continue
            trailing_blank = out[-1][:3] == ("code", 0, "")
            while out and out[-1][:3] == ("code", 0, ""):
                out.pop()
            out.append(("fence", 0, "", ""))
            if trailing_blank:
                out.append(("blank", 0, "", ""))
            literal = None
        if skip_indent is not None:
            if not line.strip() or _indent(line) > skip_indent:
                continue
            skip_indent = None
        if not line.strip():
            if out and out[-1][0] != "blank":
                out.append(("blank", 0, "", ""))
            joinable = False
            continue
        if expect_literal:
            expect_literal = False
            if _indent(line) > 0:
                literal = _indent(line)
                out += [("fence", 0, "", ""), ("code", 0, line[literal:], "")]
                continue
        if _FENCE.match(line):
            fence = line.strip()[:3]
            out.append(("fence", 0, "", ""))
            joinable = False
            continue
        if _ADORNMENT.match(line):
            joinable = False
            continue  # an rst overline, or a rule
        heading = _MD_HEADING.match(line) if fmt == "md" else None
        if heading or (_ADORNMENT.match(nxt) and not _BULLET.match(line)
                       and len(nxt.strip()) >= min(3, len(line.strip()))):
            out.append(("head", 0, heading[1] if heading else line.strip(), ""))
            i += 0 if heading else 1
            joinable = False
            item_indents = []
            continue
        directive = _DIRECTIVE.match(line)
        if directive:
            name = directive[1].lower()
            joinable = False
            if name in _CODE_DIRECTIVES:
                expect_literal = True
            elif name in _ADMONITIONS:
                label = {"versionadded": "New in version", "versionchanged": "Changed in version",
                         "seealso": "See also"}.get(name, name.capitalize())
                out.append(("p", 0, f"**{label}:** {directive[2]}".rstrip(), ""))
                joinable = True
            else:
                skip_indent = _indent(line)
            continue
        item = _BULLET.match(line)
        words = item["text"] if item else line.strip()
        if fmt == "rst" and words.endswith("::"):
            # "Example::" is "Example:" and a literal block; "Example ::" drops both colons.
            expect_literal = True
            words = words[:-2].rstrip() + ("" if words.endswith(" ::") else ":")
            if words == ":":
                continue
        if item:
            indent = len(item["indent"])
            while item_indents and item_indents[-1] >= indent:
                item_indents.pop()
            marker = item["marker"] if item["marker"][0].isdigit() else ""
            out.append(("item", len(item_indents), words, marker))
            item_indents.append(indent)
            joinable = True
            continue
        if joinable and out:
            kind, level, body, marker = out[-1]
            out[-1] = (kind, level, f"{body} {words}", marker)
        else:
            level = sum(1 for n in item_indents if n < _indent(line))
            out.append(("p", level, words, ""))
            joinable = True
    if literal is not None or fence is not None:
        out.append(("fence", 0, "", ""))
    # Blank lines at the ends, or between the items of one list, only make it taller.
    tidy: list[Block] = []
    for n, block in enumerate(out):
        if block[0] == "blank" and (not tidy or n + 1 == len(out) or (
                tidy[-1][0] == "item" and out[n + 1][0] == "item")):
            continue
        tidy.append(block)
    return tidy


def _render(block: Block, fmt: str, flavour: str) -> str:
    kind, level, body, marker = block
    slack = flavour == "slack"
    if kind == "fence":
        return "```"
    if kind == "code":
        return _escape(body) if slack else body
    if kind == "blank":
        return ""
    text = _inline(body, fmt, flavour)
    if kind == "head":
        return f"*{text}*" if slack else f"**{text}**"
    if kind == "item":
        if slack:
            return "    " * level + f"{marker or ('•' if level == 0 else '◦')} {text}"
        return "   " * level + f"{marker or '-'} {text}"
    return ("    " if slack else "   ") * level + text


def _escape(text: str) -> str:
    """Slack's three control characters; nothing else is entity-encoded."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def chat_link(url: str, label: str | None, flavour: str) -> str:
    """A link in the service's markup; a label equal to the URL is left out."""
    if flavour == "slack":
        safe = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
        return f"<{safe}|{_escape(label)}>" if label and label != url else f"<{safe}>"
    return f"[{label}]({url})" if label and label != url else url


def _inline(text: str, fmt: str, flavour: str) -> str:
    """Inline markup: code, links, bold, italics; code and URLs are never reformatted.

    ``__x__`` is left alone: in a Python changelog it is far more often ``__init__``
    than bold.
    """
    slack = flavour == "slack"
    stash: list[str] = []

    def keep(rendered: str) -> str:
        stash.append(rendered)
        return _STASH.format(len(stash) - 1)

    def code(content: str) -> str:
        return keep(f"`{_escape(content) if slack else content}`")

    def link(url: str, label: str | None) -> str:
        if label is not None:
            label = _STASHED.sub(lambda m: _unstash(m, stash), label).strip("`")
        return keep(chat_link(url, label or None, flavour))

    # rst: ``code``, `text <url>`_, :role:`x`, `ref`_ ; md: `code`, [text](url), <url>.
    text = re.sub(r"``(.+?)``", lambda m: code(m[1]), text)
    text = re.sub(r"`([^`<>]*?)\s*<([^<>`\s]+)>`__?",
                  lambda m: link(m[2], m[1].strip() or None), text)
    text = re.sub(r":(?:[\w-]+:)+`([^`]+)`", lambda m: _role(m, keep, code), text)
    text = re.sub(r"`([^`]+)`__?", lambda m: m[1], text) if fmt == "rst" else text
    text = re.sub(r"`([^`]+)`", lambda m: code(m[1]), text)
    text = re.sub(r"!?\[([^\]]*)\]\(\s*<?([^()\s<>]+(?:\([^()\s]*\)[^()\s<>]*)?)>?"
                  r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)",
                  lambda m: link(m[2], m[1]), text)
    text = re.sub(r"<((?:https?|mailto):[^<>\s]+)>", lambda m: link(m[1], None), text)
    text = re.sub(r"(?<![\w/])https?://[^\s<>\ue000]+", lambda m: _bare_url(m[0], link), text)
    if slack:
        text = _escape(text)
    bold = "*" if slack else "**"
    italic = "_" if slack else "*"
    text = re.sub(r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])",
                  lambda m: keep(f"{bold}{m[1]}{bold}"), text)
    text = re.sub(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=\S)\*(?![\w*])",
                  lambda m: keep(f"{italic}{m[1]}{italic}"), text)
    while _STASHED.search(text):
        text = _STASHED.sub(lambda m: stash[int(m[1])], text)
    return text


def _unstash(m: re.Match[str], stash: list[str]) -> str:
    return stash[int(m[1])]


def _role(m: re.Match[str], keep: Callable[[str], str], code: Callable[[str], str]) -> str:
    """``:issue:`12``` → #12; ``:doc:`Title <path>``` → Title; other roles → code."""
    content = m[1]
    titled = re.fullmatch(r"(.*?)\s*<[^<>]+>", content)
    if titled and titled[1]:
        return titled[1]
    role = m[0].split("`", 1)[0].strip(":").split(":")[-1]
    if role in ("issue", "pr", "bug", "gh", "ghissue", "gh-issue", "pull"):
        return f"#{content.lstrip('#')}"
    return code(content.lstrip("~!"))


def _bare_url(url: str, link: Callable[[str, str | None], str]) -> str:
    """A plain URL, minus the sentence's punctuation after it."""
    trail = ""
    while url and (url[-1] in ".,;:!?'\"" or (url[-1] == ")" and
                                               url.count("(") < url.count(")"))):
        trail = url[-1] + trail
        url = url[:-1]
    return link(url, None) + trail


def _trim(lines: list[str], limit: int, max_lines: int) -> str:
    """At most ``max_lines`` lines and ``limit`` characters, cut at a line, then "…"."""
    text = "\n".join(lines).strip("\n")
    if len(text) <= limit and len(lines) <= max_lines:
        return text
    kept: list[str] = []
    size = 0
    for line in lines:
        if len(kept) >= max_lines - 1 or size + len(line) + 1 > limit - 5:
            break
        kept.append(line)
        size += len(line) + 1
    if not kept:  # one enormous first line: cut it at a space outside a link
        first = lines[0][: limit - 5]
        cut = first.rfind(" ")
        opened = first.rfind("<")
        if opened > first.rfind(">"):
            cut = min(cut, opened) if cut > 0 else opened
        kept = [first[:cut].rstrip() if cut > 0 else first]
    while kept and not kept[-1].strip():
        kept.pop()
    if sum(1 for line in kept if line == "```") % 2:
        kept.append("```")
    return "\n".join([*kept, ELLIPSIS])
