"""setuptools_scm: ``[tool.setuptools_scm]``, ``use_scm_version`` or the build requirement."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.base import read_text
from release_tasks.versioning.gittags import GitTagSource, build_requires, pyproject


class SetuptoolsScm(GitTagSource):
    name = "setuptools_scm"

    def detect(self, root: Path) -> bool:
        if "setuptools_scm" in pyproject(root).get("tool", {}):
            return True
        setup_py, setup_cfg = root / "setup.py", root / "setup.cfg"
        if setup_py.is_file() and "use_scm_version" in read_text(setup_py):
            return True
        if setup_cfg.is_file() and "use_scm_version" in read_text(setup_cfg):
            return True
        # setuptools_scm in the build requirements alone: only when nothing else gives the
        # dynamic version ([tool.setuptools.dynamic] version names a file the build reads).
        requires = build_requires(root)
        backend = str(pyproject(root).get("build-system", {}).get("build-backend", ""))
        dynamic = "version" in pyproject(root).get("project", {}).get("dynamic", [])
        declared = "version" in pyproject(root).get("tool", {}).get("setuptools", {}).get(
            "dynamic", {})
        return ("setuptools_scm" in requires or "setuptools-scm" in requires) and \
            backend.startswith("setuptools") and dynamic and not declared


SOURCE = SetuptoolsScm()
