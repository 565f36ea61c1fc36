"""Installed Python interpreters that uv's own search does not see.

Docs requirements may need a newer Python than the one running the release (a Sphinx
that needs 3.12). uv looks for one on the PATH and among its own managed installations;
it does not look inside the installation folders of the Python version managers people
use (pyenv, asdf, mise), and a pyenv shim for a version that is installed but not
selected makes its search fail outright. So the interpreters those managers installed
are listed here, each asked for its version, and the oldest that satisfies the
requirement is handed to uv by path, as a person would do with ``--python PATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from release_tasks.core import processes

VERSION_SCRIPT = "import sys; print('.'.join(map(str, sys.version_info[:3])))"


def manager_roots() -> list[Path]:
    """The folders holding one installation per version, for each manager."""
    home = Path.home()
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    pyenv = Path(os.environ.get("PYENV_ROOT") or home / ".pyenv")
    asdf = Path(os.environ.get("ASDF_DATA_DIR") or home / ".asdf")
    mise = Path(os.environ.get("MISE_DATA_DIR") or data / "mise")
    roots = [pyenv / "versions", asdf / "installs" / "python", mise / "installs" / "python",
             data / "uv" / "python"]
    # A manager's shims on the PATH name its folder even when HOME or *_ROOT do not.
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder and Path(folder).name == "shims":
            roots += [Path(folder).parent / "versions",
                      Path(folder).parent / "installs" / "python"]
    return list(dict.fromkeys(roots))


def candidates() -> Iterator[Path]:
    """Interpreters installed by a version manager, then ``python3.N`` on the PATH
    (shims excluded: they run whichever version the manager selects, or fail)."""
    for root in manager_roots():
        if not root.is_dir():
            continue
        for install in sorted(root.iterdir()):
            for name in ("bin/python3", "bin/python", "python.exe"):
                exe = install / name
                if exe.is_file():
                    yield exe
                    break
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or "shims" in Path(folder).parts:
            continue
        for minor in range(8, 20):
            found = shutil.which(f"python3.{minor}", path=folder)
            if found:
                yield Path(found)


def version_of(exe: Path) -> Version | None:
    """What the interpreter says it is (a folder's name may lie; a broken one says nothing)."""
    try:
        proc = processes.run([str(exe), "-I", "-c", VERSION_SCRIPT], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = proc.stdout.strip()
    if proc.returncode != 0 or not re.fullmatch(r"\d+\.\d+\.\d+", text):
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


def find(spec: str) -> Path | None:
    """The oldest installed interpreter that satisfies ``spec`` (``">=3.12"``), if any."""
    try:
        wanted = SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    found: dict[Version, Path] = {}
    for exe in candidates():
        version = version_of(exe)
        if version is not None and version in wanted and version not in found:
            found[version] = exe
    return found[min(found)] if found else None


def readthedocs(config: dict[str, Any]) -> Path | None:
    """The installed interpreter of the version ``build.tools.python`` names in
    ``.readthedocs.yaml`` ("3.8"): the docs are built on the Python they are published
    with. None when it names none (or "latest", "miniconda...") or that one is not here."""
    build = config.get("build")
    tools = build.get("tools") if isinstance(build, dict) else None
    wanted = str(tools.get("python", "")) if isinstance(tools, dict) else ""
    if not re.fullmatch(r"\d+\.\d+", wanted):
        return None
    running = ".".join(map(str, sys.version_info[:2]))
    return None if wanted == running else find(f"=={wanted}.*")
