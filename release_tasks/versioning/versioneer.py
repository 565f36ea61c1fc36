"""versioneer: ``[versioneer]`` in setup.cfg or ``[tool.versioneer]`` in pyproject.toml.

Its ``_version.py`` reads the tag from git, or from the ``$Format$`` keywords that
``git archive`` fills in (``export-subst``), so an export of the tag builds its version.
"""

from __future__ import annotations

from pathlib import Path

from release_tasks.core.config import setup_cfg
from release_tasks.versioning.gittags import GitTagSource, pyproject


class Versioneer(GitTagSource):
    name = "versioneer"

    def detect(self, root: Path) -> bool:
        if "versioneer" in pyproject(root).get("tool", {}):
            return True
        parser = setup_cfg(root)
        return parser is not None and parser.has_section("versioneer")


SOURCE = Versioneer()
