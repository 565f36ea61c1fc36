"""What every changelog format does, and the new entry they are given.

A format is one small object (like towncrier's fragment types or setuptools_scm's version
schemes): ``detect`` says whether a project keeps its history that way, ``problems`` is its
pre-flight, ``write`` adds the new version's section (and ``finalize`` fixes what follows
from it, such as Keep a Changelog's link block), ``body`` reads a version's notes back for
the tag and the Slack message. ``formats.FORMATS`` lists them in detection order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from release_tasks.changelog import history, style
from release_tasks.changelog.commits import Commit, bullets
from release_tasks.vcs import git


@dataclass
class Entry:
    """The section a release adds: its version and date, and what goes in it."""

    version: str
    date: str
    tag: str
    notes: str | None = None  # the user's own (--notes / --notes-file)
    previous_tag: str | None = None
    previous_version: str | None = None
    commits: list[Commit] = field(default_factory=list)  # since previous_tag, for a draft
    drafted: bool = False  # set by the format when it used the draft
    # The news fragment type the notes go under (towncrier_type); None: chosen from them.
    fragment_type: str | None = None


class Format:
    name = "plain"

    def detect(self, root: Path, path: Path | None) -> bool:
        raise NotImplementedError

    def file(self, root: Path, path: Path | None) -> Path | None:
        """The file this format writes (towncrier's own ``filename``; else the one found)."""
        return path

    def problems(self, root: Path, path: Path, entry: Entry) -> list[str]:
        """Pre-flight: what would stop :meth:`write`; must not change anything."""
        return []

    def pending(self, root: Path, path: Path) -> bool:
        """True when notes for the next release are already written (no draft needed)."""
        return False

    def draft(self, entry: Entry, text: str = "") -> str:
        """The notes drafted from the commits, as a list like the file's own."""
        return bullets(entry.commits, history.bullet(text))

    def write(self, root: Path, path: Path, entry: Entry) -> list[str]:
        """Add the section; return the paths (relative to ``root``) the commit must take."""
        raise NotImplementedError

    def preview(self, root: Path, path: Path, entry: Entry) -> str:
        """The new section as ``write`` would make it, for the dry-run."""
        raise NotImplementedError

    def title(self, root: Path, path: Path, entry: Entry) -> str:
        """The new section's heading, for the plan and the summary line."""
        return f"{entry.version} (rendered by {self.name})"

    def body(self, root: Path, path: Path, version: str) -> tuple[str, str]:
        """``version``'s notes and their markup ("rst" or "md")."""
        text = history.read(path)
        fmt = history.file_format(path, text)
        return history.section_body(history.scope(path, text, fmt)[1], fmt, version), fmt

    def next_cycle(self, text: str, fmt: str, version: str) -> str:
        """The file after ``dev_bump`` (plain files get a ``X.Y.Z (unreleased)`` section)."""
        return text

    def restore(self, root: Path, paths: list[str]) -> None:
        """Undo an uncommitted :meth:`write`: HEAD's copy of every path it touched."""
        tracked = [p for p in paths if git.ok(root, "cat-file", "-e", f"HEAD:{p}")]
        if tracked:
            git.run_git(root, "checkout", "HEAD", "--", *tracked)
        for p in set(paths) - set(tracked):
            git.run_git(root, "rm", "--cached", "--quiet", "--ignore-unmatch", "--", p)
            (root / p).unlink(missing_ok=True)


def notes_with_draft(fmt: Format, entry: Entry, text: str = "") -> str | None:
    """The user's notes, else (marking ``entry.drafted``) the draft from git, else None."""
    if entry.notes is not None:
        return entry.notes
    if entry.commits:
        entry.drafted = True
        return fmt.draft(entry, text)
    return None


class TextFormat(Format):
    """A format that is a pure text transformation of one history file."""

    def add_section(self, text: str, fmt: str, entry: Entry, notes: str | None) -> str:
        raise NotImplementedError

    def finalize(self, text: str, entry: Entry) -> str:
        return text

    def render(self, root: Path, path: Path, entry: Entry) -> str:
        text = history.read(path)
        fmt = history.file_format(path, text)
        head, part, tail = history.scope(path, text, fmt)
        notes = None if self.pending(root, path) and entry.notes is None else \
            notes_with_draft(self, entry, part)
        if notes is not None and entry.notes is not None:
            notes = style.entries(notes, part)
        new = self.add_section(part, fmt, entry, notes)
        if tail:  # a README's changelog section: keep the gap before the next one
            new = new.rstrip("\n") + "\n" * max(1, len(part) - len(part.rstrip("\n")))
        return self.finalize(head + new + tail, entry)

    def write(self, root: Path, path: Path, entry: Entry) -> list[str]:
        eol = history.line_end(path)
        history.write(path, self.render(root, path, entry), eol)
        return [path.relative_to(root).as_posix()]

    def preview(self, root: Path, path: Path, entry: Entry) -> str:
        text = self.render(root, path, entry)
        fmt = history.file_format(path, text)
        return history.section_body(text, fmt, entry.version)

    def title(self, root: Path, path: Path, entry: Entry) -> str:
        text = self.render(root, path, Entry(entry.version, entry.date, entry.tag, ""))
        for h in history.headings(text, history.file_format(path, text)):
            if history.mentions(h.title, entry.version):
                return h.title
        return entry.version
