"""poetry-dynamic-versioning: ``[tool.poetry-dynamic-versioning] enable = true``."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.gittags import GitTagSource, pyproject


class PoetryDynamic(GitTagSource):
    name = "poetry-dynamic-versioning"

    def detect(self, root: Path) -> bool:
        table = pyproject(root).get("tool", {}).get("poetry-dynamic-versioning", {})
        return isinstance(table, dict) and bool(table.get("enable"))


SOURCE = PoetryDynamic()
