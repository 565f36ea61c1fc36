"""setuptools_scm, recognised the way it decides to act itself: a ``[tool.setuptools_scm]``
table, ``use_scm_version``, or ``setuptools-scm[simple]`` in the build requirements with a
dynamic version; and not when the version is already set (a static ``[project] version``
or ``[tool.setuptools.dynamic] version``: setuptools_scm then only warns). Being in
``build-system.requires`` alone (for its file finder) makes no git-tag project."""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.versioning.base import read_text
from release_tasks.versioning.gittags import GitTagSource, build_requires, pyproject

_SIMPLE = re.compile(r"setuptools[-_]scm\s*\[[^\]]*\bsimple\b")


def _version_already_set(data: dict) -> bool:
    project = data.get("project", {})
    if "version" in project and "version" not in project.get("dynamic", []):
        return True
    return "version" in data.get("tool", {}).get("setuptools", {}).get("dynamic", {})


class SetuptoolsScm(GitTagSource):
    name = "setuptools_scm"

    def detect(self, root: Path) -> bool:
        setup_py, setup_cfg = root / "setup.py", root / "setup.cfg"
        if setup_py.is_file() and "use_scm_version" in read_text(setup_py):
            return True
        if setup_cfg.is_file() and "use_scm_version" in read_text(setup_cfg):
            return True
        data = pyproject(root)
        if _version_already_set(data):
            return False
        if "setuptools_scm" in data.get("tool", {}):
            return True
        dynamic = "version" in data.get("project", {}).get("dynamic", [])
        return dynamic and bool(_SIMPLE.search(build_requires(root)))


SOURCE = SetuptoolsScm()
