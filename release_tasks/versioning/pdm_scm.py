"""pdm-backend's ``[tool.pdm.version] source = "scm"`` (with a dynamic version)."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.gittags import GitTagSource, pyproject


class PdmScm(GitTagSource):
    name = "pdm-backend scm"

    def detect(self, root: Path) -> bool:
        data = pyproject(root)
        version = data.get("tool", {}).get("pdm", {}).get("version", {})
        dynamic = "version" in data.get("project", {}).get("dynamic", [])
        return isinstance(version, dict) and version.get("source") == "scm" and dynamic


SOURCE = PdmScm()
