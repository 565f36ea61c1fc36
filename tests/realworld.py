"""Real PyPI projects as a user has them: an sdist unpacked into a git repository.

Shared by tests/test_realprojects.py and bench/realworld.py. Each sdist is downloaded
from PyPI once (PEP 691 JSON simple API, sha256 checked) and cached under
``$RELEASE_TASKS_TEST_CACHE`` (default ``~/.cache/release_tasks-tests``). The checkout is
made the way the maintainers have it: no PKG-INFO or egg-info, everything committed,
the released version tagged, and a one-line fabfile.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("RELEASE_TASKS_TEST_CACHE")
             or Path.home() / ".cache" / "release_tasks-tests") / "sdists"
GIT_ENV = {"GIT_AUTHOR_NAME": "Rel Ease", "GIT_AUTHOR_EMAIL": "rel@example.invalid",
           "GIT_COMMITTER_NAME": "Rel Ease", "GIT_COMMITTER_EMAIL": "rel@example.invalid"}


@dataclass(frozen=True)
class Real:
    """A real project, the version it is tagged at and what a default release makes."""

    name: str
    version: str
    new: str  # the version `fab release` should create
    source: str  # what the header line should name
    tag_prefix: str = ""
    history: str | None = None  # the file that gets the new section (None: no history file)

    @property
    def id(self) -> str:
        return f"{self.name}-{self.version}"


PROJECTS = [
    Real("pluggy", "1.5.0", "1.5.1", "git tags (setuptools_scm)", history="CHANGELOG.rst"),
    Real("attrs", "23.2.0", "23.2.1", "git tags (hatch-vcs)", history="CHANGELOG.md"),
    Real("iniconfig", "2.0.0", "2.0.1", "git tags (hatch-vcs)"),
    Real("rich", "13.7.1", "13.7.2", "pyproject.toml [tool.poetry] version", tag_prefix="v"),
    Real("requests", "2.31.0", "2.31.1", "requests/__version__.py __version__",
         tag_prefix="v", history="HISTORY.md"),
    Real("fastapi", "0.110.0", "0.110.1", "fastapi/__init__.py __version__",
         history="docs/en/docs/release-notes.md"),
    Real("httpx", "0.27.0", "0.27.1", "httpx/__version__.py __version__",
         history="CHANGELOG.md"),
    Real("click", "8.1.7", "8.1.8", "src/click/__init__.py __version__", history="CHANGES.rst"),
    Real("blinker", "1.8.2", "1.8.3", "pyproject.toml [project] version",
         history="CHANGES.rst"),
    Real("six", "1.16.0", "1.16.1", "six.py __version__", history="CHANGES"),
    Real("docopt", "0.6.2", "0.6.3", "docopt.py __version__"),
    Real("simplejson", "3.19.2", "3.19.3", "setup.py VERSION", tag_prefix="v",
         history="CHANGES.txt"),
    Real("binaryornot", "0.4.4", "0.4.5", "setup.py version", history="HISTORY.rst"),
    Real("packaging", "24.0", "24.1", "src/packaging/__init__.py __version__",
         history="CHANGELOG.rst"),
    Real("typer", "0.12.3", "0.12.4", "pyproject.toml [project] version"),  # pdm-backend
    Real("flit-core", "3.9.0", "3.9.1", "flit_core/__init__.py __version__"),
    # Its own backend, in-tree, asks for importlib-metadata on Pythons before 3.10 only.
    Real("pdm-backend", "2.1.8", "2.1.9", "pyproject.toml [project] version"),
]
MORE = [
    Real("structlog", "24.1.0", "24.1.1", "git tags (hatch-vcs)", history="CHANGELOG.md"),
    Real("tomli", "2.0.1", "2.0.2", "pyproject.toml [project] version"),
]


def sdist(name: str, version: str) -> Path:
    """The cached sdist, downloaded from PyPI on first use."""
    CACHE.mkdir(parents=True, exist_ok=True)
    for cached in CACHE.iterdir():
        stem = cached.name.lower().replace("_", "-")
        if stem in (f"{name}-{version}.tar.gz", f"{name}-{version}.zip"):
            return cached
    request = urllib.request.Request(f"https://pypi.org/simple/{name}/", headers={
        "Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    wanted = [f for f in files if f["filename"].lower().replace("_", "-") in
              (f"{name}-{version}.tar.gz", f"{name}-{version}.zip")]
    if not wanted:
        raise LookupError(f"no sdist of {name} {version} on PyPI")
    info = wanted[0]
    with urllib.request.urlopen(info["url"], timeout=120) as response:
        data = response.read()
    expected = info.get("hashes", {}).get("sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise OSError(f"{info['filename']}: sha256 mismatch")
    fd, tmp = tempfile.mkstemp(dir=CACHE, prefix=".part-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    target = CACHE / info["filename"]
    os.replace(tmp, target)  # atomic: parallel test workers never see half a file
    return target


def git(path: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, check=True)
    return proc.stdout.strip()


def checkout(real: Real, parent: Path) -> Path:
    """The project as its maintainers have it: a git repository tagged at its version."""
    archive = sdist(real.name, real.version)
    unpacked = parent / "unpacked"
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            z.extractall(unpacked)
    else:
        with tarfile.open(archive) as t:
            t.extractall(unpacked, filter="data")
    (top,) = list(unpacked.iterdir())
    path = parent / real.id
    top.rename(path)
    unpacked.rmdir()
    (path / "PKG-INFO").unlink(missing_ok=True)
    for egg in path.glob("**/*.egg-info"):
        shutil.rmtree(egg)
    (path / "fabfile.py").write_text("from release_tasks import *\n", encoding="utf-8")
    ignore = path / ".gitignore"
    ignore.write_text((ignore.read_text(encoding="utf-8") if ignore.exists() else "")
                      + "\ndist/\nbuild/\n", encoding="utf-8")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "--no-verify", "-m", f"{real.name} {real.version}")
    git(path, "tag", "-a", "-m", f"Release {real.version}", real.tag_prefix + real.version)
    return path


def wheel_version(wheel: Path) -> str:
    """``Version:`` of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.count("/") == 1
                    and n.endswith(".dist-info/METADATA"))
        for line in z.read(name).decode().splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    raise LookupError(f"{wheel.name} has no Version")
