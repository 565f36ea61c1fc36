"""``__version__`` (or ``VERSION``/``version``) in the package's own files: ``__init__.py``,
``__version__.py``, ``_version.py``, ``version.py``, ``_meta.py``, ``__about__.py``, and a
single-module distribution's ``six.py``. Every such file that carries the version is one
place; they must agree."""

from __future__ import annotations

from pathlib import Path

from release_tasks.core.errors import VersionError
from release_tasks.versioning.base import (
    SKIP_DIRS,
    Found,
    assigned_version,
    assignment_place,
    read_text,
)
from release_tasks.versioning.files import FileSource

FILES = ("__init__.py", "__version__.py", "_version.py", "version.py", "_meta.py",
         "__about__.py")
_NOT_MODULES = {"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "tasks.py", "conf.py",
                "versioneer.py", "bootstrap.py"}


def _bases(root: Path) -> list[Path]:
    """Where the project's packages and top-level modules are: the root, and ``src/``."""
    return [base for base in (root, root / "src") if base.is_dir()]


def _packages(base: Path) -> list[Path]:
    """The import packages directly in ``base`` (a folder with ``__init__.py``)."""
    return [pkg for pkg in sorted(base.iterdir())
            if pkg.is_dir() and pkg.name not in SKIP_DIRS and not pkg.name.startswith((".", "_"))
            and not pkg.name.endswith(".egg-info") and (pkg / "__init__.py").is_file()]


def candidates(root: Path) -> list[str]:
    out = []
    for base in _bases(root):
        for pkg in _packages(base):
            out += [(pkg / f).relative_to(root).as_posix() for f in FILES if (pkg / f).is_file()]
        out += [p.relative_to(root).as_posix() for p in sorted(base.glob("*.py"))
                if p.name not in _NOT_MODULES and not p.name.startswith(("test_", "_"))]
    return out


def package_modules(root: Path) -> list[str]:
    """Every module of the project's packages, not only the files a version is usually
    kept in (a ``__version__`` in ``src/distro/distro.py``): for finding where a version
    the build backend named is written."""
    return [p.relative_to(root).as_posix() for base in _bases(root) for pkg in _packages(base)
            for p in sorted(pkg.rglob("*.py"))
            if not any(part in SKIP_DIRS for part in p.relative_to(pkg).parts)]


def scan(root: Path) -> list[tuple[str, str, str]]:
    """``(file, name, version)`` for each literal version assignment found."""
    found = []
    for rel in candidates(root):
        text = read_text(root / rel)
        names = ("__version__",) if "/" not in rel else ("__version__", "VERSION", "version")
        for name in names:
            version = assigned_version(text, (name,))
            if version and version[:1].isdigit():
                found.append((rel, name, version))
                break
    return found


class PackageFiles(FileSource):
    name = "__version__ in the package"

    def detect(self, root: Path) -> bool:
        return bool(scan(root))

    def read(self, root: Path) -> Found:
        """``__version__`` where the package has one; else its ``VERSION``/``version``."""
        everything = scan(root)
        found = [f for f in everything if f[1] == "__version__"] or everything
        versions = {v for _, _, v in found}
        if len(versions) > 1:
            where = ", ".join(f"{rel}: {v}" for rel, _, v in found)
            raise VersionError(f"the version differs between files ({where})",
                               "make them agree, or add a bumpversion config")
        places = []
        for rel, name, _ in found:
            place = assignment_place(rel, read_text(root / rel), (name,))
            if place is not None:
                places.append(place)
        return Found(versions.pop(), " and ".join(p.label for p in places), places)


SOURCE = PackageFiles()
