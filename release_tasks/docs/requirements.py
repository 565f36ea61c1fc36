"""What a project's docs need, read from the places projects declare it.

Read the Docs installs ``python.install`` from ``.readthedocs.yaml`` (requirements files,
and the project itself with ``extra_requirements``); projects without that file keep
their docs requirements in a handful of conventional places, or in a ``docs`` extra. We
read the same places so that a release builds the docs the way their authors do.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_tasks.core.config import read_toml
from release_tasks.docs.find import DocsSource

REQUIREMENT_FILES = ("docs/requirements*.txt", "doc/requirements*.txt",
                     "requirements/docs.txt", "requirements/doc.txt",
                     "requirements/requirements-docs.txt", "requirements-docs.txt",
                     "docs-requirements.txt")
DOCS_EXTRAS = ("docs", "doc", "documentation")
# Bumped when the way environments are made changes, so old cached ones are not reused.
RECIPE = "1"


@dataclass(frozen=True)
class Declared:
    """The docs requirements of one project; empty when it declares none."""

    files: tuple[Path, ...] = ()
    extras: tuple[str, ...] = ()
    where: str = ""  # for the plan: "requirements/docs.txt, extra docs"

    def __bool__(self) -> bool:
        return bool(self.files or self.extras)


def declared(source: DocsSource) -> Declared:
    root = source.root
    install = source.readthedocs.get("python", {})
    entries = install.get("install") if isinstance(install, dict) else None
    if isinstance(entries, list) and entries:
        files, extras = [], []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if entry.get("requirements"):
                files.append(root / str(entry["requirements"]))
            extras += [str(x) for x in entry.get("extra_requirements") or ()]
        names = [f.relative_to(root).as_posix() for f in files]
        names += [f"extra {x}" for x in extras]
        rtd = source.found_by if source.found_by.startswith(".") else "the Read the Docs config"
        return Declared(tuple(files), tuple(extras), f"{', '.join(names) or 'the project'} "
                        f"(from {rtd})")
    files = []
    patterns = list(REQUIREMENT_FILES)
    if source.dir != root:  # docs/source/requirements.txt; never the root's own requirements
        patterns.append(f"{source.relative(source.dir)}/requirements*.txt")
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            if path.is_file() and path not in files:
                files.append(path)
    available = project_extras(root)
    extras = [x for x in DOCS_EXTRAS if x in available]
    names = [f.relative_to(root).as_posix() for f in files] + [f"extra {x}" for x in extras]
    return Declared(tuple(files), tuple(extras), ", ".join(names))


def _setup_cfg(root: Path) -> Any:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(configparser.Error):  # a broken one is reported elsewhere
        parser.read(root / "setup.cfg", encoding="utf-8")
    return parser


def _setup_cfg_requires(root: Path) -> str:
    if not (root / "setup.cfg").is_file():
        return ""
    return _setup_cfg(root).get("options", "install_requires", fallback="")


def project_extras(root: Path) -> dict[str, list[str]]:
    """The project's extras and their requirements, from pyproject.toml or setup.cfg."""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        extras = read_toml(pyproject).get("project", {}).get("optional-dependencies")
        if isinstance(extras, dict):
            return {str(k): [str(r) for r in v] for k, v in extras.items()}
    if (root / "setup.cfg").is_file():
        parser = _setup_cfg(root)
        if parser.has_section("options.extras_require"):
            return {k: [line.strip() for line in v.splitlines() if line.strip()]
                    for k, v in parser.items("options.extras_require")}
    return {}


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
                  f"{source.builder}|{sorted(extra_packages)}|{wants.extras}".encode())
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
    extras = project_extras(source.root)
    for extra in wants.extras:
        digest.update(repr(extras.get(extra)).encode())
    return digest.hexdigest()[:16]
