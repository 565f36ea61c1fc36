"""The message: its checks before the release, the JSON payload, and its templates.

The message says what was released and links the docs and the index page when they are
known, followed by the new history section converted to chat markup (see
:mod:`release_tasks.notify.markup`). ``slack_template`` rewrites the text and
``webhook_template`` the whole JSON body, for services other than Slack; both are checked
for unknown placeholders before the release starts, so a typo fails early.

This module knows nothing of the CLI; :class:`release_tasks.steps.notify_slack.Notify`
gathers the facts and calls :func:`payload`, then :func:`release_tasks.notify.webhook.post`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from release_tasks.core.config import Config
from release_tasks.core.errors import NotifyError
from release_tasks.notify.markup import chat_link, to_chat
from release_tasks.notify.secrets import shown, webhook_source

FIELDS = ("name", "version", "changes", "docs_url", "index_url")
TEMPLATE_FIELDS = (*FIELDS, "text")  # webhook_template also gets the whole message
_FIELD = re.compile(r"\{(\w*)\}")


# --- checks before anything changes -----------------------------------------------------


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
    links = [chat_link(values[key], label, flavour)
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
