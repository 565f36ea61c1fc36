"""edit_history: the new version's history section, edited and committed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from release_tasks.core.errors import (
    DirtyTree,
    HistoryError,
)
from release_tasks.core.release import Release, Report
from release_tasks.vcs import git

from .base import CommitStep


class EditHistory(CommitStep):
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
        from release_tasks.changelog import history
        from release_tasks.vcs import editor

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
        from release_tasks.changelog import history
        from release_tasks.vcs import editor

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
        from release_tasks.changelog import history
        from release_tasks.vcs import editor

        path = rel.history_path
        text = history.read(path)
        fmt = history.file_format(path, text)
        rel.history_backup = text
        notes = self._notes(rel)
        self.intend(rel, [path.relative_to(rel.root).as_posix()])
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
            if notes is None:
                rel.notes_written = body  # kept if a later step fails (see core/engine)
        except BaseException:
            path.write_text(text, encoding="utf-8")
            rel.history_backup = None
            raise
        rel_path = path.relative_to(rel.root).as_posix()
        self.commit(rel, [rel_path], f"Update {path.name} for {rel.version}")
        step.note = f"{rel_path}: {history.title_for(rel.version, rel.date)}"

    def undo(self, rel: Release) -> str | None:
        if self.undo_commit(rel):
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
