"""hatch-vcs: ``[tool.hatch.version] source = "vcs"``."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.gittags import GitTagSource, pyproject


class HatchVcs(GitTagSource):
    name = "hatch-vcs"

    def detect(self, root: Path) -> bool:
        version = pyproject(root).get("tool", {}).get("hatch", {}).get("version", {})
        return isinstance(version, dict) and version.get("source") == "vcs"


SOURCE = HatchVcs()
