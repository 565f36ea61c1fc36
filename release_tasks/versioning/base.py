"""What a version source finds, and the small interface every source implements.

A source is one way a project keeps its version (a bumpversion config, git tags through
setuptools_scm, ``[project] version``, a ``__version__`` line...). Each lives in its own
module as one object with ``detect``/``read``/``write``, and ``versioning.SOURCES`` lists
them in detection order, the way setuptools_scm registers its version schemes: a new
layout is a new module and one more entry in that list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from release_tasks.core.errors import VersionError

# Folders that hold no version of the distribution itself.
SKIP_DIRS = {"tests", "test", "testing", "docs", "doc", "build", "dist", "node_modules",
             "venv", "examples", "scripts", "benchmarks", "bench"}


@dataclass(frozen=True)
class Place:
    """One spot in one file that carries the version, as bump-my-version search/replace."""

    path: str  # relative to the project root, posix
    label: str  # for the header line and summary: "src/p/__init__.py __version__"
    search: str = "{current_version}"
    replace: str = "{new_version}"
    regex: bool = False
    key_path: str | None = None  # a TOML key (bump-my-version rewrites just that value)


@dataclass
class Found:
    """What a source read: the current version and where it lives."""

    current: str
    label: str  # "pyproject.toml [project] version", "git tags (hatch-vcs)"
    places: list[Place] = field(default_factory=list)
    from_tags: bool = False
    tool: str = ""  # for git-tag sources: the tool that turns the tag into a version

    @property
    def files(self) -> list[str]:
        return sorted({p.path for p in self.places})


class Source(Protocol):
    """One way of keeping the version."""

    name: str

    def detect(self, root: Path) -> bool:
        """Does this project keep its version this way? Cheap; reads a few files."""
        ...

    def read(self, root: Path) -> Found:
        """The current version and its places; raises VersionError when unreadable."""
        ...

    def write(self, root: Path, found: Found, new: str) -> list[str]:
        """Put ``new`` where ``read`` found the version; returns the files changed."""
        ...


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


# The string literal must be the whole value: ``".".join(...)``, ``"%s.%s" % ...`` and
# ``"1.2" + suffix`` are computed, not versions, whatever their first string says.
VERSION_ASSIGN = re.compile(
    r"""^(?P<name>__version__|VERSION|version)\s*(?::\s*[\w\[\]]+\s*)?=\s*"""
    r"""(?P<q>['"])(?P<version>[^'"]+)(?P=q)[ \t]*(?:#[^\r\n]*)?\r?$""", re.M)


def _is_version(text: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def assigned_version(text: str, names: tuple[str, ...] = ("__version__",)) -> str | None:
    """The literal ``__version__ = "1.2.3"`` (or another of ``names``) at module level."""
    for m in VERSION_ASSIGN.finditer(text):
        if m.group("name") in names and _is_version(m.group("version")):
            return m.group("version")
    return None


def assignment_place(rel: str, text: str, names: tuple[str, ...] = ("__version__",),
                     label: str | None = None) -> Place | None:
    """A regex Place that rewrites only the ``NAME = "X"`` line, whatever its quotes."""
    for m in VERSION_ASSIGN.finditer(text):
        if m.group("name") in names and _is_version(m.group("version")):
            name = m.group("name")
            return Place(path=rel, label=label or f"{rel} {name}",
                         search=rf"^({re.escape(name)}\s*(?::\s*[\w\[\]]+\s*)?=\s*['\"])"
                                r"{current_version}(['\"])",
                         replace=r"\g<1>{new_version}\g<2>", regex=True)
    return None


def unreadable(what: str, hint: str) -> VersionError:
    return VersionError(what, hint)
