"""The packages of a monorepo, found from one declared list of folder globs.

The list is uv's ``[tool.uv.workspace] members`` (minus ``exclude``) in the root
pyproject.toml, or ``packages`` in the root ``[tool.release_tasks]`` for a repository
without uv. Each member is a folder with its own pyproject.toml (or setup.cfg/setup.py);
what it is called and which other members it requires are read from its own files.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from release_tasks.core.config import read_toml
from release_tasks.core.errors import ConfigError

if TYPE_CHECKING:
    from packaging.requirements import Requirement

_PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")


@dataclass(frozen=True)
class Pin:
    """One member's requirement on another member, as written in its [project] table."""

    name: str  # the required member's normalised name
    text: str  # the requirement string as written ("acme-core==0.2.0")
    requirement: Requirement

    @property
    def exact(self) -> str | None:
        """The version of an exact pin (``==0.2.0``), None for a range."""
        specs = list(self.requirement.specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and \
                not specs[0].version.endswith("*"):
            return specs[0].version
        return None

    def moved_to(self, version: str) -> str:
        """The requirement string pinning ``version`` instead."""
        req = self.requirement
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        marker = f"; {req.marker}" if req.marker else ""
        return f"{req.name}{extras}=={version}{marker}"


@dataclass(frozen=True)
class Member:
    folder: Path  # absolute
    path: str  # relative to the repository root, posix ("libs/acme-core")
    name: str  # the distribution name, as the member declares it
    pins: tuple[Pin, ...] = ()  # requirements on other members

    @property
    def key(self) -> str:
        from packaging.utils import canonicalize_name

        return canonicalize_name(self.name)


def globs(root: Path, packages: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """The member globs and the excluded globs the root declares (``packages`` first)."""
    if packages:
        return list(packages), []
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return [], []
    workspace = read_toml(pyproject).get("tool", {}).get("uv", {}).get("workspace", {})
    if not isinstance(workspace, dict):
        return [], []
    return [str(g) for g in workspace.get("members", []) or []], \
        [str(g) for g in workspace.get("exclude", []) or []]


def _folders(root: Path, include: list[str], exclude: list[str]) -> list[Path]:
    found: dict[Path, None] = {}
    for pattern in include:
        for folder in sorted(root.glob(pattern)):
            rel = folder.relative_to(root).as_posix()
            if not folder.is_dir() or any(fnmatch.fnmatch(rel, e) for e in exclude):
                continue
            if any((folder / f).is_file() for f in _PROJECT_FILES):
                found[folder] = None
    return list(found)


def _declared_requirements(folder: Path) -> list[str]:
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return []
    deps = read_toml(pyproject).get("project", {}).get("dependencies", []) or []
    return [d for d in deps if isinstance(d, str)]


def find(root: Path, packages: tuple[str, ...] = ()) -> list[Member]:
    """The members, in the order the globs list them; [] for a one-package repository."""
    include, exclude = globs(root, packages)
    if not include:
        return []  # nothing declares members: a one-package repository, asked cheaply
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    from release_tasks.build import metadata

    folders = _folders(root, include, exclude)
    named = [(f, metadata.name(f)) for f in folders]
    keys = {canonicalize_name(n) for _, n in named}
    members = []
    for folder, name in named:
        pins = []
        for text in _declared_requirements(folder):
            try:
                req = Requirement(text)
            except InvalidRequirement as e:
                raise ConfigError(f"{folder.relative_to(root).as_posix()}/pyproject.toml: "
                                  f"dependency {text!r} is not a valid requirement ({e})",
                                  "fix it (PEP 508)") from None
            if canonicalize_name(req.name) in keys:
                pins.append(Pin(canonicalize_name(req.name), text, req))
        members.append(Member(folder, folder.relative_to(root).as_posix(), name, tuple(pins)))
    return members


def choose(members: list[Member], wanted: str) -> Member:
    """The member ``wanted`` names: its distribution name or its folder (name or path)."""
    from packaging.utils import canonicalize_name

    for m in members:
        if canonicalize_name(wanted) == m.key or wanted.strip("/") in (m.path, m.folder.name):
            return m
    raise ConfigError(f"no package {wanted!r} in this repository",
                      "pick one of " + ", ".join(m.name for m in members))
