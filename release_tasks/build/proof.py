"""Proof that what was built is the version being released, checked before any upload.

A build can quietly make the wrong version: a setup.py literal nobody bumped, a git-tag
tool that saw no tag, a stale ``_version.py``. So the file names, the sdist's PKG-INFO,
the wheel's METADATA and the package's own ``__version__`` inside the wheel must all
say the new version. Whatever the build left in dist/ is removed when it fails.
"""

from __future__ import annotations

import re
import tarfile
import zipfile
from collections.abc import Callable
from email.parser import HeaderParser
from pathlib import Path

from release_tasks.core.errors import BuildError

_VERSION_FILES = ("__init__.py", "_version.py", "__version__.py", "version.py", "__about__.py",
                  "_meta.py")
_ASSIGN = re.compile(r"""^__version__\s*(?::\s*\w+\s*)?=\s*['"]([^'"]+)['"]""", re.M)


def snapshot(folder: Path) -> set[str] | None:
    """The names in ``folder`` before a build (None: it did not exist)."""
    return {p.name for p in folder.iterdir()} if folder.is_dir() else None


def remove_new(folder: Path, before: set[str] | None) -> list[str]:
    """Remove what appeared in ``folder`` since ``before``, and the folder if we made it."""
    if not folder.is_dir():
        return []
    removed = []
    for path in sorted(folder.iterdir()):
        new = before is None or path.name not in before
        if new and (path.is_file() or path.is_symlink()):
            path.unlink()
            removed.append(path.name)
    if before is None and not any(folder.iterdir()):
        folder.rmdir()
    return removed


def _same(a: str, b: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def metadata_version(dist: Path) -> str | None:
    """``Version:`` from an sdist's PKG-INFO or a wheel's METADATA."""
    text = None
    if dist.suffix == ".whl":
        with zipfile.ZipFile(dist) as z:
            name = next((n for n in z.namelist() if n.count("/") == 1
                         and n.endswith(".dist-info/METADATA")), None)
            text = z.read(name).decode("utf-8", "replace") if name else None
    else:
        with tarfile.open(dist) as t:
            member = next((m for m in t.getmembers() if m.name.count("/") == 1
                           and m.name.endswith("/PKG-INFO")), None)
            handle = t.extractfile(member) if member is not None else None
            text = handle.read().decode("utf-8", "replace") if handle else None
    if text is None:
        return None
    return HeaderParser().parsestr(text).get("Version")


def wheel_dunder_versions(wheel: Path) -> list[tuple[str, str]]:
    """``(file, __version__)`` for the package's version files inside the wheel."""
    found = []
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            parts = name.split("/")
            if ".dist-info" in parts[0] or ".data" in parts[0]:
                continue
            top_module = len(parts) == 1 and name.endswith(".py")
            if top_module or (len(parts) == 2 and parts[1] in _VERSION_FILES):
                m = _ASSIGN.search(z.read(name).decode("utf-8", "replace"))
                if m:
                    found.append((name, m.group(1)))
    return found


def prove(dists: list[Path], name: str, version: str,
          carriers: Callable[[str], list[str]] | None = None) -> None:
    """Raise BuildError unless every built file says ``version``. ``carriers`` names the
    built tree's files that still carry a wrong version the build said, so the error
    names the file the bump missed."""
    from release_tasks.build.builder import is_dist_of

    problems = []
    wrong: list[str] = []
    for dist in dists:
        if not is_dist_of(dist.name, name, version):
            problems.append(f"file name {dist.name}")
        said = metadata_version(dist)
        if said is None or not _same(said, version):
            what = "PKG-INFO" if dist.suffix != ".whl" else "METADATA"
            problems.append(f"{dist.name} {what} says {said or 'no version'}")
            if said and said not in wrong:
                wrong.append(said)
        if dist.suffix == ".whl":
            problems += [f"{file} in the wheel has __version__ {said}"
                         for file, said in wheel_dunder_versions(dist)
                         if not _same(said, version)]
    for said in wrong if carriers is not None else []:
        missed = carriers(said)
        if missed:
            problems.append(f"{said} is still in {', '.join(missed)}, which the bump missed")
    if problems:
        raise BuildError(f"the build is not version {version}: " + "; ".join(problems),
                         "make every file that carries the version part of the bump (or "
                         "list it in the bumpversion config), then release again")
