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
from release_tasks.versioning import gittags
from release_tasks.versioning.base import Found, read_text
from release_tasks.versioning.scheme import WHOLE, Scheme, check_pep440, load

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
    from bumpversion.config.files import read_toml_file
    from bumpversion.config.files_legacy import read_ini_file

    # The readers bump-my-version's read_config_file picks by suffix (it also prints a
    # deprecation notice for ini files).
    reader = read_toml_file if path.suffix == ".toml" else read_ini_file
    try:
        with readable(path) as copy:
            raw = dict(reader(copy))
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


def scheme(root: Path, first: Found, current: str | None = None) -> Scheme:
    """The scheme of a project with a bumpversion config (its own parse, or PEP 440).

    ``current``: the version to release from when the config's ``current_version`` is
    behind the files the build reads (see versioning.truth); the config is set to the new
    version along with them, and a note says so."""
    config_file = find_config_file(root)
    assert config_file is not None
    raw = raw_config(config_file)
    own_parse = "parse" in raw or "serialize" in raw
    overrides: dict[str, Any] = {}
    if "files" in raw:
        overrides["files"] = raw["files"]
    if not own_parse:
        overrides.update(WHOLE)
    configured = str(raw.get("current_version") or "")
    if current is not None and current != configured:
        overrides["current_version"] = current
    with readable(config_file) as copy:
        bv = load(root, copy, current_from_file="current_version" in raw, **overrides)
    if not bv.current_version:
        raise ConfigError(f"{first.label} has no current_version",
                          "add current_version = \"X.Y.Z\" to it")
    current = str(bv.current_version)
    if own_parse and bv.version_config.parse(current) is None:
        raise ConfigError(f"current_version {current!r} in {first.label} does not match its "
                          "parse pattern", "fix current_version or parse")
    if not own_parse:
        check_pep440(current, first.label)
    template = str(raw["tag_name"]) if "tag_name" in raw else gittags.tag_template(root, current)
    result = Found(current, first.label)  # its files: Scheme.files reads the config
    made = Scheme(root, result, bv, config_file, raw, own_parse=own_parse,
                  tag_template=template)
    if "current_version" in overrides:
        made.stale_current = configured
        made.notes.append(f"{first.label} current_version {configured} is behind the "
                          f"version the build reads ({current}): releasing from {current}, "
                          "and the config gets the new version too")
    return made



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
        return scheme(root, found).apply(new)


SOURCE = BumpversionConfig()
