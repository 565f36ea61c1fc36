"""PEP 621: a static ``[project] version`` in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.base import Found, Place
from release_tasks.versioning.files import FileSource
from release_tasks.versioning.gittags import pyproject


class ProjectVersion(FileSource):
    name = "pyproject.toml [project] version"

    def detect(self, root: Path) -> bool:
        project = pyproject(root).get("project", {})
        return isinstance(project.get("version"), str) and \
            "version" not in project.get("dynamic", [])

    def read(self, root: Path) -> Found:
        current = pyproject(root)["project"]["version"]
        return Found(current, self.name,
                     [Place("pyproject.toml", self.name, key_path="project.version")])


SOURCE = ProjectVersion()
