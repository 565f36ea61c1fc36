"""versioningit: ``[tool.versioningit]``."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.gittags import GitTagSource, pyproject


class Versioningit(GitTagSource):
    name = "versioningit"

    def detect(self, root: Path) -> bool:
        return "versioningit" in pyproject(root).get("tool", {})


SOURCE = Versioningit()
