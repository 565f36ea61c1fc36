"""What a project's docs need, read from the places projects declare it.

Read the Docs installs ``python.install`` from ``.readthedocs.yaml`` (requirements files,
and the project itself with ``extra_requirements``); projects without that file keep
their docs requirements in a handful of conventional places, or in a ``docs`` extra. We
read the same places so that a release builds the docs the way their authors do.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from release_tasks.core.config import read_toml
from release_tasks.docs.declarations import Declared, _setup_cfg, declared, project_extras
from release_tasks.docs.find import DocsSource

# Bumped when the way environments are made changes, so old cached ones are not reused.
RECIPE = "2"

__all__ = ["Declared", "cache_key", "declared", "project_extras"]


def _setup_cfg_requires(root: Path) -> str:
    if not (root / "setup.cfg").is_file():
        return ""
    return _setup_cfg(root).get("options", "install_requires", fallback="")


def _included(path: Path, seen: set[Path]) -> list[Path]:
    """``path`` and the files its ``-r``/``-c`` lines pull in, for the cache key."""
    if path in seen or not path.is_file():
        return []
    seen.add(path)
    out = [path]
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = re.match(r"^\s*(?:-r|-c|--requirement|--constraint)[\s=]+(\S+)", line)
        if match:
            out += _included((path.parent / match.group(1)).resolve(), seen)
    return out


def cache_key(source: DocsSource, wants: Declared, extra_packages: list[str]) -> str:
    """A hash of everything that decides what the environment holds.

    The project's own version is left out on purpose: the environment outlives releases,
    and each release installs its own wheel over it.
    """
    digest = hashlib.sha256()
    digest.update(f"{RECIPE}|{sys.implementation.name}|{sys.version_info[:3]}|"
                  f"{source.builder}|{sorted(extra_packages)}|{wants.extras}|"
                  f"{sorted(wants.requirements)}".encode())
    seen: set[Path] = set()
    for path in wants.files:
        for file in _included(path.resolve(), seen):
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    # The project's own dependencies are in the environment too (the wheel goes over them
    # without its dependencies): a new one must make a new environment.
    pyproject = source.root / "pyproject.toml"
    if pyproject.is_file():
        project = read_toml(pyproject).get("project", {})
        digest.update(repr(project.get("dependencies")).encode())
    digest.update(repr(_setup_cfg_requires(source.root)).encode())
    # The Python Read the Docs is told to use, which the environment is made on if here.
    build = source.readthedocs.get("build")
    tools = build.get("tools") if isinstance(build, dict) else None
    digest.update(repr(tools.get("python") if isinstance(tools, dict) else None).encode())
    extras = project_extras(source.root)
    for extra in wants.extras:
        digest.update(repr(extras.get(extra)).encode())
    return digest.hexdigest()[:16]
