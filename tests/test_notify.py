"""Scenarios: telling the team, against a real HTTP server standing in for Slack.

Every `fab` run here is a real subprocess in a real git repository; the "Slack" is a
real HTTP server on 127.0.0.1 that records what it got and answers what each scenario
needs. Every scenario also checks that the webhook's secret never reaches the output.
"""

from __future__ import annotations

import itertools
import json
import re
import textwrap
from pathlib import Path

import pytest

from release_tasks.changelog import history
from release_tasks.notify import markup, message, webhook

from .servers import Receiver, free_port

CHANNEL_CFG = 'slack_channel = "#releases"\n'
FAST = "slack_timeout = 3\n"  # a small total budget, so giving up is quick
MATTERMOST_KEY = "mm7q3xk1gbyf8tr9w5zjch4dpe"  # 26 characters, like Mattermost's ids


@pytest.fixture(autouse=True)
def no_system_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may read the developer's own keyring: an empty one unless a test says."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


def notify_slack(fab, proj, url: str | None, *args: str, env: dict[str, str] | None = None):
    extra = {"SLACK_WEBHOOK_URL": url} if url else {}
    return fab(proj, "notify_slack", *args, env={**extra, **(env or {})}, timeout=60)


def failure_line(out: str) -> str:
    """The task's own one-line error (the last ✗ line)."""
    lines = [line for line in out.splitlines() if line.startswith("✗ ")]
    assert lines, out
    return lines[-1]


def assert_secret_kept(out: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in out
    assert "Traceback" not in out


# --- the message ---------------------------------------------------------------------------


def test_posts_version_links_and_changes_with_the_configured_identity(project, fab,
                                                                      receiver):
    proj = project("modern", tool_cfg=CHANNEL_CFG + textwrap.dedent("""\
        slack_username = "release-bot"
        slack_icon_emoji = "rocket"
        docs_url = "https://docs.example.invalid/{name}/{version}/"
        repository = "http://127.0.0.1:9/"
        index_url = "http://127.0.0.1:9/simple/"
        """))

    run = notify_slack(fab, proj, receiver.url, "1.4.2")

    assert run.code == 0, run.out
    assert receiver.payloads() == [{
        "text": "Deployed version 1.4.2 of modernpkg\n"
                "<https://docs.example.invalid/modernpkg/1.4.2/|Documentation> · "
                "<http://127.0.0.1:9/simple/modernpkg/|Package index>\n\n"
                "• Fixed a thing.",
        "channel": "#releases",
        "username": "release-bot",
        "icon_emoji": ":rocket:",
    }]
    request = receiver.requests[0]
    assert request["path"] == f"/services/T000/B000/{receiver.secret}"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert f"✓ notify_slack  posted to http://127.0.0.1:{receiver.port}/services/T…/B…/***" \
        in run.out
    assert_secret_kept(run.out, receiver.secret)


@pytest.mark.parametrize(("args", "version"), [
    (["notify_slack", "1.2.3"], "1.2.3"),
    (["notify-slack", "1.2.3"], "1.2.3"),
    (["notify_slack:1.2.3"], "1.2.3"),
    (["notify_slack"], "1.4.2"),  # no argument: the current version
])
def test_every_spelling_announces_the_right_version(project, fab, receiver, args, version):
    proj = project("modern")

    run = fab(proj, *args, env={"SLACK_WEBHOOK_URL": receiver.url}, timeout=60)

    assert run.code == 0, run.out
    texts = [p["text"] for p in receiver.payloads()]
    assert len(texts) == 1
    assert texts[0].startswith(f"Deployed version {version} of modernpkg")
    # The current version's history section comes along; 1.2.3 has none, so no changes.
    assert ("• Fixed a thing." in texts[0]) == (version == "1.4.2")
    assert_secret_kept(run.out, receiver.secret)


def test_dry_run_prints_the_payload_and_sends_nothing(project, fab, receiver):
    proj = project("modern", tool_cfg=CHANNEL_CFG)

    run = notify_slack(fab, proj, receiver.url, "--dry-run")

    assert run.code == 0, run.out
    assert receiver.requests == []
    assert f"post to http://127.0.0.1:{receiver.port}/services/T…/B…/*** (#releases), " \
           "URL from SLACK_WEBHOOK_URL" in run.out
    printed = run.out[run.out.index("{"):run.out.rindex("}") + 1]
    assert json.loads(printed) == {
        "text": "Deployed version 1.4.2 of modernpkg\n\n• Fixed a thing.",
        "channel": "#releases"}
    assert "Dry run: nothing was changed." in run.out
    assert_secret_kept(run.out, receiver.secret)


def test_dry_run_without_a_webhook_shows_the_message_and_says_what_is_missing(project, fab):
    proj = project("modern")

    run = notify_slack(fab, proj, None, "--dry-run")

    assert run.code == 1
    assert '"text": "Deployed version 1.4.2 of modernpkg' in run.out
    assert failure_line(run.out) == (
        "✗ cannot notify: SLACK_WEBHOOK_URL is not set and the keyring has no "
        "release_tasks/slack_webhook_url entry (export SLACK_WEBHOOK_URL=<the webhook URL>, "
        "or `keyring set release_tasks slack_webhook_url`)")


def test_slack_template_writes_the_teams_own_text(project, fab, receiver):
    proj = project("modern", tool_cfg=(
        'slack_template = ":tada: *{name}* {version} is out, docs at {docs_url}\\n{changes}"\n'
        'docs_url = "https://docs.example.invalid/{version}/"\n'))

    run = notify_slack(fab, proj, receiver.url)

    assert run.code == 0, run.out
    assert receiver.payloads() == [{
        "text": ":tada: *modernpkg* 1.4.2 is out, docs at "
                "https://docs.example.invalid/1.4.2/\n• Fixed a thing."}]


def test_a_template_typo_is_caught_before_anything_is_sent(project, fab, receiver):
    proj = project("modern", tool_cfg='slack_template = "{name} {verison}"\n')

    run = notify_slack(fab, proj, receiver.url)

    assert run.code == 1
    assert receiver.requests == []
    assert "slack_template uses unknown placeholder {verison}" in run.out
    assert_secret_kept(run.out, receiver.secret)


def test_a_webhook_url_that_is_not_a_url_is_refused_without_showing_it(project, fab):
    proj = project("modern")
    secret = "hooks.slack.com/services/T1/B2/NotAUrlButSecret99"

    run = notify_slack(fab, proj, secret)

    assert run.code == 1
    assert "the webhook URL in SLACK_WEBHOOK_URL is not an http(s) URL" in run.out
    assert_secret_kept(run.out, "NotAUrlButSecret99")


# --- failures: one line that says what to fix ----------------------------------------------


@pytest.mark.parametrize(("status", "body", "expected"), [
    (400, "invalid_payload", "the webhook refused the message as malformed (invalid_payload)"
                             " [HTTP 400] (check slack_template/webhook_template"),
    (400, "no_text", "the message has no text (no_text) [HTTP 400] (slack_template produced"),
    (404, "channel_not_found", "channel #releases does not exist or the webhook may not post "
                               "there (channel_not_found) [HTTP 404] (fix slack_channel"),
    (410, "channel_is_archived", "channel #releases is archived (channel_is_archived) "
                                 "[HTTP 410] (unarchive the channel"),
    (403, "channel_is_archived", "channel #releases is archived"),
    (404, "no_service", "the webhook was disabled or removed (no_service) [HTTP 404] (create "
                        "a new incoming webhook and put its URL in SLACK_WEBHOOK_URL)"),
    (404, "", "there is no webhook at http://127.0.0.1:{port}/services/T…/B…/*** (404) "
              "(copy the webhook URL again into SLACK_WEBHOOK_URL)"),
    (410, "", "the webhook http://127.0.0.1:{port}/services/T…/B…/*** is gone (410) (it was "
              "deleted: create a new one"),
])
def test_slack_errors_are_one_line_saying_what_to_fix(project, fab, status, body, expected):
    proj = project("modern", tool_cfg=CHANNEL_CFG)
    receiver = Receiver(answers=[(status, body, {})])
    try:
        run = notify_slack(fab, proj, receiver.url, "1.4.2")
    finally:
        receiver.close()

    assert run.code == 1, run.out
    assert len(receiver.requests) == 1  # a mistake is not retried
    line = failure_line(run.out)
    assert expected.format(port=receiver.port) in line, line
    assert line.endswith(")")
    assert_secret_kept(run.out, receiver.secret)


def test_a_server_that_echoes_the_url_does_not_leak_it(project, fab):
    proj = project("modern")
    receiver = Receiver()
    receiver.answers = [(400, f"bad request to {receiver.url}", {})]
    try:
        run = notify_slack(fab, proj, receiver.url)
    finally:
        receiver.close()

    assert run.code == 1
    assert "refused the message (400 bad request to http://127.0.0.1" in run.out
    assert_secret_kept(run.out, receiver.secret)


# --- retries: 429, 5xx, timeouts, refused connections ---------------------------------------


def test_rate_limit_is_retried_after_the_time_slack_asks_for(project, fab):
    proj = project("modern")
    limited = (429, "rate_limited", {"Retry-After": "1"})
    receiver = Receiver(answers=[limited, limited])
    try:
        run = notify_slack(fab, proj, receiver.url)
    finally:
        receiver.close()

    assert run.code == 0, run.out
    assert len(receiver.requests) == 3
    times = [r["t"] for r in receiver.requests]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    assert len({r["body"] for r in receiver.requests}) == 1  # the same message each time
    assert "posted to" in run.out and "after 3 attempts" in run.out
    assert_secret_kept(run.out, receiver.secret)


def test_a_retry_after_beyond_the_budget_gives_up_at_once(project, fab):
    proj = project("modern")
    receiver = Receiver(answers=[(429, "rate_limited", {"Retry-After": "120"})])
    try:
        run = notify_slack(fab, proj, receiver.url)
    finally:
        receiver.close()

    assert run.code == 1
    assert len(receiver.requests) == 1
    assert "it asked to wait 120 s (Retry-After), more than the 30 s allowed" in run.out
    assert "(run `fab notify_slack 1.4.2` again later)" in failure_line(run.out)
    assert_secret_kept(run.out, receiver.secret)


def test_a_server_error_is_retried_with_backoff(project, fab):
    proj = project("modern")
    receiver = Receiver(answers=[(500, "rollup_error", {})])
    try:
        run = notify_slack(fab, proj, receiver.url)
    finally:
        receiver.close()

    assert run.code == 0, run.out
    assert len(receiver.requests) == 2
    assert receiver.requests[1]["t"] - receiver.requests[0]["t"] >= webhook.FIRST_BACKOFF
    assert receiver.payloads()[0] == receiver.payloads()[1]
    assert_secret_kept(run.out, receiver.secret)


def test_a_server_that_keeps_failing_is_given_up_within_the_budget(project, fab):
    proj = project("modern", tool_cfg=FAST)
    receiver = Receiver(answers=[(503, "", {})] * 10)
    try:
        run = notify_slack(fab, proj, receiver.url)
    finally:
        receiver.close()

    assert run.code == 1
    assert 2 <= len(receiver.requests) <= 3
    assert receiver.requests[-1]["t"] - receiver.requests[0]["t"] < 3
    line = failure_line(run.out)
    assert re.search(r"failed with a server error \(503\) \(\d attempts in \d s\) \(run "
                     r"`fab notify_slack 1\.4\.2` again later; the chat service may be down",
                     line), line
    assert re.search(r"^✗ notify_slack\s+not posted to http://127\.0\.0\.1:\d+/services/"
                     r"T…/B…/\*\*\*", run.out, re.M)
    assert_secret_kept(run.out, receiver.secret)


def test_a_slow_webhook_times_out_is_retried_then_reported(project, fab):
    proj = project("modern", tool_cfg=FAST)  # one attempt waits at most 1 s
    receiver = Receiver(answers=[5, 5, 5])
    try:
        run = notify_slack(fab, proj, receiver.url)
    finally:
        receiver.close()

    assert run.code == 1
    assert len(receiver.requests) == 2
    # The client's 1 s timeout starts when it sends; the server stamps the request once it
    # has read it, a little later: hence the small allowance on the spacing.
    spacing = receiver.requests[1]["t"] - receiver.requests[0]["t"]
    assert spacing >= 1.0 + webhook.FIRST_BACKOFF - 0.2
    assert "cannot reach the webhook http://127.0.0.1:" in run.out
    assert "no answer in time (timed out) (2 attempts in" in failure_line(run.out)
    assert_secret_kept(run.out, receiver.secret)


def test_a_closed_port_is_retried_then_reported(project, fab):
    proj = project("modern", tool_cfg=FAST)
    secret = "ClosedPortSecret0123"
    url = f"http://127.0.0.1:{free_port()}/services/T000/B000/{secret}"

    run = notify_slack(fab, proj, url)

    assert run.code == 1
    line = failure_line(run.out)
    assert re.search(r"cannot reach the webhook http://127\.0\.0\.1:\d+/services/T…/B…/\*\*\*: "
                     r"connection refused \(2 attempts in \d s\)", line), line
    assert_secret_kept(run.out, secret)


def test_debug_logging_of_the_http_request_is_redacted(project, fab, receiver):
    proj = project("modern")

    run = fab(proj, "--debug", "notify_slack", env={"SLACK_WEBHOOK_URL": receiver.url},
              timeout=60)

    assert run.code == 0, run.out
    assert '"POST /services/T000/B000/*** HTTP/1.1" 200' in run.out  # urllib3's own line
    assert_secret_kept(run.out, receiver.secret)


# --- inside `fab release` ------------------------------------------------------------------


def test_a_failing_webhook_is_a_warning_and_the_release_is_done(project, fab, editor, home):
    proj = project("modern")
    receiver = Receiver(answers=[(404, "no_service", {})])
    try:
        run = fab(proj, "release", "--yes", "--skip-docs",
                  env={"EDITOR": editor(), "SLACK_WEBHOOK_URL": receiver.url})
    finally:
        receiver.close()

    assert run.code == 0, run.out
    assert "! notify_slack failed: the webhook was disabled or removed (no_service)" in run.out
    assert "Released modernpkg 1.4.3 (tag 1.4.3)" in run.out
    assert proj.tags() == ["1.4.3"]
    index = home / ".local" / "share" / "release_tasks" / "index" / "simple" / "modernpkg"
    assert sorted(p.name for p in index.iterdir()) == [
        "index.html", "modernpkg-1.4.3-py3-none-any.whl", "modernpkg-1.4.3.tar.gz"]
    assert len(receiver.requests) == 1
    assert_secret_kept(run.out, receiver.secret)


def test_release_announces_the_new_history_section_and_shows_retries_verbosely(
        project, fab, editor):
    proj = project("modern", tool_cfg=CHANNEL_CFG)
    receiver = Receiver(answers=[(502, "bad gateway", {})])
    note = "- Made `fab` **much** faster, see [the docs](https://docs.example.invalid/fast)."
    try:
        run = fab(proj, "release", "--yes", "--skip-docs", "--verbose",
                  env={"EDITOR": editor(note), "SLACK_WEBHOOK_URL": receiver.url})
    finally:
        receiver.close()

    assert run.code == 0, run.out
    assert [p["text"] for p in receiver.payloads()] == [
        "Deployed version 1.4.3 of modernpkg\n\n• Made `fab` *much* faster, see "
        "<https://docs.example.invalid/fast|the docs>."] * 2
    assert "attempt 1 failed (the webhook http://127.0.0.1:" in run.out
    assert "retrying in 1.0 s" in run.out
    assert re.search(r"✓ notify_slack\s+posted to .*\*\*\* after 2 attempts", run.out)
    assert_secret_kept(run.out, receiver.secret)


def test_release_plan_shows_the_redacted_webhook(project, fab, receiver):
    proj = project("modern", tool_cfg=CHANNEL_CFG)

    run = fab(proj, "release", "--dry-run",
              env={"SLACK_WEBHOOK_URL": receiver.url})

    assert run.code == 0, run.out
    assert re.search(r"notify_slack\s+post to http://127\.0\.0\.1:\d+/services/T…/B…/\*\*\* "
                     r"\(#releases\)", run.out)
    assert receiver.requests == []
    assert_secret_kept(run.out, receiver.secret)


# --- other services and other sources of the URL ---------------------------------------------


def test_mattermost_gets_the_same_payload_in_markdown(project, fab, receiver, tmp_path):
    proj = project("modern", tool_cfg=CHANNEL_CFG)
    proj.write("CHANGELOG.md", proj.read("CHANGELOG.md").replace(
        "- Fixed a thing.", "- Fixed a **big** thing."))
    proj.commit("Bold")
    url = f"http://127.0.0.1:{receiver.port}/hooks/{MATTERMOST_KEY}"

    run = notify_slack(fab, proj, url)

    assert run.code == 0, run.out
    assert receiver.requests[0]["path"] == f"/hooks/{MATTERMOST_KEY}"
    assert receiver.payloads() == [{
        "text": "Deployed version 1.4.2 of modernpkg\n\n- Fixed a **big** thing.",
        "channel": "#releases"}]
    assert f"posted to http://127.0.0.1:{receiver.port}/hooks/***" in run.out
    assert_secret_kept(run.out, MATTERMOST_KEY)


@pytest.mark.parametrize(("answer", "code", "said"), [
    ('{"success": true}', 0, "posted to"),
    ('{"success": false, "error": "invalid-channel"}', 1,
     "did not post the message (200 invalid-channel)"),
])
def test_rocket_chat_json_answers_are_understood(project, fab, answer, code, said):
    proj = project("modern")
    receiver = Receiver(answers=[(200, answer, {})])
    token = "rcTokenAbcdefgh12345678"
    url = f"http://127.0.0.1:{receiver.port}/hooks/rcIntegrationId01/{token}"
    try:
        run = notify_slack(fab, proj, url)
    finally:
        receiver.close()

    assert run.code == code, run.out
    assert said in run.out
    assert receiver.payloads()[0]["text"].startswith("Deployed version 1.4.2 of modernpkg")
    assert_secret_kept(run.out, token)


def test_a_generic_webhook_gets_its_own_json_template(project, fab, receiver):
    template = '{"content": "{text}", "embeds": [{"title": "{name} {version}", "n": 1}]}'
    proj = project("modern", tool_cfg=f"webhook_template = '{template}'\n"
                   'docs_url = "https://docs.example.invalid/"\n')

    run = notify_slack(fab, proj, receiver.url)

    assert run.code == 0, run.out
    assert receiver.payloads() == [{
        "content": "Deployed version 1.4.2 of modernpkg\n"
                   "[Documentation](https://docs.example.invalid/)\n\n- Fixed a thing.",
        "embeds": [{"title": "modernpkg 1.4.2", "n": 1}]}]


FILE_KEYRING = '''\
"""A keyring backend for the tests, through keyring's own plugin API: a JSON file."""
import json
import os

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        with open(os.environ["TEST_KEYRING_FILE"]) as f:
            return json.load(f).get(service, {}).get(username)

    def set_password(self, service, username, password):
        raise NotImplementedError

    def delete_password(self, service, username):
        raise NotImplementedError
'''


def file_keyring(tmp_path: Path, entries: dict[str, dict[str, str]]) -> dict[str, str]:
    folder = tmp_path / "keyring-backend"
    folder.mkdir()
    (folder / "test_file_keyring.py").write_text(FILE_KEYRING)
    (folder / "secrets.json").write_text(json.dumps(entries))
    return {"PYTHONPATH": str(folder), "TEST_KEYRING_FILE": str(folder / "secrets.json"),
            "PYTHON_KEYRING_BACKEND": "test_file_keyring.FileKeyring"}


def test_the_webhook_can_come_from_the_keyring(project, fab, receiver, tmp_path):
    proj = project("modern")
    env = file_keyring(tmp_path, {"release_tasks": {"slack_webhook_url": receiver.url}})

    run = notify_slack(fab, proj, None, env=env)
    dry = notify_slack(fab, proj, None, "--dry-run", env=env)

    assert run.code == 0, run.out
    assert len(receiver.requests) == 1
    assert "URL from the keyring (release_tasks/slack_webhook_url)" in dry.out
    assert_secret_kept(run.out + dry.out, receiver.secret)


def test_the_environment_wins_over_the_keyring(project, fab, tmp_path):
    proj = project("modern")
    stale = Receiver()
    fresh = Receiver()
    try:
        env = file_keyring(tmp_path, {"release_tasks": {"slack_webhook_url": stale.url}})
        run = notify_slack(fab, proj, fresh.url, env=env)
    finally:
        stale.close()
        fresh.close()

    assert run.code == 0, run.out
    assert (len(fresh.requests), len(stale.requests)) == (1, 0)


def test_a_broken_keyring_means_no_webhook_not_a_crash(project, fab):
    proj = project("modern", tool_cfg=CHANNEL_CFG)

    # No keyring backend at all, and a backend setting naming a module that is not there.
    alone = notify_slack(fab, proj, None,
                         env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    release = fab(proj, "release", "--dry-run",
                  env={"PYTHON_KEYRING_BACKEND": "no_such_module.Keyring"})

    assert alone.code == 1
    assert failure_line(alone.out).startswith("✗ cannot notify: SLACK_WEBHOOK_URL is not set")
    assert release.code == 0, release.out
    assert "notify_slack  skipped: SLACK_WEBHOOK_URL is not set" in release.out
    assert "! slack_channel is set but SLACK_WEBHOOK_URL is not set and the keyring has no " \
           "release_tasks/slack_webhook_url entry: the team will not be told" in release.out
    assert "Traceback" not in alone.out + release.out


# --- history text to chat markup, on real history files -------------------------------------

REQUESTS_STYLE_MD = """\
# Release History

## 2.32.0 (2024-05-20)

**Security**

- Fixed an issue where setting `verify=False` on the first request from a
  Session will cause subsequent requests to the *same origin* to also ignore
  cert verification, regardless of the value of `verify`.
  ([GHSA-9wx4-h78v-vm56](https://github.com/psf/requests/security/advisories/GHSA-9wx4-h78v-vm56))

**Improvements**

- `verify=True` now reuses a global SSLContext which should improve
  request time variance between first and subsequent requests & it is
  faster than before (<5 ms). (#6667)
- Requests will now use `__init__` hooks; see https://requests.readthedocs.io/en/latest/.
  - Nested: dropped `**kwargs` support.

### Deprecations

1. Dropped support for Python 3.7.

```python
session.mount("https://", adapter)  # a < b
```

<!-- internal: bump the certifi pin -->

## 2.31.0 (2023-05-22)

- Older things.
"""

COOKIECUTTER_RST = """\
.. :changelog:

History
-------

0.3.0 (2024-06-01)
++++++++++++++++++

* Fixed the ``frobnicate()`` call when the widget is
  **not** ready (:issue:`42`, :func:`cookiepkg.frob`).
* Documented in `the user guide <https://cookiepkg.example.invalid/guide?x=1&y=2>`_.

Bug fixes
~~~~~~~~~

- Install it with::

    pip install "cookiepkg[all]>=0.3"

.. note:: Python 3.8 is no longer supported.

.. image:: screenshot.png
   :alt: a screenshot

- *Experimental* support for ``async`` widgets.

0.2.0 (2024-02-01)
++++++++++++++++++

* First release.
"""


def test_markdown_history_becomes_slack_mrkdwn():
    body = history.section_body(REQUESTS_STYLE_MD, "md", "2.32.0")

    assert markup.to_mrkdwn(body, "md") == (
        "*Security*\n"
        "\n"
        "• Fixed an issue where setting `verify=False` on the first request from a Session "
        "will cause subsequent requests to the _same origin_ to also ignore cert "
        "verification, regardless of the value of `verify`. "
        "(<https://github.com/psf/requests/security/advisories/GHSA-9wx4-h78v-vm56|"
        "GHSA-9wx4-h78v-vm56>)\n"
        "\n"
        "*Improvements*\n"
        "\n"
        "• `verify=True` now reuses a global SSLContext which should improve request time "
        "variance between first and subsequent requests &amp; it is faster than before "
        "(&lt;5 ms). (#6667)\n"
        "• Requests will now use `__init__` hooks; see "
        "<https://requests.readthedocs.io/en/latest/>.\n"
        "    ◦ Nested: dropped `**kwargs` support.\n"
        "\n"
        "*Deprecations*\n"
        "\n"
        "1. Dropped support for Python 3.7.\n"
        "\n"
        "```\n"
        'session.mount("https://", adapter)  # a &lt; b\n'
        "```")


def test_restructuredtext_history_becomes_slack_mrkdwn():
    body = history.section_body(COOKIECUTTER_RST, "rst", "0.3.0")

    assert markup.to_mrkdwn(body, "rst") == (
        "• Fixed the `frobnicate()` call when the widget is *not* ready "
        "(#42, `cookiepkg.frob`).\n"
        "• Documented in <https://cookiepkg.example.invalid/guide?x=1&y=2|the user guide>.\n"
        "\n"
        "*Bug fixes*\n"
        "\n"
        "• Install it with:\n"
        "\n"
        "```\n"
        'pip install "cookiepkg[all]&gt;=0.3"\n'
        "```\n"
        "\n"
        "*Note:* Python 3.8 is no longer supported.\n"
        "\n"
        "• _Experimental_ support for `async` widgets.")


def test_markdown_flavour_for_services_that_render_markdown():
    body = history.section_body(COOKIECUTTER_RST, "rst", "0.3.0")

    text = markup.to_chat(body, "rst", "markdown")

    assert text.splitlines()[:2] == [
        "- Fixed the `frobnicate()` call when the widget is **not** ready "
        "(#42, `cookiepkg.frob`).",
        "- Documented in [the user guide](https://cookiepkg.example.invalid/guide?x=1&y=2)."]
    assert "&gt;" not in text


def test_a_long_history_section_is_trimmed_with_an_ellipsis():
    many = "\n".join(f"- Change number {n} with a few more words." for n in range(200))
    one_long_line = "- " + " ".join(f"word{n}" for n in range(2000))

    trimmed = markup.to_mrkdwn(many)
    cut = markup.to_mrkdwn(one_long_line)

    assert trimmed.splitlines()[-1] == "…"
    assert len(trimmed.splitlines()) == markup.CHANGES_LINES
    assert trimmed.splitlines()[0] == "• Change number 0 with a few more words."
    assert len(cut) <= markup.CHANGES_LIMIT and cut.endswith("\n…")
    assert re.search(r"word\d+\n…$", cut)


def test_trimming_never_leaves_a_code_block_open():
    text = "- Example:\n\n```\n" + "\n".join(f"line {n}" for n in range(100)) + "\n```\n"

    trimmed = markup.to_mrkdwn(text)

    assert trimmed.endswith("```\n…")
    assert trimmed.count("```") == 2


def test_a_secret_sent_in_clear_text_is_worth_a_warning():
    assert message.warnings("http://chat.example.invalid/hooks/abcdefghijkl") == [
        "the webhook http://chat.example.invalid/hooks/*** is plain http: its secret travels "
        "unencrypted (use https)"]
    assert message.warnings("https://hooks.slack.com/services/T1/B2/abcdefghijkl") == []
    assert message.warnings("http://127.0.0.1:8065/hooks/abcdefghijkl") == []


def test_the_index_page_is_pypis_project_page_or_the_simple_page_without_credentials():
    assert message.index_page("https://pypi.org/simple/", "My_Package", "1.0") == \
        "https://pypi.org/project/my-package/1.0/"
    assert message.index_page("https://alice:s3cret@pypi.example.invalid:8443/root/+simple/",
                             "My.Package", "1.0") == \
        "https://pypi.example.invalid:8443/root/+simple/my-package/"
