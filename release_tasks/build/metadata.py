"""The package's name: declared in its files, or else told by its build backend.

The backend (PEP 517 ``prepare_metadata_for_build_wheel``) is slower but knows for sure:
asked only when no file declares the name (a computed ``setup(name=...)``).
"""

from __future__ import annotations

from pathlib import Path

from release_tasks.core import project
from release_tasks.core.errors import ConfigError


def _from_backend(root: Path) -> str | None:
    """Ask the build backend in the cached build environment (see backend_meta: the answer
    is kept per tree, and it also gives the version); outside a git work tree, in the
    current environment first, then in an isolated one. Quietly, per call: the backend's
    output is captured by the runner passed, and what build itself says goes to its
    logger at INFO."""
    from build.util import project_wheel_metadata

    from release_tasks.build.backend_meta import metadata

    cached = metadata(root)
    if cached and cached.get("name") and cached["name"] != "UNKNOWN":
        return cached["name"]
    from pyproject_hooks import quiet_subprocess_runner

    for isolated in (False, True):
        try:
            metadata = project_wheel_metadata(root, isolated=isolated,
                                              runner=quiet_subprocess_runner)
        except Exception:  # any backend failure means: it cannot tell us
            continue
        name = metadata.get("Name")
        if name and name != "UNKNOWN":
            return str(name)
    return None


def name(root: Path) -> str:
    """The distribution name (see the module docstring for where it is looked for)."""
    declared = project.declared_name(root)
    if declared:
        return declared
    found = _from_backend(root)
    if found:
        return project.check_name(found, "the build backend's metadata")
    raise ConfigError("cannot tell the package's name",
                      "set [project] name in pyproject.toml or name in setup.cfg [metadata]")
