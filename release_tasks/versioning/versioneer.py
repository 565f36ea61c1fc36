"""versioneer: ``[versioneer]`` in setup.cfg or ``[tool.versioneer]`` in pyproject.toml.

Its ``_version.py`` reads the tag from git, or from the ``$Format$`` keywords that
``git archive`` fills in (``export-subst``), so an export of the tag builds its version.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from release_tasks.versioning.gittags import GitTagSource, pyproject


class Versioneer(GitTagSource):
    name = "versioneer"

    def detect(self, root: Path) -> bool:
        if "versioneer" in pyproject(root).get("tool", {}):
            return True
        setup_cfg = root / "setup.cfg"
        if not setup_cfg.is_file():
            return False
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except configparser.Error:
            return False
        return parser.has_section("versioneer")


SOURCE = Versioneer()
