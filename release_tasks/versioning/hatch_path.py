"""Hatch: ``[tool.hatch.version] path = "pkg/__about__.py"``."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.base import Found
from release_tasks.versioning.files import FileSource
from release_tasks.versioning.gittags import pyproject
from release_tasks.versioning.pyfile import read_assignment


def _table(root: Path) -> dict:
    table = pyproject(root).get("tool", {}).get("hatch", {}).get("version", {})
    return table if isinstance(table, dict) else {}


class HatchPath(FileSource):
    name = "hatch version path"

    def detect(self, root: Path) -> bool:
        return "path" in _table(root) and _table(root).get("source", "regex") == "regex"

    def read(self, root: Path) -> Found:
        return read_assignment(root, _table(root)["path"], "[tool.hatch.version] path")


SOURCE = HatchPath()
