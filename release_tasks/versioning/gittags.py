"""Versions made from git tags: the shared part of setuptools_scm, hatch-vcs, pdm's scm
source, versioningit, poetry-dynamic-versioning and versioneer.

For all of them the current version is the newest release tag reachable from HEAD, a
"bump" writes no file (the tag is the version), and the build is told the new version
through each tool's pretend/bypass variable, so the sdist and wheel carry exactly it even
though they are built from an export without ``.git``.
"""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.core.config import read_toml
from release_tasks.vcs import git
from release_tasks.versioning import pep440
from release_tasks.versioning.base import Found

_TAG = re.compile(r"^(?P<prefix>(?:[A-Za-z][\w.-]*?[-_])?v?)(?P<version>\d[\w.!+-]*)$")


def pyproject(root: Path) -> dict:
    path = root / "pyproject.toml"
    return read_toml(path) if path.is_file() else {}


def build_requires(root: Path) -> str:
    return " ".join(pyproject(root).get("build-system", {}).get("requires", [])).lower()


def release_tags(root: Path) -> list[tuple[str, str]]:
    """``(tag, version)`` of every tag on HEAD's history that reads as a PEP 440 version."""
    out = git.run_git(root, "tag", "--merged", "HEAD", check=False) if git.has_commits(root) \
        else ""
    found = []
    for tag in out.split():
        m = _TAG.match(tag)
        if m and pep440.parse(m.group("version")) is not None:
            found.append((tag, m.group("version")))
    return found


def latest(root: Path) -> tuple[str, str] | None:
    tags = release_tags(root)
    return max(tags, key=lambda t: pep440.parse(t[1])) if tags else None


def tag_template(root: Path, current: str) -> str:
    """``{new_version}``, or the prefix the project's own tags use (``v{new_version}``)."""
    if git.tag_exists(root, current):
        return "{new_version}"
    if git.tag_exists(root, f"v{current}"):
        return "v{new_version}"
    newest = latest(root)
    if newest is not None and newest[1] == current:
        m = _TAG.match(newest[0])
        if m and m.group("prefix"):
            return m.group("prefix") + "{new_version}"
    return "{new_version}"


def pretend_env(name: str, version: str) -> dict[str, str]:
    """Each tool's documented override, so every one of them builds ``version``."""
    upper = re.sub(r"[-_.]+", "_", name).upper()
    return {"SETUPTOOLS_SCM_PRETEND_VERSION": version,
            f"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_{upper}": version,
            "PDM_BUILD_SCM_VERSION": version,
            "POETRY_DYNAMIC_VERSIONING_BYPASS": version,
            "UV_DYNAMIC_VERSIONING_BYPASS": version}


class GitTagSource:
    """Base of the git-tag sources: each subclass only says how it recognises its tool."""

    name = "git tags"

    def detect(self, root: Path) -> bool:
        raise NotImplementedError

    def read(self, root: Path) -> Found:
        newest = latest(root)
        current = newest[1] if newest else "0.0.0"
        label = f"git tags ({self.name})" + ("" if newest else ", no release tag yet")
        return Found(current=current, label=label, from_tags=True, tool=self.name)

    def write(self, root: Path, found: Found, new: str) -> list[str]:
        return []  # the tag is the version
