"""What the package is called, read from its own metadata files."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from release_tasks.core.config import read_toml
from release_tasks.core.errors import ConfigError

_SETUP_PY_NAME = re.compile(r"""\bname\s*=\s*['"]([A-Za-z0-9][A-Za-z0-9._-]*)['"]""")


def name(root: Path) -> str:
    """The distribution name, from pyproject.toml, setup.cfg or setup.py, in that order."""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        project = read_toml(pyproject).get("project", {})
        if isinstance(project.get("name"), str):
            return str(project["name"])
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except configparser.Error:
            pass
        else:
            if parser.has_option("metadata", "name"):
                return parser.get("metadata", "name").strip()
    setup_py = root / "setup.py"
    if setup_py.is_file():
        match = _SETUP_PY_NAME.search(setup_py.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match.group(1)
    raise ConfigError("cannot tell the package's name",
                      "set [project] name in pyproject.toml or name in setup.cfg [metadata]")


def normalize(dist_name: str) -> str:
    """PEP 503 normalised name: the folder name on a simple index."""
    return re.sub(r"[-_.]+", "-", dist_name).lower()
