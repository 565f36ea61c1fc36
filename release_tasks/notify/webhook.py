"""Posting the message to the webhook: retries, a time budget, and errors that say what to do.

Posting is retried on 429, 5xx, timeouts and network errors, honouring ``Retry-After``,
within a total time budget: a release must not hang on a chat service. Every other answer
becomes one :class:`NotifyError` naming the fix (Slack's own error strings are mapped one
by one). The URL is a secret and only ever appears redacted, in messages and in urllib3's
debug log lines alike.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from release_tasks.core import redact
from release_tasks.core.config import Config
from release_tasks.core.errors import NotifyError
from release_tasks.notify.markup import ELLIPSIS
from release_tasks.notify.secrets import shown

# All attempts and waits together, in seconds, unless ``slack_timeout`` says otherwise.
TOTAL_BUDGET = 30.0
# One attempt never waits longer than this for an answer (or a third of the budget).
ATTEMPT_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0
MAX_ATTEMPTS = 5
FIRST_BACKOFF = 1.0  # doubled after each failed attempt without a Retry-After
MIN_ATTEMPT = 0.5  # an attempt with less time than this left is not worth starting


def budget(config: Config) -> float:
    """The total seconds the notification may take, retries included."""
    if config.slack_timeout is None:
        return TOTAL_BUDGET
    return float(config.slack_timeout)


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
