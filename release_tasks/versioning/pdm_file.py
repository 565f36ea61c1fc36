"""pdm-backend: ``[tool.pdm.version] source = "file"``, ``path = ...``."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.base import Found
from release_tasks.versioning.files import FileSource
from release_tasks.versioning.gittags import pyproject
from release_tasks.versioning.pyfile import read_assignment


def _table(root: Path) -> dict:
    table = pyproject(root).get("tool", {}).get("pdm", {}).get("version", {})
    return table if isinstance(table, dict) else {}


class PdmFile(FileSource):
    name = "pdm version file"

    def detect(self, root: Path) -> bool:
        return _table(root).get("source") == "file" and "path" in _table(root) and \
            "version" in pyproject(root).get("project", {}).get("dynamic", [])

    def read(self, root: Path) -> Found:
        return read_assignment(root, _table(root)["path"], "[tool.pdm.version] path")


SOURCE = PdmFile()
