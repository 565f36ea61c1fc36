"""notify_slack: tell the team; a failure is only a warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import (
    HistoryError,
    ReleaseError,
)
from release_tasks.core.release import Release, Report


class Notify(Step):
    """Tell the team. The release has happened by now, so a failure is only a warning."""

    name = "notify_slack"
    irreversible = True
    warn_only = True

    def skip_reason(self, rel: Release) -> str | None:
        if "notify" in rel.options.skip:
            return "--skip-notify"
        if rel.webhook is None:
            from release_tasks.notify import secrets

            return secrets.missing(rel.config)
        return None

    def describe(self, rel: Release) -> str:
        from release_tasks.notify import secrets

        channel = f" ({rel.config.slack_channel})" if rel.config.slack_channel else ""
        return (f"post to {secrets.shown(rel.webhook or '')}{channel}, "
                f"URL from {secrets.webhook_source(rel.config)}")

    def check(self, rel: Release, report: Report) -> None:
        from release_tasks.notify import message

        for problem in message.problems(rel.config, rel.webhook):
            report.error(problem)
        for warning in message.warnings(rel.webhook):
            report.warn(warning)

    def skipped_alone(self, rel: Release, reason: str) -> ReleaseError | None:
        """``fab notify_slack`` asked for a message: no webhook is a failure, not a skip."""
        from release_tasks.core.errors import NotifyError
        from release_tasks.notify import secrets

        return NotifyError(f"cannot notify: {reason}",
                           f"export {rel.config.slack_webhook_env}=<the webhook URL>, or "
                           f"`keyring set {secrets.KEYRING_SERVICE} "
                           f"{secrets.keyring_user(rel.config)}`")

    def preview(self, rel: Release) -> str | None:
        from release_tasks.notify import message

        return message.preview(self.payload(rel))

    def payload(self, rel: Release) -> dict[str, Any]:
        """The message for ``rel.version``: what `run` posts and `--dry-run` prints."""
        from release_tasks.notify import message

        changes, fmt = self._changes(rel)
        return message.payload(rel.config, rel.name, rel.version, changes=changes,
                               changes_format=fmt, docs_url=self._docs_url(rel),
                               index_url=self._index_url(rel),
                               flavour=message.flavour_for(rel.webhook))

    def _changes(self, rel: Release) -> tuple[str, str]:
        """The version's history section; none at all is better than no message."""
        from release_tasks.changelog import formats

        try:
            return formats.release_notes(rel.root, rel.history_path, rel.version)
        except (HistoryError, OSError):
            # No history file: the notes given on the command line, if any.
            given = rel.options.notes
            if given is None and rel.options.notes_file:
                try:
                    given = Path(rel.options.notes_file).read_text(encoding="utf-8")
                except OSError:
                    given = None
            return (given or "").strip(), "md"

    def _docs_url(self, rel: Release) -> str | None:
        from release_tasks.docs import sphinx

        if not rel.config.docs_url:
            return None
        return sphinx.expand(rel.config.docs_url, rel.name, rel.version)

    def _index_url(self, rel: Release) -> str | None:
        """The package's page on the first http index whose simple URL is known (no
        probing): with several repositories, the first that has such a page."""
        from release_tasks.notify import message

        try:
            repos = rel.repos
        except ReleaseError:
            return None
        repo = next((r for r in repos if r.kind == "http" and r.simple_url), None)
        if repo is None:
            return None
        return message.index_page(repo.simple_url, rel.name, rel.version)

    def run(self, rel: Release, step: Any) -> None:
        from release_tasks.notify import secrets, webhook

        assert rel.webhook is not None
        data = self.payload(rel)
        shown = secrets.shown(rel.webhook)

        def progress(text: str) -> None:
            step.update(text)
            rel.ui.detail(f"notify_slack: {text}")

        rel.ui.detail(f"notify_slack: POST {shown} ({len(str(data.get('text', '')))} "
                      f"characters of text)")
        try:
            attempts = webhook.post(rel.webhook, data,
                                    source=secrets.webhook_source(rel.config),
                                    budget=webhook.budget(rel.config),
                                    again=f"fab notify_slack {rel.version}", progress=progress)
        except BaseException:
            step.update(f"not posted to {shown}")  # not the last retry's progress line
            raise
        retried = f" after {attempts} attempts" if attempts > 1 else ""
        step.note = f"posted to {shown}{retried}"


def slack_warning(rel: Release, report: Report) -> None:
    """Slack settings without a webhook mean someone expects a message that will not come."""
    config = rel.config
    configured = [key for key in ("slack_channel", "slack_username", "slack_icon_emoji",
                                  "slack_template", "webhook_template") if getattr(config, key)]
    if configured and rel.webhook is None and "notify" not in rel.options.skip:
        from release_tasks.notify import secrets

        report.warn(f"{configured[0]} is set but {secrets.missing(config)}: the team will not "
                    f"be told (export {config.slack_webhook_env}, or --skip-notify)")
