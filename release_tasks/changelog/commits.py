"""What git knows changed since the last release: the notes' first draft and ``--part auto``.

The commits since the last release tag are read once. Merges and this tool's own release
commits ("Update CHANGES.rst for 1.2.0", the bump commit, "Back to development: ...") are
left out: they say nothing a reader of the history needs. Conventional-commit subjects
(``feat(cli)!: drop --old``) become plain sentences and say which part to bump.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from release_tasks.vcs import git

_CONVENTIONAL = re.compile(r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^)]*)\))?(?P<bang>!)?:\s*"
                           r"(?P<text>.+)$")
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE:", re.M)
# This tool's own commits, and bump-my-version's default message.
_RELEASE_COMMITS = [re.compile(p) for p in (
    r"^Update \S+ for \S+$",
    r"^Back to development: \S+$",
    r"^Bump version: \S+ → \S+$",
    r"^Release \S+$",
)]
# Keep a Changelog's groups, in its order, and which commits go where.
GROUPS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
_TYPE_GROUP = {"feat": "Added", "feature": "Added", "add": "Added", "fix": "Fixed",
               "bugfix": "Fixed", "deprecate": "Deprecated", "remove": "Removed",
               "security": "Security", "sec": "Security"}
_VERB_GROUP = {"add": "Added", "adds": "Added", "added": "Added", "new": "Added",
               "fix": "Fixed", "fixes": "Fixed", "fixed": "Fixed", "remove": "Removed",
               "removes": "Removed", "removed": "Removed", "drop": "Removed",
               "drops": "Removed", "dropped": "Removed", "deprecate": "Deprecated",
               "deprecates": "Deprecated", "deprecated": "Deprecated",
               "security": "Security"}


@dataclass(frozen=True)
class Commit:
    subject: str
    body: str = ""

    @property
    def conventional(self) -> re.Match[str] | None:
        return _CONVENTIONAL.match(self.subject)

    @property
    def kind(self) -> str | None:
        m = self.conventional
        return m.group("type").lower() if m else None

    @property
    def breaking(self) -> bool:
        m = self.conventional
        return bool(m and m.group("bang")) or bool(_BREAKING_FOOTER.search(self.body))

    @property
    def sentence(self) -> str:
        """``fix(cli): handle spaces`` → ``Handle spaces (cli).``"""
        m = self.conventional
        text = m.group("text").strip() if m else self.subject.strip()
        text = text[:1].upper() + text[1:]
        if text and text[-1] not in ".!?":
            text += "."
        if m and m.group("scope"):
            text = f"{text[:-1]} ({m.group('scope')}){text[-1]}"
        return f"{text} (breaking change)" if self.breaking and m else text

    @property
    def group(self) -> str:
        """Where Keep a Changelog files it; a plain subject goes by its first word."""
        kind = self.kind
        if kind is not None:
            return _TYPE_GROUP.get(kind, "Changed")
        first = self.subject.split(" ", 1)[0].lower().rstrip(":")
        return _VERB_GROUP.get(first, "Changed")


def last_tag(root: Path, expected: str | None = None, new: str | None = None) -> str | None:
    """The tag of the last release: the current version's tag when it exists, else the
    newest tag reachable from HEAD that is not the ``new`` release's own; None in a
    project never tagged."""
    if expected and git.tag_exists(root, expected):
        return expected
    found = git.run_git(root, "describe", "--tags", "--abbrev=0", "HEAD", check=False).strip()
    return found if found and found != new else None


def templates(*messages: str | None) -> tuple[str, ...]:
    """The project's commit message templates (``Bump {current_version} → {new_version}``)
    as patterns of commits to leave out."""
    out = []
    for message in messages:
        if message:
            pattern = re.escape(message.strip().splitlines()[0])
            for key in ("current_version", "new_version"):
                pattern = pattern.replace(re.escape("{" + key + "}"), r"\S+")
            out.append(pattern)
    return tuple(out)


def since(root: Path, tag: str | None, ignore: tuple[str, ...] = ()) -> list[Commit]:
    """The commits after ``tag`` (all of them without one), newest first, without merges
    and without release commits (``ignore``: more patterns, see :func:`templates`)."""
    rev = f"{tag}..HEAD" if tag else "HEAD"
    # A package in a folder of a monorepo: only the commits touching that folder.
    own = ["--", "."] if git.prefix(root) else []
    out = git.run_git(root, "log", "--no-merges", "--format=%s%x00%b%x1e", rev, *own,
                      check=False)
    skip = [*_RELEASE_COMMITS, *(re.compile(f"^{p}$") for p in ignore if p)]
    found = []
    for record in out.split("\x1e"):
        subject, _, body = record.strip("\n").partition("\x00")
        if subject.strip() and not any(p.match(subject.strip()) for p in skip):
            found.append(Commit(subject.strip(), body.strip()))
    return found


def bullets(commits: list[Commit], marker: str = "- ") -> str:
    """The draft as one list, oldest change first."""
    return "\n".join(f"{marker}{c.sentence}" for c in reversed(commits))


def grouped(commits: list[Commit], level: int = 3, marker: str = "- ") -> str:
    """The draft under Keep a Changelog's ``### Added`` / ``### Fixed``... headings."""
    parts = []
    for group in GROUPS:
        items = [c for c in reversed(commits) if c.group == group]
        if items:
            parts.append("#" * level + f" {group}\n\n" + bullets(items[::-1], marker))
    return "\n\n".join(parts)


def auto_part(commits: list[Commit], current: str, tag: str | None) -> tuple[str, str]:
    """The part to bump, and why: breaking → major (minor while the major is 0),
    feat → minor, anything else → patch."""
    since_what = f"since {tag}" if tag else "in the history"
    breaking = [c for c in commits if c.breaking]
    feats = [c for c in commits if c.kind in ("feat", "feature")]
    major_zero = current.split(".", 1)[0].lstrip("v") in ("0", "")
    if breaking:
        n = len(breaking)
        what = f"{n} breaking change{'s' if n > 1 else ''} {since_what}"
        return ("minor", f"minor: {what} (major 0)") if major_zero else ("major", f"major: {what}")
    if feats:
        n = len(feats)
        return "minor", f"minor: {n} feat commit{'s' if n > 1 else ''} {since_what}"
    n = len(commits)
    if not n:
        return "patch", f"patch: no commits {since_what}"
    return "patch", f"patch: {n} commit{'s' if n > 1 else ''} {since_what}, no feat or breaking"


def choose_part(root: Path, scheme: object) -> tuple[str, str]:
    """``--part auto`` for a project: the part and the reason, from its commits."""
    current = str(getattr(scheme, "current", ""))
    tag_name = getattr(scheme, "tag_name", None)
    tag = last_tag(root, tag_name(current) if tag_name and current else None)
    message = getattr(scheme, "message_template", None)
    return auto_part(since(root, tag, templates(message)), current, tag)
