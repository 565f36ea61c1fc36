"""What changed in a member since its own last release, and moving the pins on it."""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.vcs import git
from release_tasks.workspace.members import Member, Pin


def own_tag_pattern(name: str) -> str:
    """A member's own tags: ``acme-core-v0.2.1``."""
    return f"{name}-v*"


def last_tag(root: Path, member: Member, current_tag: str | None = None) -> str | None:
    """The member's last release tag: its current version's tag when it exists, else its
    newest own tag reachable from HEAD; None for a member never released."""
    if current_tag and git.tag_exists(root, current_tag):
        return current_tag
    found = git.run_git(root, "describe", "--tags", "--abbrev=0", "--match",
                        own_tag_pattern(member.name), "HEAD", check=False).strip()
    return found or None


def changed_since(root: Path, member: Member, tag: str | None) -> bool:
    """Are there commits touching the member's folder since ``tag`` (ever, without)?"""
    rev = f"{tag}..HEAD" if tag else "HEAD"
    return bool(git.run_git(root, "log", "-1", "--format=%H", rev, "--", member.path,
                            check=False).strip())


def move_pin(member: Member, pin: Pin, version: str) -> str:
    """Rewrite ``pin`` in the member's pyproject.toml to ``version``; returns the new
    requirement string. Only the quoted requirement changes, the rest of the file stays
    byte for byte."""
    path = member.folder / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    new = pin.moved_to(version)
    pattern = re.compile(r"""(["'])""" + re.escape(pin.text) + r"\1")
    changed, count = pattern.subn(lambda m: f"{m.group(1)}{new}{m.group(1)}", text)
    if count:
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write(changed)
    return new
