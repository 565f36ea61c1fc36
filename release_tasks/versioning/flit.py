"""flit: a dynamic version taken from the module's ``__version__``."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.base import Found
from release_tasks.versioning.files import FileSource
from release_tasks.versioning.gittags import pyproject
from release_tasks.versioning.pyfile import module_file, read_assignment


def _module(root: Path) -> str | None:
    data = pyproject(root)
    if not str(data.get("build-system", {}).get("build-backend", "")).startswith("flit"):
        return None
    project = data.get("project", {})
    if "version" not in project.get("dynamic", []):
        return None
    name = data.get("tool", {}).get("flit", {}).get("module", {}).get("name") or \
        str(project.get("name", "")).replace("-", "_")
    return module_file(root, name) if name else None


class FlitModule(FileSource):
    name = "flit module __version__"

    def detect(self, root: Path) -> bool:
        return _module(root) is not None

    def read(self, root: Path) -> Found:
        rel = _module(root)
        assert rel is not None
        return read_assignment(root, rel, rel, names=("__version__",))


SOURCE = FlitModule()
