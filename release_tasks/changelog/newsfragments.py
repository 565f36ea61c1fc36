"""Which news fragments a release adds for towncrier: their type, issue and text.

The ``--notes`` become one fragment; with no notes and no fragments, each commit since the
last release becomes one (its draft). A fragment's type is, in order: the one the project
chose for release notes (``towncrier_type``), the one a conventional-commit prefix names
(``fix: ...`` → ``bugfix``), else the first of the project's types that a release note
usually is (features, then changes or misc). Breaking changes, removals and deprecations
are never chosen by a guess: a note filed there misleads every reader.

An issue number goes with the notes as ``#123: text`` (or a trailing ``(#123)``, as
squash-merge subjects end); it names the fragment (``123.feature``), so the project's
template links it as it links every other. Without one the fragment is an orphan
(``+release-notes.feature``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_tasks.changelog.commits import Commit
from release_tasks.core.errors import HistoryError

# What a release note usually is, in order of preference.
_USUAL = ("feature", "features", "feat", "added", "enhancement", "enhancements", "change",
          "changes", "changed", "misc", "trivial", "other")
# Never chosen by a guess.
_NEVER_GUESSED = {"breaking", "breaking-change", "breaking-changes", "removal", "removals",
                  "removed", "deprecation", "deprecations", "deprecated", "security"}
# A conventional-commit type → fragment types that say the same, in preference order.
_SAME_AS = {
    "feat": ("feature", "features", "feat", "added", "enhancement", "enhancements"),
    "fix": ("bugfix", "bugfixes", "fix", "fixes", "fixed", "bug", "bugs"),
    "docs": ("doc", "docs", "documentation"),
    "perf": ("performance", "perf", "feature", "features"),
    "refactor": ("refactor", "internal", "misc", "trivial"),
    "chore": ("chore", "internal", "misc", "trivial"),
    "build": ("packaging", "build", "misc", "trivial"),
    "ci": ("ci", "internal", "misc", "trivial"),
    "test": ("tests", "test", "internal", "misc", "trivial"),
    "deps": ("dependencies", "deps", "vendor", "misc"),
}
_SAME_AS["doc"] = _SAME_AS["docs"]
_SAME_AS["feature"] = _SAME_AS["feat"]
_SAME_AS["bugfix"] = _SAME_AS["fix"]
_LEADING_ISSUE = re.compile(r"^#(?P<issue>\d+)\s*:?\s+(?P<text>.+)$", re.S)
_TRAILING_ISSUE = re.compile(r"^(?P<text>.+?)\s*\(#(?P<issue>\d+)\)$", re.S)


@dataclass(frozen=True)
class Fragment:
    """One news fragment to write: ``<issue or orphan name>.<type>``."""

    type: str
    text: str
    issue: str | None = None

    def file_name(self, orphan: str, taken: set[str]) -> str:
        stem = self.issue if self.issue else orphan
        name, n = f"{stem}.{self.type}", 1
        while name in taken:  # towncrier's own counter for several of one issue and type
            n += 1
            name = f"{stem}.{self.type}.{n}"
        return name


def choose_type(types: list[str], chosen: str | None, kind: str | None) -> str:
    """The fragment type for a note: the project's choice, the commit type's, or the usual."""
    if chosen:
        if chosen not in types:
            raise HistoryError(f"towncrier_type = {chosen!r} is not one of the project's "
                               f"fragment types ({', '.join(types)})",
                               "set towncrier_type in [tool.release_tasks] to one of them")
        return chosen
    for candidate in _SAME_AS.get((kind or "").lower(), ()):
        if candidate in types:
            return candidate
    for candidate in _USUAL:
        if candidate in types:
            return candidate
    usual = [t for t in types if t.lower() not in _NEVER_GUESSED]
    if usual:
        return usual[0]
    raise HistoryError(f"towncrier's fragment types ({', '.join(types)}) are all for "
                       "breaking changes or removals; the notes will not be filed there by a "
                       "guess", "set towncrier_type in [tool.release_tasks] to the one you mean")


def _split(text: str) -> tuple[str | None, str | None, str]:
    """``feat: #12: text`` / ``text (#12)`` → (conventional type, issue, text)."""
    text = text.strip()
    kind = None
    first, nl, rest = text.partition("\n")
    m = Commit(first).conventional  # the commits' own reading of a conventional prefix
    if m and m.group("type").lower() in _SAME_AS:  # "Note: ..." is no type
        kind, text = m.group("type"), (m.group("text").strip() + nl + rest).strip()
    issue = None
    m = _LEADING_ISSUE.match(text)
    if m:
        issue, text = m.group("issue"), m.group("text").strip()
    else:
        first, nl, rest = text.partition("\n")
        m = _TRAILING_ISSUE.match(first)
        if m:
            issue, text = m.group("issue"), (m.group("text") + nl + rest).strip()
    return kind, issue, text


def from_notes(notes: str, types: list[str], chosen: str | None) -> Fragment:
    kind, issue, text = _split(notes)
    return Fragment(type=choose_type(types, chosen, kind), text=text, issue=issue)


def from_commits(commits: list[Commit], types: list[str], chosen: str | None) -> list[Fragment]:
    """The draft: one fragment per commit, its issue taken from a ``(#123)`` subject."""
    out = []
    for commit in commits:
        kind, issue, _ = _split(commit.subject)
        subject = re.sub(r"\s*\(#\d+\)$", "", commit.subject.strip())
        text = Commit(subject, commit.body).sentence
        out.append(Fragment(type=choose_type(types, chosen, kind), text=text, issue=issue))
    return out


def write_all(folder: Path, fragments: list[Fragment], orphan: str) -> list[Path]:
    """Create the fragments in ``folder`` (made if missing); never over an existing one."""
    folder.mkdir(parents=True, exist_ok=True)
    taken = {p.name for p in folder.iterdir()}
    written = []
    for n, fragment in enumerate(fragments, 1):
        stem = orphan if len(fragments) == 1 else f"{orphan}-{n}"
        name = fragment.file_name(stem, taken)
        taken.add(name)
        path = folder / name
        with path.open("x", encoding="utf-8") as f:
            f.write(fragment.text.strip() + "\n")
        written.append(path)
    return written


def types_of(config: Any) -> list[str]:
    return list(getattr(config, "types", {}) or {}) or ["misc"]
