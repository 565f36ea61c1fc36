"""The steps of a release, in release order. Each knows how to describe, check, run, undo."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import git
from .errors import (
    DirtyTree,
    DocsError,
    HistoryError,
    PushError,
    ReleaseError,
    TagExists,
    UploadError,
    VersionError,
)
from .plan import Release, Report, Step


def check_repository(rel: Release, report: Report, clean: bool = True) -> None:
    """The repository-level checks: commits, clean tree, branch, upstream."""
    root = rel.root
    if not git.has_commits(root):
        report.error("the repository has no commits yet (commit the package first)")
        return
    if not git.ok(root, "var", "GIT_COMMITTER_IDENT"):
        report.error("git does not know who you are, so it cannot commit (set "
                     "`git config user.name` and `git config user.email`)")
    if clean:
        dirty = git.dirty_files(root)
        if dirty:
            shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
            report.error(str(DirtyTree(f"uncommitted changes in {shown}")))
    branch = git.branch(root)
    if branch is None:
        report.error("HEAD is detached (check out the branch to release from)")
    elif rel.config.release_branch and branch != rel.config.release_branch:
        report.error(f"on branch {branch}, but releases are made from "
                     f"{rel.config.release_branch} (release_branch): check it out first")
    upstream = git.upstream(root) if branch else None
    if upstream:
        remote, _, remote_branch = upstream.partition("/")
        out = git.run_git(root, "ls-remote", "--heads", remote, f"refs/heads/{remote_branch}",
                          check=False)
        if out.strip():
            remote_head = out.split()[0]
            if not git.ok(root, "cat-file", "-e", f"{remote_head}^{{commit}}") or \
                    not git.is_ancestor(root, remote_head, "HEAD"):
                report.error(f"{branch} is behind {upstream} (pull first, then release)")


class EditHistory(Step):
    name = "edit_history"

    def skip_reason(self, rel: Release) -> str | None:
        return "--skip-history" if "history" in rel.options.skip else None

    def _notes(self, rel: Release) -> str | None:
        if rel.options.notes is not None:
            return rel.options.notes
        if rel.options.notes_file:
            path = Path(rel.options.notes_file)
            if not path.is_absolute():
                path = Path.cwd() / path
            try:
                return path.read_text(encoding="utf-8")
            except OSError:
                raise HistoryError(f"cannot read --notes-file {rel.options.notes_file}",
                                   "give an existing file") from None
        return None

    def describe(self, rel: Release) -> str:
        from . import editor, history

        try:
            name = rel.history_path.relative_to(rel.root).as_posix()
        except HistoryError:
            name = "the history file"
        how = ("with the given notes" if self._has_notes(rel)
               else f"open the editor ({editor.command(rel.root) or 'none'})")
        return f'add "{history.title_for(rel.version, rel.date)}" to {name}, {how}, commit'

    def _has_notes(self, rel: Release) -> bool:
        return rel.options.notes is not None or bool(rel.options.notes_file)

    def check(self, rel: Release, report: Report) -> None:
        from . import editor, history

        path = report.guard(lambda: rel.history_path)
        if path is None:
            return
        text = report.guard(history.read, path)
        if text is None:
            return
        fmt = history.file_format(path, text)
        if rel.has_version and history.section_exists(text, fmt, rel.version):
            report.error(f"{path.name} already has a section for {rel.version} (remove it, or "
                         "mark it '(unreleased)' to have it dated)")
        if git.run_git(rel.root, "status", "--porcelain", "--", str(path), check=False):
            report.error(str(DirtyTree(f"{path.name} has uncommitted changes")))
        notes = report.guard(self._notes, rel)
        if self._has_notes(rel):
            if notes is not None and not notes.strip():
                report.error("the release notes given are empty (write what changed)")
        else:
            problem = editor.problem(rel.root)
            if problem:
                report.error(f"{problem} and no --notes given "
                             "(set EDITOR, or pass --notes/--notes-file)")

    def run(self, rel: Release, step: Any) -> None:
        from . import editor, history

        path = rel.history_path
        text = history.read(path)
        fmt = history.file_format(path, text)
        rel.history_backup = text
        notes = self._notes(rel)
        path.write_text(history.add_section(text, fmt, history.title_for(rel.version, rel.date),
                                            notes), encoding="utf-8")
        try:
            if notes is None:
                step.update(f"waiting for the editor on {path.name}")
                with rel.ui.paused():
                    editor.edit(rel.root, path)
            body = history.section_body(history.read(path), fmt, rel.version)
            if not body:
                raise HistoryError(f"the {rel.version} section of {path.name} is empty",
                                   "write what changed in it")
        except BaseException:
            path.write_text(text, encoding="utf-8")
            rel.history_backup = None
            raise
        rel_path = path.relative_to(rel.root).as_posix()
        sha = git.commit(rel.root, [rel_path], f"Update {path.name} for {rel.version}")
        _record_commit(rel, self.name, sha)
        step.note = f"{rel_path}: {history.title_for(rel.version, rel.date)}"

    def undo(self, rel: Release) -> str | None:
        sha = _commit_of(rel, self.name)
        if sha and git.head(rel.root) == sha:
            git.reset_keep(rel.root, f"{sha}^")
            return f"removed the {self.name} commit"
        if rel.history_backup is not None:
            path = rel.history_path
            # It was clean before the release (pre-flight): HEAD's copy is the user's.
            # Checking it out also unstages it, should the commit have failed after `add`.
            git.run_git(rel.root, "checkout", "HEAD", "--", str(path))
            if path.read_text(encoding="utf-8") != rel.history_backup:
                path.write_text(rel.history_backup, encoding="utf-8")
            return f"restored {path.name}"
        return None


class Bump(Step):
    name = "bump"

    def describe(self, rel: Release) -> str:
        files = ", ".join(rel.scheme.files) or "the configured files"
        message = rel.scheme.commit_message(rel.version)
        return f"{rel.current} → {rel.version} in {files}, commit \"{message}\""

    def check(self, rel: Release, report: Report) -> None:
        scheme = report.guard(lambda: rel.scheme)
        if scheme is None or not rel.has_version:
            return
        for problem in scheme.check_files(rel.version):
            report.error(problem)

    def run(self, rel: Release, step: Any) -> None:
        try:
            changed = rel.scheme.apply(rel.version)
        except BaseException:
            self._restore(rel)
            raise
        if not changed:
            raise VersionError(f"writing {rel.version} changed no file",
                               f"check the file list in {rel.scheme.description}")
        sha = git.commit(rel.root, changed, rel.scheme.commit_message(rel.version))
        _record_commit(rel, self.name, sha)
        step.note = f"{rel.current} → {rel.version} in {', '.join(changed)}"

    def _restore(self, rel: Release) -> bool:
        touched = [f for f in rel.scheme.files if (rel.root / f).exists()]
        dirty = set(git.dirty_files(rel.root)) & set(touched)
        if dirty:
            git.run_git(rel.root, "checkout", "HEAD", "--", *sorted(dirty))
        return bool(dirty)

    def undo(self, rel: Release) -> str | None:
        sha = _commit_of(rel, self.name)
        if sha and git.head(rel.root) == sha:
            git.reset_keep(rel.root, f"{sha}^")
            return f"removed the version bump commit ({rel.version})"
        if self._restore(rel):
            return "restored the version files"
        return None


class Tag(Step):
    name = "tag"

    def describe(self, rel: Release) -> str:
        kind = "signed" if rel.scheme.sign_tags else "annotated"
        return f"{kind} tag {rel.tag} (\"{rel.scheme.tag_message(rel.version)}\") on that commit"

    def check(self, rel: Release, report: Report) -> None:
        if not rel.has_version or report.guard(lambda: rel.scheme) is None:
            return
        tag = rel.tag
        if git.tag_exists(rel.root, tag):
            report.error(str(TagExists(f"tag {tag} already exists")))
        elif git.remote_url(rel.root, rel.config.remote) and \
                git.remote_has_tag(rel.root, rel.config.remote, tag):
            report.error(str(TagExists(f"tag {tag} already exists on {rel.config.remote}")))

    def run(self, rel: Release, step: Any) -> None:
        git.tag(rel.root, rel.tag, rel.scheme.tag_message(rel.version), rel.scheme.sign_tags)
        _record_commit(rel, "tag", git.head(rel.root))
        if rel.journal is not None:
            rel.journal.tag_created = True
            rel.journal.release_head = git.head(rel.root)
            rel.journal.save()
        rel.tag_created = True
        step.note = f"{rel.tag} on {git.head(rel.root)[:10]}"

    def undo(self, rel: Release) -> str | None:
        created = rel.tag_created or (rel.journal is not None and rel.journal.tag_created)
        if created and git.tag_exists(rel.root, rel.tag):
            git.delete_tag(rel.root, rel.tag)
            return f"deleted tag {rel.tag}"
        return None


class Build(Step):
    name = "build"
    group = "build"

    def describe(self, rel: Release) -> str:
        how = "isolated" if rel.config.build_isolation else "no build isolation"
        return f"python -m build ({how}) on an export of tag {rel.tag} → dist/, twine check"

    def check(self, rel: Release, report: Report) -> None:
        from .build import readme_problem

        problem = readme_problem(rel.root)
        if problem:
            report.error(f"{problem} (twine check would fail; fix the markup)")

    def check_alone(self, rel: Release, report: Report) -> None:
        self.check(rel, report)
        if not git.tag_exists(rel.root, rel.tag):
            report.error(f"tag {rel.tag} does not exist (run `fab tag` first)")

    def run(self, rel: Release, step: Any) -> None:
        from .build import build, check

        step.update("exporting the tag")
        src = rel.export()
        step.update(f"building sdist + wheel of {rel.name} {rel.version}")
        rel.dists = build(src, rel.name, rel.version, rel.dist_dir, rel.config.build_isolation,
                          echo=rel.ui.detail, installer_choice=rel.config.build_installer)
        step.update("twine check")
        check(rel.dists)
        if rel.journal is not None:
            rel.journal.dists = [str(p) for p in rel.dists]
            rel.journal.save()
        step.note = ", ".join(p.name for p in rel.dists)

    def undo(self, rel: Release) -> str | None:
        removed = [p for p in rel.dists if p.exists()]
        for p in removed:
            p.unlink()
        return "removed the built files" if removed else None


class BuildDocs(Step):
    name = "build_docs"
    group = "build"

    def skip_reason(self, rel: Release) -> str | None:
        if "docs" in rel.options.skip:
            return "--skip-docs"
        try:
            if rel.docs_dir is None:
                return "no Sphinx docs (no conf.py in docs/ or doc/)"
        except DocsError:
            return None  # reported by check()
        return None

    def describe(self, rel: Release) -> str:
        from . import docs

        source = rel.docs_dir.relative_to(rel.root).as_posix() if rel.docs_dir else "?"
        out = docs.build_dir(rel.root).relative_to(rel.root).as_posix()
        return f"sphinx-build {source}/ → {out}/ (version {rel.version})"

    def check(self, rel: Release, report: Report) -> None:
        report.guard(lambda: rel.docs_dir)

    def run(self, rel: Release, step: Any) -> None:
        from . import docs

        assert rel.docs_dir is not None
        relative = rel.docs_dir.relative_to(rel.root)
        # In a release the docs come from the tag, like the dists; `fab build_docs` on its
        # own builds the work tree, which is what someone previewing their docs wants.
        src = rel.export() if rel.journal is not None else rel.root
        rel.docs_html = docs.build(src / relative, rel.version, docs.build_dir(rel.root),
                                   strict=rel.config.docs_strict, cwd=src, echo=rel.ui.detail)
        if rel.journal is not None:
            rel.journal.docs_html = str(rel.docs_html)
            rel.journal.save()
        step.note = f"{sum(1 for _ in rel.docs_html.rglob('*.html'))} pages"


class Upload(Step):
    name = "upload"
    group = "ship"
    irreversible = True

    def skip_reason(self, rel: Release) -> str | None:
        return "--skip-upload" if "upload" in rel.options.skip else None

    def describe(self, rel: Release) -> str:
        try:
            where, kind = rel.repo.display, rel.repo.kind
        except ReleaseError as e:  # described, not raised, in a plan
            where, kind = f"? ({e})", "?"
        files = ", ".join(p.name for p in rel.dists) if rel.dists else "sdist + wheel"
        then = "" if kind == "scp" else ", then check its simple page lists them"
        then += ", then pip-install it" if rel.config.verify_install else ""
        return f"{files} → {where}{then}"

    def check(self, rel: Release, report: Report) -> None:
        from . import index

        repo = report.guard(lambda: rel.repo)
        if repo is None:
            return
        if repo.kind == "http" and not (repo.username and repo.password):
            if repo.section:
                report.error(f"no credentials for {repo.display}: add username and password "
                             "to its .pypirc section, or set TWINE_USERNAME/TWINE_PASSWORD")
            else:
                report.warn(f"no credentials found for {repo.display}: the upload is sent "
                            "without any (set TWINE_USERNAME/TWINE_PASSWORD or a .pypirc "
                            "entry if the index needs them)")
        if repo.kind == "scp":
            from . import ssh

            ssh.check_repository(rel, repo, report)
            return
        probed = report.guard(index.probe_simple_url, repo)
        if probed is None:
            return
        rel.repo = probed  # later requests and the summary use the index's simple URL
        if not rel.has_version:
            return
        listed = report.guard(index.files_on_index, probed, rel.name)
        if listed is None:
            return
        from .build import is_dist_of

        already = [f for f in listed if is_dist_of(f, rel.name, rel.version)]
        if already and rel.fresh:
            report.error(f"{rel.name} {rel.version} is already on {repo.display} "
                         f"({', '.join(already)}): release a new version")

    def check_alone(self, rel: Release, report: Report) -> None:
        from .build import dists_for

        self.check(rel, report)
        rel.dists = dists_for(rel.dist_dir, rel.name, rel.version)
        if not rel.dists:
            report.error(f"no built files of {rel.name} {rel.version} in dist/ "
                         "(run `fab build` first)")

    def run(self, rel: Release, step: Any) -> None:
        from .index import probe_simple_url
        from .upload import upload, verify

        if not rel.dists:
            raise UploadError("there are no built files to upload", "run `fab build` first")
        rel.repo = probe_simple_url(rel.repo)
        step.update(f"uploading to {rel.repo.display}")
        result = upload(rel.repo, rel.name, rel.dists, step.update)
        rel.uploaded = result.uploaded
        rel.skipped_uploads = result.skipped
        if rel.journal is not None:
            rel.journal.uploaded = result.uploaded + result.skipped
            rel.journal.save()
        step.update("checking the index lists the files")
        if rel.repo.kind != "scp":
            problems = verify(rel.repo, rel.name, rel.dists)
            if problems:
                raise UploadError("; ".join(problems), "check the index")
        if rel.config.verify_install:
            step.update("installing from the index into a throwaway environment")
            from .verify import install

            note = install(rel.repo, rel.name, rel.version)
            if note:
                rel.warnings.append(note)
        parts = []
        if result.uploaded:
            parts.append(f"uploaded {', '.join(result.uploaded)}")
        if result.skipped:
            parts.append(f"already there: {', '.join(result.skipped)}")
        step.note = "; ".join(parts) + f" → {rel.repo.display}"


class ShipDocs(Step):
    name = "ship_docs"
    group = "ship"
    irreversible = True

    def skip_reason(self, rel: Release) -> str | None:
        return BuildDocs().skip_reason(rel)

    def describe(self, rel: Release) -> str:
        return f"→ {rel.docs_target} (latest → {rel.version})"

    def check(self, rel: Release, report: Report) -> None:
        if not rel.has_version:
            return
        target = rel.docs_target
        if target.startswith("ssh://"):
            from . import ssh

            ssh.check_docs_target(rel, target, report)
            return
        parent = Path(target).expanduser()
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not os.access(parent, os.W_OK):
            report.error(f"cannot write the docs to {target}: {parent} is not writable "
                         "(fix docs_target)")

    def run(self, rel: Release, step: Any) -> None:
        from . import docs

        html = rel.docs_html or docs.build_dir(rel.root)
        if not (html / "index.html").is_file():
            raise DocsError("the docs are not built", "run `fab build_docs` first")
        target = rel.docs_target
        if target.startswith("ssh://"):
            from . import ssh

            rel.docs_location = ssh.ship_docs(rel, html, target, step.update)
        else:
            rel.docs_location = docs.ship_local(html, target)
        if rel.journal is not None:
            rel.journal.docs_location = rel.docs_location
            rel.journal.save()
        step.note = f"→ {rel.docs_location}"


class Notify(Step):
    """Tell the team. The release has happened by now, so a failure is only a warning."""

    name = "notify_slack"
    irreversible = True
    warn_only = True

    def skip_reason(self, rel: Release) -> str | None:
        if "notify" in rel.options.skip:
            return "--skip-notify"
        if rel.webhook is None:
            from . import notify

            return notify.missing(rel.config)
        return None

    def describe(self, rel: Release) -> str:
        from . import notify

        channel = f" ({rel.config.slack_channel})" if rel.config.slack_channel else ""
        return (f"post to {notify.shown(rel.webhook or '')}{channel}, "
                f"URL from {notify.webhook_source(rel.config)}")

    def check(self, rel: Release, report: Report) -> None:
        from . import notify

        for problem in notify.problems(rel.config, rel.webhook):
            report.error(problem)
        for warning in notify.warnings(rel.webhook):
            report.warn(warning)

    def skipped_alone(self, rel: Release, reason: str) -> ReleaseError | None:
        """``fab notify_slack`` asked for a message: no webhook is a failure, not a skip."""
        from . import notify
        from .errors import NotifyError

        return NotifyError(f"cannot notify: {reason}",
                           f"export {rel.config.slack_webhook_env}=<the webhook URL>, or "
                           f"`keyring set {notify.KEYRING_SERVICE} "
                           f"{notify.keyring_user(rel.config)}`")

    def preview(self, rel: Release) -> str | None:
        from . import notify

        return notify.preview(self.payload(rel))

    def payload(self, rel: Release) -> dict[str, Any]:
        """The message for ``rel.version``: what `run` posts and `--dry-run` prints."""
        from . import notify

        changes, fmt = self._changes(rel)
        return notify.payload(rel.config, rel.name, rel.version, changes=changes,
                              changes_format=fmt, docs_url=self._docs_url(rel),
                              index_url=self._index_url(rel),
                              flavour=notify.flavour_for(rel.webhook))

    def _changes(self, rel: Release) -> tuple[str, str]:
        """The version's history section; none at all is better than no message."""
        from . import history

        try:
            path = rel.history_path
            text = history.read(path)
        except (HistoryError, OSError):
            return "", "md"
        fmt = history.file_format(path, text)
        return history.section_body(text, fmt, rel.version), fmt

    def _docs_url(self, rel: Release) -> str | None:
        from . import docs

        if not rel.config.docs_url:
            return None
        return docs.expand(rel.config.docs_url, rel.name, rel.version)

    def _index_url(self, rel: Release) -> str | None:
        """The package's page on an http index whose simple URL is known (no probing)."""
        from . import notify

        try:
            repo = rel.repo
        except ReleaseError:
            return None
        if repo.kind != "http" or not repo.simple_url:
            return None
        return notify.index_page(repo.simple_url, rel.name, rel.version)

    def run(self, rel: Release, step: Any) -> None:
        from . import notify

        assert rel.webhook is not None
        data = self.payload(rel)
        shown = notify.shown(rel.webhook)

        def progress(text: str) -> None:
            step.update(text)
            rel.ui.detail(f"notify_slack: {text}")

        rel.ui.detail(f"notify_slack: POST {shown} ({len(str(data.get('text', '')))} "
                      f"characters of text)")
        try:
            attempts = notify.post(rel.webhook, data, source=notify.webhook_source(rel.config),
                                   budget=notify.budget(rel.config),
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
        from . import notify

        report.warn(f"{configured[0]} is set but {notify.missing(config)}: the team will not "
                    f"be told (export {config.slack_webhook_env}, or --skip-notify)")


class DevBump(Step):
    name = "dev_bump"

    def skip_reason(self, rel: Release) -> str | None:
        return None if rel.config.dev_bump else "dev_bump is off"

    def dev_version(self, rel: Release) -> str:
        from packaging.version import Version

        v = Version(rel.version)
        return f"{v.major}.{v.minor}.{v.micro + 1}.dev0"

    def describe(self, rel: Release) -> str:
        dev = self.dev_version(rel)
        return f"{rel.version} → {dev} and a new '(unreleased)' history section, commit"

    def check(self, rel: Release, report: Report) -> None:
        from packaging.version import InvalidVersion

        scheme = report.guard(lambda: rel.scheme)
        if scheme is None or not rel.has_version:
            return
        try:
            dev = self.dev_version(rel)
        except InvalidVersion:
            report.error(f"dev_bump needs a PEP 440 version, not {rel.version}")
            return
        vc = scheme.bv.version_config
        parsed = vc.parse(dev)
        from .version import _serialize

        if parsed is None or _serialize(scheme.bv, parsed) != dev:
            report.error(f"dev_bump: {dev} does not fit the version pattern in "
                         f"{scheme.description} (add a .devN part to parse/serialize)")

    def run(self, rel: Release, step: Any) -> None:
        from . import history, version

        dev = self.dev_version(rel)
        scheme = version.detect(rel.root)
        try:
            path = rel.history_path
        except HistoryError:
            path = None
        touched = [*scheme.files, *([path.relative_to(rel.root).as_posix()] if path else [])]
        try:
            changed = scheme.apply(dev)
            if path is not None and "history" not in rel.options.skip:
                text = history.read(path)
                fmt = history.file_format(path, text)
                base = dev.split(".dev")[0]
                path.write_text(history.unreleased_section(text, fmt, base), encoding="utf-8")
                changed = sorted(set(changed) | {path.relative_to(rel.root).as_posix()})
            sha = git.commit(rel.root, changed, f"Back to development: {dev}")
        except BaseException:
            # Leave the released state behind, not half a dev bump: --resume redoes it.
            dirty = sorted(set(git.dirty_files(rel.root)) & set(touched))
            if dirty:
                git.run_git(rel.root, "checkout", "HEAD", "--", *dirty)
            raise
        _record_commit(rel, self.name, sha)
        step.note = f"now at {dev}"


class Push(Step):
    name = "push"
    irreversible = True

    def skip_reason(self, rel: Release) -> str | None:
        return None if rel.push else "push is off (the command is printed at the end)"

    def describe(self, rel: Release) -> str:
        return rel.push_command()

    def check(self, rel: Release, report: Report) -> None:
        if not git.remote_url(rel.root, rel.config.remote):
            report.error(f"push is on but there is no remote {rel.config.remote!r} "
                         "(add it, or set remote)")

    def run(self, rel: Release, step: Any) -> None:
        branch = rel.branch
        if branch is None:
            raise PushError("HEAD is detached", "check out the release branch and push by hand")
        try:
            git.run_git(rel.root, "push", "--atomic", rel.config.remote, f"refs/heads/{branch}",
                        f"refs/tags/{rel.tag}")
        except ReleaseError as e:
            reason = e.message.removeprefix("git push failed: ")
            raise PushError(f"git push to {rel.config.remote} failed: {reason}",
                            f"push by hand: {rel.push_command()}") from None
        step.note = f"{branch} and {rel.tag} → {rel.config.remote}"


def _record_commit(rel: Release, step: str, sha: str) -> None:
    rel.commits[step] = sha
    if rel.journal is not None:
        rel.journal.commits[step] = sha
        rel.journal.release_head = sha
        rel.journal.save()


def _commit_of(rel: Release, step: str) -> str | None:
    if step in rel.commits:
        return rel.commits[step]
    if rel.journal is not None:
        return rel.journal.commits.get(step)
    return None


def release_steps() -> list[Step]:
    return [EditHistory(), Bump(), Tag(), Build(), BuildDocs(), Upload(), ShipDocs(),
            Notify(), DevBump(), Push()]


STEPS = {s.name: s for s in release_steps()}
