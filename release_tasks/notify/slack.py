"""Telling the team: a message to a Slack incoming webhook (or Mattermost, Rocket.Chat).

The webhook URL is a secret: anyone holding it can post to the channel. It comes only
from the environment variable named by ``slack_webhook_env`` (``SLACK_WEBHOOK_URL`` by
default) or, when that is unset, the system keyring (service ``release_tasks``, user
``slack_webhook_url``), never from a config file or the command line. It is registered
for redaction the moment it is read, and every message built here shows it through
:func:`redact.redact_webhook` only.

The message says what was released and links the docs and the index page when they are
known, followed by the new history section converted to Slack mrkdwn (or Markdown, for
services that speak it) and trimmed, because a channel is not the place for a whole
changelog. Posting is retried on 429, 5xx, timeouts and network errors, honouring
``Retry-After``, within a total time budget: a release must not hang on a chat service.

This module knows nothing of the CLI; :class:`release_tasks.steps.Notify` gathers the
facts and calls :func:`payload` and :func:`post`.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from release_tasks.core import redact
from release_tasks.core.config import Config
from release_tasks.core.errors import NotifyError

KEYRING_SERVICE = "release_tasks"
# All attempts and waits together, in seconds, unless ``slack_timeout`` says otherwise.
TOTAL_BUDGET = 30.0
# One attempt never waits longer than this for an answer (or a third of the budget).
ATTEMPT_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0
MAX_ATTEMPTS = 5
FIRST_BACKOFF = 1.0  # doubled after each failed attempt without a Retry-After
MIN_ATTEMPT = 0.5  # an attempt with less time than this left is not worth starting
# A channel message, not a changelog: the history section is cut after this much.
CHANGES_LIMIT = 2000
CHANGES_LINES = 25
ELLIPSIS = "…"

FIELDS = ("name", "version", "changes", "docs_url", "index_url")
TEMPLATE_FIELDS = (*FIELDS, "text")  # webhook_template also gets the whole message
_FIELD = re.compile(r"\{(\w*)\}")


# --- where the webhook URL comes from ----------------------------------------------------


def keyring_user(config: Config) -> str:
    """The keyring entry's user name: the environment variable's name, lower-cased."""
    return config.slack_webhook_env.lower()


def webhook_url(config: Config) -> str | None:
    """The webhook URL from the environment, else the keyring; registered for redaction."""
    url = os.environ.get(config.slack_webhook_env, "").strip()
    redact.register(url)
    if not url:
        url = _from_keyring(keyring_user(config)) or ""
    return url or None


def webhook_source(config: Config) -> str:
    """Where :func:`webhook_url` found the URL, for messages: never the URL itself."""
    if os.environ.get(config.slack_webhook_env, "").strip():
        return config.slack_webhook_env
    return f"the keyring ({KEYRING_SERVICE}/{keyring_user(config)})"


def shown(url: str) -> str:
    """The URL as it may be printed (``https://hooks.slack.com/services/T…/…/***``)."""
    try:
        return redact.redact_webhook(url)
    except ValueError:  # an unparseable port or host: show nothing of it
        return "(an unparseable webhook URL)"


def missing(config: Config) -> str:
    """Why there is no webhook, naming both places that were looked at."""
    return (f"{config.slack_webhook_env} is not set and the keyring has no "
            f"{KEYRING_SERVICE}/{keyring_user(config)} entry")


def _from_keyring(user: str) -> str | None:
    """The keyring entry, or None when there is none or no usable keyring at all.

    A keyring backend can fail in many ways (no backend, a locked or absent D-Bus
    service, a broken PYTHON_KEYRING_BACKEND): any of them means "no webhook here",
    never a crash of the release.
    """
    try:
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, user)
    except Exception:
        return None
    value = (value or "").strip()
    redact.register(value)
    return value or None


# --- checks before anything changes -----------------------------------------------------


def budget(config: Config) -> float:
    """The total seconds the notification may take, retries included."""
    if config.slack_timeout is None:
        return TOTAL_BUDGET
    return float(config.slack_timeout)


def problems(config: Config, url: str | None) -> list[str]:
    """What would make the notification fail for sure: found before the release starts."""
    found: list[str] = []
    if url is not None:
        try:
            parts = urlsplit(url)
            usable = parts.scheme in ("http", "https") and bool(parts.hostname) and \
                (parts.port or 1) > 0 and not re.search(r"\s", url)
        except ValueError:
            usable = False
        if not usable:
            found.append(f"the webhook URL in {webhook_source(config)} is not an http(s) URL "
                         "(expected https://hooks.slack.com/services/…; fix it, or "
                         "--skip-notify)")
    if config.slack_timeout is not None:
        try:
            seconds = float(config.slack_timeout)
        except ValueError:
            seconds = math.nan
        if not 0 < seconds <= 600:
            found.append(f"slack_timeout = {config.slack_timeout!r} is not a number of seconds "
                         "between 0 and 600 (fix it in "
                         f"{config.source_of('slack_timeout')})")
    if config.slack_template:
        unknown = unknown_fields(config.slack_template, FIELDS)
        if unknown:
            found.append(f"slack_template uses unknown {_fields_text(unknown)} (known: "
                         f"{', '.join('{' + f + '}' for f in FIELDS)})")
    if config.webhook_template:
        try:
            template = json.loads(config.webhook_template)
        except ValueError as e:
            found.append(f"webhook_template is not valid JSON: {e} (fix it in "
                         f"{config.source_of('webhook_template')})")
        else:
            if not isinstance(template, dict):
                found.append("webhook_template must be a JSON object, like "
                             '{"text": "{text}"}')
            else:
                unknown = sorted({f for s in _strings(template)
                                  for f in unknown_fields(s, TEMPLATE_FIELDS)})
                if unknown:
                    found.append(f"webhook_template uses unknown {_fields_text(unknown)} "
                                 f"(known: {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)})")
    return found


def warnings(url: str | None) -> list[str]:
    """What works but deserves a word: a secret sent in clear text."""
    if url is None:
        return []
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        return [f"the webhook {shown(url)} is plain http: its secret "
                "travels unencrypted (use https)"]
    return []


def unknown_fields(template: str, known: tuple[str, ...]) -> list[str]:
    """Placeholders in ``template`` that are not in ``known``, so a typo fails early."""
    return sorted({m[1] for m in _FIELD.finditer(template) if m[1] not in known})


def _fields_text(fields: list[str]) -> str:
    names = ", ".join("{" + f + "}" for f in fields)
    return f"placeholder{'s' if len(fields) > 1 else ''} {names}"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{field}`` placeholders; other braces (JSON, code) are left alone."""
    return _FIELD.sub(lambda m: values.get(m[1], m[0]), template)


# --- the message -------------------------------------------------------------------------


def flavour_for(url: str | None) -> str:
    """Which markup the service renders: Slack mrkdwn, or Markdown for Mattermost.

    Mattermost takes Slack's payload and its ``<url|text>`` links, but shows Slack's
    ``*bold*`` as italics; its webhook URLs are ``/hooks/`` and a 26-character id.
    """
    path = urlsplit(url or "").path
    return "markdown" if re.fullmatch(r"/hooks/[a-z0-9]{26}/?", path) else "slack"


def payload(config: Config, name: str, version: str, *, changes: str = "",
            changes_format: str = "md", docs_url: str | None = None,
            index_url: str | None = None, flavour: str = "slack") -> dict[str, Any]:
    """The JSON body to post: Slack's ``text``/``channel``/``username``/``icon_emoji``.

    ``changes`` is the history section as written (``changes_format`` "md" or "rst").
    With ``webhook_template`` set, the body is that template with its placeholders
    filled (in Markdown, which most other services render) instead.
    """
    if config.webhook_template:
        values = _values(config, name, version, changes, changes_format, docs_url,
                         index_url, "markdown")
        try:
            template = json.loads(config.webhook_template)
        except ValueError as e:
            raise NotifyError(f"webhook_template is not valid JSON: {e}",
                              f"fix it in {config.source_of('webhook_template')}") from None
        if not isinstance(template, dict):
            raise NotifyError("webhook_template must be a JSON object",
                              'write it like {"text": "{text}"}')
        return dict(_fill_json(template, values))
    values = _values(config, name, version, changes, changes_format, docs_url, index_url,
                     flavour)
    data: dict[str, Any] = {"text": values["text"]}
    if config.slack_channel:
        data["channel"] = config.slack_channel
    if config.slack_username:
        data["username"] = config.slack_username
    if config.slack_icon_emoji:
        emoji = config.slack_icon_emoji.strip()
        data["icon_emoji"] = emoji if emoji.startswith(":") else f":{emoji.strip(':')}:"
    return data


def _values(config: Config, name: str, version: str, changes: str, changes_format: str,
            docs_url: str | None, index_url: str | None, flavour: str) -> dict[str, str]:
    values = {"name": name, "version": version,
              "changes": to_chat(changes, changes_format, flavour) if changes.strip() else "",
              "docs_url": docs_url or "", "index_url": index_url or ""}
    if config.slack_template:
        values["text"] = fill(config.slack_template, values).strip()
    else:
        values["text"] = default_text(values, flavour)
    return values


def preview(data: Mapping[str, Any]) -> str:
    """The payload as a person reads it (``--dry-run``): indented JSON, text unescaped."""
    return json.dumps(data, indent=2, ensure_ascii=False)


def default_text(values: Mapping[str, str], flavour: str = "slack") -> str:
    """ "Deployed version 1.2.3 of ourpackage", the links, then the changes."""
    lines = [f"Deployed version {values['version']} of {values['name']}"]
    links = [_link(values[key], label, flavour)
             for key, label in (("docs_url", "Documentation"), ("index_url", "Package index"))
             if values.get(key)]
    if links:
        lines.append(" · ".join(links))
    if values.get("changes"):
        lines += ["", values["changes"]]
    return "\n".join(lines)


def _fill_json(value: Any, values: Mapping[str, str]) -> Any:
    """Fill placeholders inside the template's strings, so the result is always JSON."""
    if isinstance(value, str):
        return fill(value, values)
    if isinstance(value, dict):
        return {k: _fill_json(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_json(v, values) for v in value]
    return value


# --- history text to chat markup ---------------------------------------------------------

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


def _link(url: str, label: str | None, flavour: str) -> str:
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
        return keep(_link(url, label or None, flavour))

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


# --- posting -----------------------------------------------------------------------------


class _RedactingFilter(logging.Filter):
    """Scrub the webhook secret from urllib3's debug lines (``fab --debug``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = _RedactingFilter()
_HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry",
                 "urllib3.poolmanager", "requests")


def _guard_http_logs() -> None:
    """urllib3 logs each request line, path and all, when debug logging is on."""
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


# Slack's error strings: (what went wrong, what to do). {channel}, {source} are filled in.
_SLACK_ERRORS: dict[str, tuple[str, str]] = {
    "invalid_payload": (
        "the webhook refused the message as malformed (invalid_payload)",
        "check slack_template/webhook_template; `fab notify_slack --dry-run` shows the payload"),
    "no_text": (
        "the message has no text (no_text)",
        "slack_template produced an empty message: put some words in it"),
    "channel_not_found": (
        "channel {channel} does not exist or the webhook may not post there "
        "(channel_not_found)",
        "fix slack_channel, or unset it to post to the webhook's own channel"),
    "channel_is_archived": (
        "channel {channel} is archived (channel_is_archived)",
        "unarchive the channel, or set slack_channel to a live one"),
    "no_service": (
        "the webhook was disabled or removed (no_service)",
        "create a new incoming webhook and put its URL in {source}"),
    "no_service_id": (
        "the webhook URL is incomplete (no_service_id)",
        "copy the whole URL again into {source}"),
    "no_team": (
        "the webhook's workspace is gone (no_team)",
        "create a new incoming webhook and put its URL in {source}"),
    "team_disabled": (
        "the webhook's Slack workspace is disabled (team_disabled)",
        "create a webhook in a live workspace and put its URL in {source}"),
    "invalid_token": (
        "the webhook's token is invalid or revoked (invalid_token)",
        "create a new incoming webhook and put its URL in {source}"),
    "action_prohibited": (
        "a workspace admin has restricted posting with this webhook (action_prohibited)",
        "ask a Slack admin to allow it, or use another webhook"),
    "posting_to_general_channel_denied": (
        "only admins may post to channel {channel} (posting_to_general_channel_denied)",
        "set slack_channel to another channel"),
    "user_not_found": (
        "the user the webhook posts to does not exist (user_not_found)",
        "fix slack_channel"),
    "too_many_attachments": (
        "the message has too many attachments (too_many_attachments)",
        "simplify webhook_template"),
}


class _Failure(Exception):
    """One failed attempt: a NotifyError to raise, and whether trying again may help."""

    def __init__(self, error: NotifyError, retry: bool = False,
                 wait: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry = retry
        self.wait = wait  # seconds the server asked for (Retry-After)


def post(url: str, data: Mapping[str, Any], *, source: str = "SLACK_WEBHOOK_URL",
         budget: float = TOTAL_BUDGET, again: str = "fab notify_slack",
         progress: Callable[[str], None] | None = None) -> int:
    """Post ``data`` as JSON to the webhook; returns the number of attempts it took.

    429, 5xx, timeouts and network errors are retried with exponential backoff (or what
    ``Retry-After`` asks) for at most ``budget`` seconds in all. Anything else raises a
    :class:`NotifyError` saying what to fix at once. ``source`` names where the URL came
    from and ``again`` the command that retries, for hints; the URL itself only ever
    appears redacted.
    """
    import requests

    redact.register(url)
    _guard_http_logs()
    where = shown(url)
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "release_tasks"}
    channel = str(data.get("channel") or "") or "(the webhook's default)"
    started = time.monotonic()
    deadline = started + budget
    backoff = FIRST_BACKOFF
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        timeout = max(MIN_ATTEMPT, min(ATTEMPT_TIMEOUT, budget / 3, remaining))
        try:
            try:
                response = requests.post(url, data=body, headers=headers,
                                         timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
                                         allow_redirects=False)
            except requests.RequestException as e:
                raise _Failure(NotifyError(
                    f"cannot reach the webhook {where}: {_network_reason(e)}",
                    "check the network and the webhook URL's host"), retry=True) from None
            _judge(response, where, channel, source)
            return attempt
        except _Failure as failure:
            wait = failure.wait if failure.wait is not None else backoff
            backoff *= 2
            elapsed = time.monotonic() - started
            if not failure.retry:
                raise failure.error from None
            if failure.wait is not None and failure.wait > budget:
                raise NotifyError(
                    f"{failure.error.message}; it asked to wait {failure.wait:.0f} s "
                    f"(Retry-After), more than the {budget:.0f} s allowed",
                    f"run `{again}` again later") from None
            if attempt >= MAX_ATTEMPTS or time.monotonic() + wait + MIN_ATTEMPT > deadline:
                tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                raise NotifyError(f"{failure.error.message} ({tries} in {elapsed:.0f} s)",
                                  f"run `{again}` again later; {failure.error.hint}") from None
            if progress is not None:
                progress(f"attempt {attempt} failed ({_short(failure.error.message)}); "
                         f"retrying in {wait:.1f} s")
            time.sleep(wait)


def _short(message: str) -> str:
    return message.split(": ", 1)[-1] if message.startswith("cannot reach") else message


def _network_reason(error: Exception) -> str:
    """What went wrong on the network, in words that never include the URL."""
    import requests

    if isinstance(error, requests.ConnectTimeout):
        return "the connection timed out"
    if isinstance(error, requests.Timeout):
        return "no answer in time (timed out)"
    if isinstance(error, requests.exceptions.SSLError):
        return "the TLS handshake failed (certificate?)"
    text = str(error)
    for marker, words in (("Connection refused", "connection refused"),
                          ("Name or service not known", "the host name does not resolve"),
                          ("Failed to resolve", "the host name does not resolve"),
                          ("nodename nor servname", "the host name does not resolve"),
                          ("No route to host", "no route to host"),
                          ("Connection reset", "the connection was reset"),
                          ("RemoteDisconnected", "the server closed the connection")):
        if marker in text:
            return words
    return type(error).__name__


def _judge(response: Any, where: str, channel: str, source: str) -> None:
    """Raise a :class:`_Failure` unless the answer means "posted".

    Any 2xx is success (Slack and Mattermost say "ok", Rocket.Chat JSON, others nothing),
    unless a JSON answer says ``"ok": false`` or ``"success": false``.
    """
    status = int(response.status_code)
    text = (response.text or "").strip()
    error = _error_string(text, ok_status=200 <= status < 300)
    if 200 <= status < 300 and error is None:
        return
    if error in _SLACK_ERRORS:
        what, hint = _SLACK_ERRORS[error]
        raise _Failure(NotifyError(f"{what.format(channel=channel)} [HTTP {status}]",
                                   hint.format(source=source)),
                       retry=status == 429 or status >= 500)
    detail = f" {_snippet(error)}" if error else ""
    if status == 429:
        raise _Failure(NotifyError(f"the webhook {where} is rate-limiting (429{detail})",
                                   "post less often"), retry=True,
                       wait=_retry_after(response))
    if status >= 500:
        raise _Failure(NotifyError(f"the webhook {where} failed with a server error "
                                   f"({status}{detail})",
                                   "the chat service may be down; check its status page"),
                       retry=True, wait=_retry_after(response))
    if 300 <= status < 400:
        raise _Failure(NotifyError(f"the webhook {where} redirects elsewhere ({status})",
                                   f"put the URL it redirects to in {source}"))
    if status == 404:
        raise _Failure(NotifyError(f"there is no webhook at {where} (404{detail})",
                                   f"copy the webhook URL again into {source}"))
    if status == 410:
        raise _Failure(NotifyError(f"the webhook {where} is gone (410{detail})",
                                   f"it was deleted: create a new one and put its URL in "
                                   f"{source}"))
    if status in (401, 403):
        raise _Failure(NotifyError(f"the webhook {where} refused the message ({status}"
                                   f"{detail})", f"check the webhook URL in {source}"))
    if status == 413:
        raise _Failure(NotifyError(f"the message is too large for the webhook ({status})",
                                   "shorten slack_template"))
    what = "did not post" if 200 <= status < 300 else "refused"
    raise _Failure(NotifyError(f"the webhook {where} {what} the message ({status}{detail})",
                               "check the payload with `fab notify_slack --dry-run`"))


def _error_string(text: str, ok_status: bool) -> str | None:
    """The error the service named: Slack's bare string, or a JSON answer's ``error``.

    After a 2xx only a JSON ``"ok": false``/``"success": false`` counts as an error.
    """
    if text.startswith("{"):
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if isinstance(answer, dict):
            if answer.get("ok") is False or answer.get("success") is False or not ok_status:
                found = answer.get("error") or answer.get("message") or answer.get("text")
                return str(found) if found else ("error" if ok_status else None)
            return None
    if ok_status or text == "ok":
        return None
    return text or None


def _snippet(text: str) -> str:
    """A short, single-line, secret-free excerpt of what the server said."""
    if text.lstrip().startswith("<"):
        return "(an HTML page)"
    line = redact.redact(" ".join(text.split()))
    return line if len(line) <= 80 else line[:79] + ELLIPSIS


def _retry_after(response: Any) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), if the server sent one."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def index_page(simple_url: str, name: str, version: str) -> str:
    """The page a person opens for ``name``: PyPI's project page, else the simple page.

    Any user:password in the index URL is dropped: it must not go to a chat channel.
    """
    from release_tasks.core.project import normalize

    parts = urlsplit(simple_url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    clean = urlunsplit((parts.scheme, host, parts.path, "", ""))
    for simple, project in (("https://pypi.org/simple/", "https://pypi.org/project/"),
                            ("https://test.pypi.org/simple/", "https://test.pypi.org/project/")):
        if clean == simple:
            return f"{project}{normalize(name)}/{version}/"
    return clean.rstrip("/") + "/" + normalize(name) + "/"
