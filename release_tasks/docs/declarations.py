"""The ways a project declares what its docs need, each one small, tried in a visible order.

Projects say it in many places: Read the Docs' config, requirement files by convention, a
``docs`` extra, PEP 735 dependency groups, Poetry and PDM groups, a Hatch environment, a
tox or nox environment, or a root requirements file that happens to name Sphinx.
``DECLARATIONS`` is the order they are tried in; the first that declares something is the
one the docs are built with, and the plan says which it was.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_tasks.core.config import read_toml
from release_tasks.docs import install_commands, tool_envs
from release_tasks.docs.find import DocsSource

REQUIREMENT_FILES = ("docs/requirements*.txt", "doc/requirements*.txt",
                     "requirements/docs.txt", "requirements/doc.txt",
                     "requirements/requirements-docs.txt", "requirements-docs.txt",
                     "docs-requirements.txt")
DOCS_EXTRAS = ("docs", "doc", "documentation")
DOCS_TOOLS = re.compile(r"^\s*(sphinx|mkdocs)\b", re.M | re.I)


@dataclass(frozen=True)
class Declared:
    """The docs requirements of one project; empty when it declares none."""

    files: tuple[Path, ...] = ()
    extras: tuple[str, ...] = ()
    where: str = ""  # for the plan: "requirements/docs.txt, extra docs"
    requirements: tuple[str, ...] = ()  # written inline: a group, a tox env's deps

    def __bool__(self) -> bool:
        return bool(self.files or self.extras or self.requirements)


Declaration = Callable[[DocsSource], Declared]


def docs_group(names: Iterable[str]) -> str | None:
    """The group that holds the docs: ``docs``, ``doc``, or the first ``docs-*``."""
    names = [str(n) for n in names]
    for name in DOCS_EXTRAS:
        if name in names:
            return name
    return next((n for n in names if re.match(r"^docs?[-_]", n)), None)


def _pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    return read_toml(path) if path.is_file() else {}


def readthedocs(source: DocsSource) -> Declared:
    """``python.install`` in ``.readthedocs.yaml``: what Read the Docs itself installs."""
    root = source.root
    install = source.readthedocs.get("python", {})
    entries = install.get("install") if isinstance(install, dict) else None
    if not isinstance(entries, list) or not entries:
        return Declared()
    files, extras = [], []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if entry.get("requirements"):
            files.append(root / str(entry["requirements"]))
        extras += [str(x) for x in entry.get("extra_requirements") or ()]
    names = [f.relative_to(root).as_posix() for f in files] + [f"extra {x}" for x in extras]
    rtd = source.found_by if source.found_by.startswith(".") else "the Read the Docs config"
    return Declared(tuple(files), tuple(extras),
                    f"{', '.join(names) or 'the project'} (from {rtd})")


def readthedocs_commands(source: DocsSource) -> Declared:
    """The install commands of ``build.jobs`` or ``build.commands`` in
    ``.readthedocs.yaml`` (``uv sync --group docs --extra zstd``): what they install."""
    found = install_commands.read(install_commands.commands(source.readthedocs))
    tools_only = not (found.files or found.groups or found.extras or found.default_groups
                      or any(DOCS_TOOLS.match(r) for r in found.requirements))
    if not found or tools_only:  # `pip install uv tox`: tools that make it another way
        return Declared()
    root = source.root
    groups = _pyproject(root).get("dependency-groups")
    groups = groups if isinstance(groups, dict) else {}
    wanted = list(found.requirements)
    names = list(found.groups)
    if found.default_groups:  # uv's own default: the dev group, or the ones it is told
        uv = _pyproject(root).get("tool", {}).get("uv", {})
        default = uv.get("default-groups", ["dev"]) if isinstance(uv, dict) else ["dev"]
        names += list(groups) if default == "all" else [str(g) for g in default]
    for name in dict.fromkeys(names):
        wanted += _group(groups, name, set())
    files = tuple(p for p in (Path(os.path.normpath(root / f)) for f in found.files)
                  if p.is_file() and p.is_relative_to(root))
    rtd = source.found_by if source.found_by.startswith(".") else "the Read the Docs config"
    return Declared(files, tuple(dict.fromkeys(found.extras)),
                    f"`{'; '.join(found.commands)}` (from {rtd})",
                    tuple(dict.fromkeys(wanted)))


def conventional(source: DocsSource) -> Declared:
    """``docs/requirements*.txt`` and their usual neighbours, and a ``docs`` extra."""
    root = source.root
    files: list[Path] = []
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


def dependency_groups(source: DocsSource) -> Declared:
    """PEP 735 ``[dependency-groups]``: ``docs``, ``doc`` or ``docs-*``."""
    groups = _pyproject(source.root).get("dependency-groups")
    if not isinstance(groups, dict):
        return Declared()
    name = docs_group(groups)
    if name is None:
        return Declared()
    return Declared(requirements=tuple(_group(groups, name, set())),
                    where=f"[dependency-groups] {name} in pyproject.toml")


def _group(groups: dict[str, Any], name: str, seen: set[str]) -> list[str]:
    if name in seen:
        return []
    seen.add(name)
    out: list[str] = []
    for item in groups.get(name) or ():
        if isinstance(item, dict) and "include-group" in item:
            out += _group(groups, str(item["include-group"]), seen)
        elif isinstance(item, str):
            out.append(item)
    return out


def poetry_group(source: DocsSource) -> Declared:
    """``[tool.poetry.group.docs.dependencies]``, constraints made PEP 440."""
    groups = _pyproject(source.root).get("tool", {}).get("poetry", {}).get("group")
    if not isinstance(groups, dict):
        return Declared()
    name = docs_group(groups)
    deps = groups.get(name, {}).get("dependencies") if name else None
    if not isinstance(deps, dict):
        return Declared()
    found = [r for dist, spec in deps.items() if (r := poetry_requirement(dist, spec))]
    return Declared(requirements=tuple(found),
                    where=f"[tool.poetry.group.{name}] in pyproject.toml")


def poetry_requirement(dist: str, spec: Any) -> str | None:
    """A Poetry dependency as a PEP 508 requirement (``^1.2`` → ``>=1.2,<2``); None for
    what pip cannot install by name (paths, the project itself)."""
    extras = ""
    if isinstance(spec, dict):
        if "path" in spec or "git" in spec or "url" in spec:
            return None
        extras = f"[{','.join(spec['extras'])}]" if spec.get("extras") else ""
        spec = spec.get("version", "*")
    if isinstance(spec, list):  # alternatives by marker: the first is the common one
        return poetry_requirement(dist, spec[0]) if spec else None
    parts = [_poetry_constraint(c.strip()) for c in str(spec).split(",") if c.strip()]
    return f"{dist}{extras}{','.join(p for p in parts if p)}"


def _poetry_constraint(constraint: str) -> str:
    if constraint in ("*", ""):
        return ""
    if constraint[0] in "^~" and not constraint.startswith("~="):
        base = constraint.lstrip("^~").strip()
        numbers = [int(n) if n.isdigit() else 0 for n in base.split(".")]
        if constraint[0] == "^":
            first = next((i for i, n in enumerate(numbers) if n), len(numbers) - 1)
            upper = [*numbers[:first], numbers[first] + 1]
        else:
            keep = 1 if len(numbers) == 1 else 2
            upper = [*numbers[:keep - 1], numbers[keep - 1] + 1]
        return f">={base},<{'.'.join(map(str, upper))}"
    return constraint if constraint[0] in "<>=!~" else f"=={constraint}"


def pdm_group(source: DocsSource) -> Declared:
    """``[tool.pdm.dev-dependencies]`` docs (PDM before dependency groups)."""
    groups = _pyproject(source.root).get("tool", {}).get("pdm", {}).get("dev-dependencies")
    if not isinstance(groups, dict):
        return Declared()
    name = docs_group(groups)
    if name is None:
        return Declared()
    found = [str(r) for r in groups[name] if not str(r).startswith("-e")]
    return Declared(requirements=tuple(found),
                    where=f"[tool.pdm.dev-dependencies] {name} in pyproject.toml")


def hatch_env(source: DocsSource) -> Declared:
    """``[tool.hatch.envs.docs]`` (or ``[envs.docs]`` in hatch.toml): its dependencies and
    the project's features."""
    hatch_toml = source.root / "hatch.toml"
    envs = read_toml(hatch_toml).get("envs") if hatch_toml.is_file() else None
    where = "hatch.toml"
    if not isinstance(envs, dict):
        envs = _pyproject(source.root).get("tool", {}).get("hatch", {}).get("envs")
        where = "pyproject.toml"
    if not isinstance(envs, dict):
        return Declared()
    name = docs_group(envs)
    env = envs.get(name) if name else None
    if not isinstance(env, dict):
        return Declared()
    found = [str(r) for key in ("dependencies", "extra-dependencies")
             for r in env.get(key) or () if "{root" not in str(r)]
    extras = tuple(str(x) for x in env.get("features") or ())
    table = "envs" if where == "hatch.toml" else "tool.hatch.envs"
    return Declared(extras=extras, requirements=tuple(found),
                    where=f"[{table}.{name}] in {where}")


def tox_env(source: DocsSource) -> Declared:
    """tox's ``[testenv:docs]``: its deps (``-r`` files among them) and extras."""
    found = tool_envs.tox_docs(source.root)
    return _from_tool(source.root, found)


def nox_session(source: DocsSource) -> Declared:
    """A nox session named docs: what its ``session.install(...)`` calls install."""
    return _from_tool(source.root, tool_envs.nox_docs(source.root))


def _from_tool(root: Path, found: tool_envs.ToolEnv | None) -> Declared:
    if found is None:
        return Declared()
    files = tuple(p for p in (Path(os.path.normpath(root / f)) for f in found.files)
                  if p.is_file() and p.is_relative_to(root))
    return Declared(files, found.extras, found.where, found.requirements)


def requirement_folder(source: DocsSource) -> Declared:
    """``requirements/docs.in`` and such (pip-tools' sources) when no compiled ``.txt``."""
    for pattern in ("requirements/doc*.txt", "requirements/*-doc*.txt",
                    "requirements/doc*.in", "requirements/*-doc*.in"):
        files = sorted(p for p in source.root.glob(pattern) if p.is_file())
        if files:
            return Declared(tuple(files[:1]), where=files[0].relative_to(source.root).as_posix())
    return Declared()


def root_requirements(source: DocsSource) -> Declared:
    """A root ``requirements*.txt`` that names the docs tool: the docs are built from it."""
    for path in sorted(source.root.glob("requirements*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        if DOCS_TOOLS.search(text):
            return Declared((path,), where=f"{path.name} (it names {source.builder})"
                            if source.builder.lower() in text.lower() else path.name)
    return Declared()


def _setup_cfg(root: Path) -> Any:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(configparser.Error):  # a broken one is reported elsewhere
        parser.read(root / "setup.cfg", encoding="utf-8")
    return parser


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


# The order they are tried in: Read the Docs' own config first (it is what the published
# docs are built with), then the forms that exist only for the docs, then the general ones.
DECLARATIONS: list[Declaration] = [
    readthedocs,
    readthedocs_commands,
    conventional,
    dependency_groups,
    poetry_group,
    pdm_group,
    hatch_env,
    tox_env,
    nox_session,
    requirement_folder,
    root_requirements,
]


def declared(source: DocsSource) -> Declared:
    """The first declaration that says something, or an empty one."""
    for declaration in DECLARATIONS:
        found = declaration(source)
        if found:
            return found
    return Declared()
