"""Telling the team: a message to a Slack incoming webhook (or Mattermost, Rocket.Chat).

The webhook URL is a secret. It comes only from the environment variable named by
``slack_webhook_env`` (``SLACK_WEBHOOK_URL`` by default) or the system keyring, and is
registered for redaction the moment it is read.
"""

from __future__ import annotations

import os

from . import redact
from .config import Config
from .errors import NotifyError

TIMEOUT = 10


def webhook_url(config: Config) -> str | None:
    url = os.environ.get(config.slack_webhook_env, "").strip() or None
    redact.register(url)
    return url


def payload(config: Config, name: str, version: str, changes: str = "",
            docs_url: str | None = None, index_url: str | None = None) -> dict[str, str]:
    text = f"Deployed version {version} of {name}"
    data: dict[str, str] = {"text": text}
    if config.slack_channel:
        data["channel"] = config.slack_channel
    if config.slack_username:
        data["username"] = config.slack_username
    if config.slack_icon_emoji:
        data["icon_emoji"] = config.slack_icon_emoji
    return data


def post(url: str, data: dict[str, str]) -> None:
    import requests

    try:
        r = requests.post(url, json=data, timeout=TIMEOUT)
    except requests.RequestException as e:
        raise NotifyError(f"cannot reach the webhook {redact.redact_webhook(url)}: "
                          f"{type(e).__name__}", "check the URL and the network") from None
    if r.status_code != 200:
        raise NotifyError(f"the webhook answered {r.status_code} {r.text[:80]!r}",
                          "check SLACK_WEBHOOK_URL")
