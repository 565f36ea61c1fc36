"""A bumpversion config: ``.bumpversion.cfg``, ``.bumpversion.toml``, ``setup.cfg
[bumpversion]`` or ``pyproject.toml [tool.bumpversion]``, read by bump-my-version.

Its file list is the project's explicit choice, so nothing is added to it. The legacy
bumpversion forms are accepted as bumpversion read them: ``[bumpversion:file:PATH]`` and
``[bumpversion:part:NAME]`` sections, and a ``files = a.py b.py`` option.
"""

from __future__ import annotations

import configparser
import contextlib
import re
import tempfile
from collections.abc import Iterator
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


def legacy_files(path: Path) -> list[str]:
    """bumpversion's old ``files = a.py b.py`` option of ``[bumpversion]`` (ini files)."""
    if path.suffix not in (".cfg", ".ini"):
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return []
    if not parser.has_option("bumpversion", "files"):
        return []
    return parser.get("bumpversion", "files").replace(",", " ").split()


@contextlib.contextmanager
def readable(path: Path) -> Iterator[Path]:
    """``path``, or a copy without the legacy ``files =`` option, which bump-my-version
    cannot read (it becomes file entries instead, see :func:`raw_config`)."""
    if not legacy_files(path):
        yield path
        return
    text = re.sub(r"(?m)^files\s*[=:].*(\n[ \t]+.*)*\n?", "", read_text(path), count=1)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(text, encoding="utf-8")
        yield copy


def raw_config(path: Path) -> dict[str, Any]:
    """The config as bump-my-version reads it, legacy ``files =`` turned into entries
    (with absolute file names, so they do not depend on where the config was read)."""
    from bumpversion.config.files import read_config_file

    from release_tasks.versioning.scheme import quiet_in

    try:
        with readable(path) as copy, quiet_in(path.parent):
            raw = dict(read_config_file(copy))
    except Exception as e:  # configparser/tomlkit errors vary by version
        raise ConfigError(f"{path.name} has a malformed bumpversion section: "
                          f"{str(e).splitlines()[0]}", "fix its syntax") from None
    files = [f if isinstance(f, dict) else {"filename": f} for f in raw.get("files") or []]
    files += [{"filename": f} for f in legacy_files(path)]
    if files:
        raw["files"] = [{**f, "filename": str(path.parent / f["filename"])}
                        if f.get("filename") and not Path(f["filename"]).is_absolute() else f
                        for f in files]
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
