"""Where the webhook URL comes from, and how it may be shown.

The webhook URL is a secret: anyone holding it can post to the channel. It comes only
from the environment variable named by ``slack_webhook_env`` (``SLACK_WEBHOOK_URL`` by
default) or, when that is unset, the system keyring (service ``release_tasks``, user
``slack_webhook_url``), never from a config file or the command line. It is registered
for redaction the moment it is read, and every message shows it through :func:`shown`
(:func:`redact.redact_webhook`) only.
"""

from __future__ import annotations

import os

from release_tasks.core import redact
from release_tasks.core.config import Config

KEYRING_SERVICE = "release_tasks"


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
