"""Keeping secrets out of everything we print, log, raise or write.

Secrets are registered here the moment they are read (a webhook URL, an index password),
and every line of output passes through :func:`redact`. URLs are also scrubbed by shape,
so a password embedded in a URL is hidden even if nobody registered it.

The registry is one :class:`Secrets` for the process, on purpose: output that no release
object reaches (urllib3's debug log lines, the task boundary's last error line) must be
scrubbed too, and forgetting a secret is the direction that leaks. It is safe to share:
steps register and print from worker threads, so additions take a lock and replace an
immutable set, which readers use without locking and never see half-updated.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")


class Secrets:
    """The secrets read so far, longest first; added under a lock, read lock-free."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: tuple[str, ...] = ()  # replaced whole, never changed in place

    def add(self, *secrets: str) -> None:
        with self._lock:
            known = set(self._known).union(secrets)
            self._known = tuple(sorted(known, key=len, reverse=True))

    def known(self) -> tuple[str, ...]:
        return self._known


_SECRETS = Secrets()


def register(secret: str | None) -> None:
    """Remember a secret so that :func:`redact` hides it wherever it shows up."""
    if secret and len(secret) >= 4:
        found = [secret]
        if "://" in secret:
            # A webhook URL's last path segment is its token: hide it even printed alone.
            tail = urlsplit(secret).path.rstrip("/").rsplit("/", 1)[-1]
            if len(tail) >= 8:
                found.append(tail)
        _SECRETS.add(*found)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and URL password replaced."""
    if not text:
        return text
    for secret in _SECRETS.known():
        if secret in text:
            replacement = redact_webhook(secret) if "://" in secret else "***"
            text = text.replace(secret, replacement)
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


def redact_webhook(url: str) -> str:
    """A webhook URL with its secret path hidden: ``https://hooks.slack.com/services/T…/…/***``.

    The host stays visible so a user can tell which service it points at.
    """
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return f"{parts.scheme}://{parts.hostname or ''}/***"
    shown: list[str] = []
    keep_first = segments[0] in {"services", "hooks", "api", "webhooks"} and len(segments) > 1
    for i, segment in enumerate(segments):
        if i == len(segments) - 1:
            shown.append("***")
        elif i == 0 and keep_first:
            shown.append(segment)
        else:
            shown.append(segment[:1] + "…")
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}/" + "/".join(shown)


def sanitize_url(url: str) -> str:
    """A URL safe to print: any password in it replaced by ``***``."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", url)
