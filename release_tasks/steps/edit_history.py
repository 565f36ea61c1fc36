"""edit_history: the new version's history section, edited and committed.

The section comes from the project's changelog format (``changelog/formats.py``): the
user's ``--notes``, the notes already waiting (an Unreleased section, news fragments), or
else a draft of the commits since the last release. The editor opens on it; a run with
nobody to edit (``--yes``, CI, no terminal) and no usable editor releases the draft.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from release_tasks.core.errors import (
    DirtyTree,
    HistoryError,
)
from release_tasks.core.release import Release, Report
from release_tasks.core.results import HistoryEdit
from release_tasks.vcs import git

from .base import CommitStep


def _target(rel: Release) -> tuple[Any, Path]:
    """The project's changelog format and the file it writes."""
    from release_tasks.changelog import formats

    try:
        found: Path | None = rel.history_path
        missing: HistoryError | None = None
    except HistoryError as e:
        found, missing = None, e
    fmt = formats.detect(rel.root, found)
    path = fmt.file(rel.root, found)
    if path is None:
        assert missing is not None
        raise missing
    return fmt, path


def _in_tree(rel: Release, path: Path) -> Path:
    """The file written for ``path``: itself, or the tracked file of the repository it
    links to; anything outside the work tree or untracked is refused (vcs/paths.py)."""
    from release_tasks.vcs import paths

    return rel.root / paths.creatable_in_tree(rel.root, path)


def _written_title(path: Path, version: str) -> str:
    from release_tasks.changelog import history

    text = history.read(path)
    for h in history.headings(text, history.file_format(path, text)):
        if history.mentions(h.title, version):
            return h.title
    return version


def _editor_chosen(root: Path) -> bool:
    """Whether the user chose an editor, rather than git falling back to vi."""
    return any(os.environ.get(v) for v in ("GIT_EDITOR", "VISUAL", "EDITOR")) or bool(
        git.run_git(root, "config", "core.editor", check=False).strip())


def _prerelease(version: str | None) -> bool:
    """Promoting 2.0.0rc2 to 2.0.0 needs no new commit."""
    from packaging.version import InvalidVersion, Version

    try:
        return version is not None and Version(version).is_prerelease
    except InvalidVersion:
        return False


def _unattended(rel: Release) -> bool:
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    return rel.options.yes or ci or not rel.ui.interactive


class EditHistory(CommitStep):
    name = "edit_history"
    provides = (HistoryEdit,)

    def skip_reason(self, rel: Release) -> str | None:
        if "history" in rel.options.skip:
            return "--skip-history"
        if self._has_notes(rel):
            try:
                _target(rel)
            except HistoryError:
                # Nowhere to write them: the notes still go into the tag and the message.
                return "no history file; the --notes go into the tag message and Slack"
        return None

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

    def _entry(self, rel: Release, notes: str | None) -> Any:
        import re

        from release_tasks.changelog.base import Entry

        tag, found = rel.history_since
        previous = re.sub(r"^[^\d]*", "", tag) if tag else None
        return Entry(version=rel.version, date=rel.date, tag=rel.tag, notes=notes,
                     previous_tag=tag, previous_version=previous, commits=found,
                     fragment_type=rel.config.towncrier_type)

    def _has_notes(self, rel: Release) -> bool:
        return rel.options.notes is not None or bool(rel.options.notes_file)

    def _editor_problem(self, rel: Release) -> str | None:
        from release_tasks.vcs import editor

        return None if self._has_notes(rel) else editor.problem(rel.root, rel.editor)

    def _as_drafted(self, rel: Release, content: bool) -> bool:
        """No editor: a run nobody watches, with notes to release, and no editor of the
        user's choice (git's fallback, vi, would wait for nobody)."""
        return (not self._has_notes(rel) and content and _unattended(rel)
                and (self._editor_problem(rel) is not None or not _editor_chosen(rel.root)))

    def describe(self, rel: Release) -> str:

        fmt, path = _target(rel)
        try:
            name = path.relative_to(rel.root).as_posix()
        except ValueError:
            name = str(path)
        entry = self._entry(rel, self._notes(rel))
        pending = path.is_file() and fmt.pending(rel.root, path)
        if self._has_notes(rel):
            how = "with the given notes"
        elif self._as_drafted(rel, pending or bool(entry.commits)):
            how = "no editor: as drafted"
        else:
            how = f"open the editor ({rel.editor or 'none'})"
        if not self._has_notes(rel) and not pending and entry.commits:
            how = f"drafted from {len(entry.commits)} commit(s) since {entry.previous_tag}, {how}"
        title = fmt.title(rel.root, path, entry) if path.is_file() else rel.version
        line = f'add "{title}" to {name} ({fmt.name}), {how}, commit'
        if rel.options.dry_run:
            shown = fmt.preview(rel.root, path, entry) if (
                path.is_file() or fmt.name in ("towncrier", "scriv")) else ""
            if shown.strip():
                line += "\n" + "\n".join(f"       │ {x}" for x in shown.strip().split("\n"))
        return line

    def check(self, rel: Release, report: Report) -> None:
        from release_tasks.changelog import history
        from release_tasks.core import journal

        target = report.guard(_target, rel)
        if target is None:
            return
        fmt, path = target
        path = report.guard(_in_tree, rel, path)
        if path is None:
            return
        if rel.has_version:
            report.guard(journal.check_kept_notes, rel.root, rel.version)
        if path.is_file():
            text = report.guard(history.read, path)
            if text is None:
                return
            if rel.has_version and history.section_exists(text, history.file_format(path, text),
                                                           rel.version):
                report.error(f"{path.name} already has a section for {rel.version} (remove it, "
                             "or mark it '(unreleased)' to have it dated)")
            if git.run_git(rel.root, "status", "--porcelain", "--", str(path), check=False):
                report.error(str(DirtyTree(f"{path.name} has uncommitted changes")))
        notes = report.guard(self._notes, rel)
        if self._has_notes(rel) and notes is not None and not notes.strip():
            report.error("the release notes given are empty (write what changed)")
            return
        if not rel.has_version or report.guard(lambda: rel.scheme) is None:
            return
        entry = self._entry(rel, notes)
        problems = fmt.problems(rel.root, path, entry)
        for problem in problems:
            report.error(problem)
        if problems:
            return
        content = (self._has_notes(rel) or bool(entry.commits)
                   or (path.is_file() and fmt.pending(rel.root, path)))
        if not content and entry.previous_tag and not _prerelease(entry.previous_version):
            report.error(f"nothing to release since {entry.previous_tag} (no commits, no "
                         "unreleased notes: commit a change, or pass --notes)")
        problem = self._editor_problem(rel)
        if problem and not self._as_drafted(rel, content):
            report.error(f"{problem} and no --notes given "
                         "(set EDITOR, or pass --notes/--notes-file)")

    def run(self, rel: Release, step: Any) -> HistoryEdit:
        from release_tasks.vcs import editor

        fmt, path = _target(rel)
        path = _in_tree(rel, path)
        notes = self._notes(rel)
        entry = self._entry(rel, notes)
        content = bool(entry.commits) or (path.is_file() and fmt.pending(rel.root, path))
        crlf: frozenset[str] = frozenset()
        if path.is_relative_to(rel.root):
            crlf = self.intend(rel, [path.relative_to(rel.root).as_posix()])
        paths = fmt.write(rel.root, path, entry)
        rel.results.provide(HistoryEdit(tuple(paths)))  # what an undo restores
        crlf |= self.intend(rel, paths)  # fragments the format removed, too
        try:
            if notes is None and not self._as_drafted(rel, content):
                step.update(f"waiting for the editor on {path.name}")
                with rel.ui.paused():
                    editor.edit(rel.root, path, rel.editor)
            body, _ = fmt.body(rel.root, path, rel.version)
            if not body:
                raise HistoryError(f"the {rel.version} section of {path.name} is empty",
                                   "write what changed in it")
        except BaseException:
            fmt.restore(rel.root, paths)
            rel.results.provide(HistoryEdit(()))  # restored: nothing left to undo
            raise
        self.commit(rel, paths, f"Update {path.name} for {rel.version}", crlf)
        drafted = f", drafted from {len(entry.commits)} commit(s)" if entry.drafted else ""
        step.note = f"{paths[0]}: {_written_title(path, rel.version)}{drafted}"
        # The notes typed are kept if a later step fails (see core/engine).
        return HistoryEdit(tuple(paths), body if notes is None else None)

    def undo(self, rel: Release) -> str | None:
        if self.undo_commit(rel):
            return f"removed the {self.name} commit"
        edit = rel.results.get(HistoryEdit)
        if edit is not None and edit.paths:
            fmt, _ = _target(rel)
            fmt.restore(rel.root, list(edit.paths))
            return f"restored {edit.paths[0]}"
        return None
