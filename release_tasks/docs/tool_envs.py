"""The docs environment of a project's tox or nox config, read without running either.

tox keeps it in ``[testenv:docs]`` (tox.ini, ``legacy_tox_ini`` in pyproject.toml, or
``[env.docs]`` in tox.toml); nox in a session function named ``docs``, whose
``session.install(...)`` calls say what it installs. Both mix requirement files
(``-r docs/requirements.txt``), the project with extras (``.[docs]``) and plain
requirements: :class:`ToolEnv` keeps the three apart, as pip would read them.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from release_tasks.core.config import read_toml

DOCS_ENVS = ("docs", "doc", "build_docs", "build-docs")


@dataclass(frozen=True)
class ToolEnv:
    files: tuple[str, ...]  # relative to the project root
    extras: tuple[str, ...]
    requirements: tuple[str, ...]
    where: str


def split(args: Iterable[str], where: str) -> ToolEnv | None:
    """pip's arguments (``-r FILE``, ``-e .[docs]``, ``.``, ``sphinx>=7``) sorted out."""
    files: list[str] = []
    extras: list[str] = []
    reqs: list[str] = []
    items = [a for arg in args for a in (shlex.split(arg, comments=True)
                                         if arg.startswith("-") else [arg.strip()]) if a]
    it = iter(items)
    for item in it:
        if item in ("-r", "--requirement", "-c", "--constraint"):
            path = next(it, "")
            if item in ("-r", "--requirement") and path:
                files.append(path)
        elif item.startswith(("-r", "--requirement=")):
            files.append(item.split("=", 1)[-1] if "=" in item else item[2:])
        elif item in ("-e", "--editable") or item.startswith("-"):
            continue
        elif re.match(r"^\.(\[[^\]]*\])?$", item):
            extras += [x.strip() for x in item[2:-1].split(",")] if "[" in item else []
        elif "{" not in item and "/" not in item:
            reqs.append(item)
    if not (files or extras or reqs):
        return None
    return ToolEnv(tuple(files), tuple(extras), tuple(reqs), where)


def _tox_ini(root: Path) -> tuple[configparser.ConfigParser, str] | None:
    parser = configparser.ConfigParser(interpolation=None)
    if (root / "tox.ini").is_file():
        with contextlib.suppress(configparser.Error):
            parser.read(root / "tox.ini", encoding="utf-8")
            return parser, "tox.ini"
    pyproject = root / "pyproject.toml"
    legacy = read_toml(pyproject).get("tool", {}).get("tox", {}).get("legacy_tox_ini") \
        if pyproject.is_file() else None
    if isinstance(legacy, str):
        with contextlib.suppress(configparser.Error):
            parser.read_string(legacy)
            return parser, "pyproject.toml"
    return None


def _tox_values(parser: configparser.ConfigParser, section: str, key: str) -> list[str]:
    raw = parser.get(section, key, fallback="")
    raw = raw.replace("{toxinidir}/", "").replace("{toxinidir}", ".")
    if key == "extras":
        return [v.strip() for v in re.split(r"[\n,]", raw) if v.strip()]
    return [v.strip() for v in raw.splitlines()]


def tox_docs(root: Path) -> ToolEnv | None:
    """``[testenv:docs]``'s deps and extras ({toxinidir} is the project root)."""
    found = _tox_ini(root)
    if found is not None:
        parser, where = found
        for name in DOCS_ENVS:
            section = f"testenv:{name}"
            if parser.has_section(section):
                deps = [d for d in _tox_values(parser, section, "deps")
                        if d and not d.startswith("#")]
                extras = _tox_values(parser, section, "extras")
                env = split([*deps, *(f".[{x}]" for x in extras)], f"[{section}] in {where}")
                if env is not None:
                    return env
    toml = root / "tox.toml"
    envs = read_toml(toml).get("env", {}) if toml.is_file() else {}
    for name in DOCS_ENVS:
        env_table = envs.get(name) if isinstance(envs, dict) else None
        if isinstance(env_table, dict):
            deps = [str(d).replace("{tox_root}/", "") for d in env_table.get("deps") or ()]
            extras = [f".[{x}]" for x in env_table.get("extras") or ()]
            found_env = split([*deps, *extras], f"[env.{name}] in tox.toml")
            if found_env is not None:
                return found_env
    return None


def nox_docs(root: Path) -> ToolEnv | None:
    """The string arguments of ``session.install`` in a session named docs."""
    path = root / "noxfile.py"
    if not path.is_file():
        return None
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                _session_name(node) in DOCS_ENVS:
            args = [arg.value for call in ast.walk(node) if _is_install(call)
                    for arg in call.args  # type: ignore[attr-defined]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            joined = _join_flags(args)
            return split(joined, f"nox session {_session_name(node)} in noxfile.py")
    return None


def _session_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The name nox knows it by (``@nox.session(name=...)``), when it is a session."""
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name != "session":
            continue
        if isinstance(deco, ast.Call):
            for kw in deco.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                    return str(kw.value.value)
        return node.name
    return None


def _is_install(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr == "install"


def _join_flags(args: list[str]) -> list[str]:
    """``("-r", "docs/requirements.txt")`` as one argument, the way split() reads them."""
    out: list[str] = []
    for arg in args:
        if out and out[-1] in ("-r", "--requirement", "-c", "--constraint", "-e", "--editable"):
            out[-1] = f"{out[-1]} {shlex.quote(arg)}"
        else:
            out.append(arg)
    return out
