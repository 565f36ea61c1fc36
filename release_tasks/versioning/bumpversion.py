"""A bumpversion config: ``.bumpversion.cfg``, ``.bumpversion.toml``, ``setup.cfg
[bumpversion]`` or ``pyproject.toml [tool.bumpversion]``, read by bump-my-version.

Its file list is the project's explicit choice, so nothing is added to it. The legacy
bumpversion forms are accepted as bumpversion read them: ``[bumpversion:file:PATH]`` and
``[bumpversion:part:NAME]`` sections, and a ``files = a.py b.py`` option.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from release_tasks.core.config import read_toml
from release_tasks.core.errors import ConfigError
from release_tasks.versioning.base import Found, read_text

CONFIG_FILES = (".bumpversion.cfg", ".bumpversion.toml", "setup.cfg", "pyproject.toml")
LABELS = {"setup.cfg": "setup.cfg [bumpversion]",
          "pyproject.toml": "pyproject.toml [tool.bumpversion]"}


def find_config_file(root: Path) -> Path | None:
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        if path.suffix == ".toml":
            tool = read_toml(path).get("tool", {})
            if name == ".bumpversion.toml" or isinstance(tool.get("bumpversion"), dict):
                return path
        elif name == ".bumpversion.cfg" or "[bumpversion]" in read_text(path):
            return path
    return None


def raw_config(path: Path) -> dict[str, Any]:
    """The config as bump-my-version reads it, with legacy ``files =`` turned into entries."""
    from bumpversion.config.files import read_config_file

    from release_tasks.versioning.scheme import quiet_in

    try:
        with quiet_in(path.parent):
            raw = dict(read_config_file(path))
    except Exception as e:  # configparser/tomlkit errors vary by version
        raise ConfigError(f"{path.name} has a malformed bumpversion section: "
                          f"{str(e).splitlines()[0]}", "fix its syntax") from None
    files = raw.get("files")
    if isinstance(files, str):
        raw["files"] = [{"filename": f} for f in files.replace(",", " ").split()]
    elif isinstance(files, list):
        raw["files"] = [{"filename": f} if isinstance(f, str) else f for f in files]
    return raw


class BumpversionConfig:
    name = "bumpversion config"

    def detect(self, root: Path) -> bool:
        return find_config_file(root) is not None

    def read(self, root: Path) -> Found:
        path = find_config_file(root)
        assert path is not None
        raw = raw_config(path)
        return Found(str(raw.get("current_version") or ""), LABELS.get(path.name, path.name))

    def write(self, root: Path, found: Found, new: str) -> list[str]:
        from release_tasks.versioning import detect

        return detect(root).apply(new)


SOURCE = BumpversionConfig()
