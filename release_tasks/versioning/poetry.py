"""Poetry: ``[tool.poetry] version``."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.base import Found, Place
from release_tasks.versioning.files import FileSource
from release_tasks.versioning.gittags import pyproject


class PoetryVersion(FileSource):
    name = "pyproject.toml [tool.poetry] version"

    def detect(self, root: Path) -> bool:
        poetry = pyproject(root).get("tool", {}).get("poetry", {})
        return isinstance(poetry, dict) and isinstance(poetry.get("version"), str) and \
            poetry["version"] not in ("0.0.0", "0")  # placeholders of dynamic versioning

    def read(self, root: Path) -> Found:
        current = pyproject(root)["tool"]["poetry"]["version"]
        return Found(current, self.name,
                     [Place("pyproject.toml", self.name, key_path="tool.poetry.version")])


SOURCE = PoetryVersion()
