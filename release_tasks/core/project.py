"""What the package is called, read from its own metadata files.

In order: ``[project] name``, ``[tool.poetry] name``, setup.cfg ``[metadata] name``,
setup.py ``name="..."`` (or the ``__title__`` of a file setup.py execs, as requests
does). The last resort, the build backend itself, is ``build.metadata``'s.
"""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.core.config import read_toml, setup_cfg
from release_tasks.core.errors import ConfigError

_SETUP_PY_NAME = re.compile(
    r"""\bname\s*=\s*['"]([A-Za-z0-9][A-Za-z0-9._-]*)['"]\s*(?:,|\)|$)""", re.M)
_SETUP_PY_TITLE = re.compile(r"""\bname\s*=\s*\w+\[\s*['"](__\w+__)['"]\s*\]""")
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


def _from_pyproject(root: Path) -> str | None:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    data = read_toml(pyproject)
    for table in (data.get("project", {}), data.get("tool", {}).get("poetry", {})):
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            return str(table["name"])
    return None


def _from_setup_cfg(root: Path) -> str | None:
    parser = setup_cfg(root)
    if parser is not None and parser.has_option("metadata", "name"):
        return parser.get("metadata", "name").strip() or None
    return None


def _from_setup_py(root: Path) -> str | None:
    setup_py = root / "setup.py"
    if not setup_py.is_file():
        return None
    text = setup_py.read_text(encoding="utf-8", errors="replace")
    match = _SETUP_PY_NAME.search(text)
    if match:
        return match.group(1)
    title = _SETUP_PY_TITLE.search(text)
    if title:
        for rel in exec_files(root, text):
            found = re.search(rf"""^{title.group(1)}\s*=\s*['"]([^'"]+)['"]""",
                              (root / rel).read_text(encoding="utf-8", errors="replace"), re.M)
            if found and _NAME.match(found.group(1)):
                return found.group(1)
    return None


_JOIN = re.compile(r"""(?:os\.path\.join|Path)\(([^)]*)\)|(['"])([\w./-]+\.py)\2""")


def exec_files(root: Path, text: str) -> list[str]:
    """Python files setup.py ``exec``s (or opens) for its metadata, like requests'
    ``__version__.py``: relative paths that exist."""
    found = []
    for line in text.splitlines():
        if "exec" not in line and "open(" not in line and "read" not in line:
            continue
        for m in _JOIN.finditer(line):
            if m.group(3):
                candidates = [m.group(3)]
            else:
                literals = re.findall(r"""['"]([\w./-]+)['"]""", m.group(1))
                candidates = ["/".join(literals)] if literals else []
            for rel in candidates:
                if rel.endswith(".py") and (root / rel).is_file() and rel != "setup.py":
                    found.append(rel)
    return sorted(set(found))


# PEP 508 names: ASCII letters and digits, with ".", "-" and "_" inside.
_VALID = re.compile(r"([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])", re.I | re.ASCII)
_DECLARED = ((_from_pyproject, "pyproject.toml"), (_from_setup_cfg, "setup.cfg [metadata]"),
             (_from_setup_py, "setup.py"))


def check_name(value: str, where: str) -> str:
    """``value`` if it is a valid distribution name. Checked before anything changes: the
    build, the index and pip would each refuse it only after the history, bump and tag."""
    if not _VALID.fullmatch(value):
        raise ConfigError(f"the package name {value!r} in {where} is not a valid "
                          "distribution name (PEP 508)",
                          "use ASCII letters, digits, '.', '-' and '_', starting and ending "
                          "with a letter or digit")
    return value


def declared_name(root: Path) -> str | None:
    """The distribution name the project's files declare (see the module docstring), or
    None: then only its build backend can tell (``build.metadata``)."""
    for reader, where in _DECLARED:
        found = reader(root)
        if found:
            return check_name(found, where)
    return None


def normalize(dist_name: str) -> str:
    """PEP 503 normalised name: the folder name on a simple index."""
    return re.sub(r"[-_.]+", "-", dist_name).lower()
