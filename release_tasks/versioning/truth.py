"""The build backend is the truth of the current version; the files say where it lives.

The readers (one per source) know how a version is written: a literal, a TOML key, a
tuple. What the version *is* only the backend knows for sure when it is computed
(pyparsing's ``__version__`` made from ``__version_info__``), when no reader finds one, or
when two readers disagree (a bumpversion ``current_version`` left behind the file the build
reads). Then the backend is asked (see :mod:`release_tasks.build.backend_meta`: cached per
tree, so a second run costs nothing) and every tracked file carrying its answer as the
project's version is located and bumped. A literal that a reader finds with certainty is
never checked this way: the common release asks no backend.
"""

from __future__ import annotations

from pathlib import Path

from release_tasks.core.errors import VersionError
from release_tasks.versioning import (
    module,
    poetry,
    pyproject,
    setup_cfg,
    setup_py,
    setuptools_dynamic,
    sphinx_conf,
    version_info,
)
from release_tasks.versioning.base import (
    SKIP_DIRS,
    Found,
    Place,
    assigned_version,
    assignment_place,
    read_text,
)

# Files whose whole content is the version (``VERSION`` in the root or the package).
VERSION_FILES = ("VERSION", "VERSION.txt", "version.txt")


def backend_version(root: Path) -> str | None:
    """What the build backend says the version of the tree at ``root`` is (None: it cannot
    tell)."""
    from release_tasks.build.backend_meta import metadata

    found = metadata(root)
    return found["version"] if found else None


def _text_carriers(root: Path, version: str) -> list[Place]:
    """``VERSION`` files (root, ``src/``, a package folder) whose whole text is ``version``."""
    folders = [root, root / "src"]
    folders += [p for base in (root, root / "src") if base.is_dir() for p in sorted(base.iterdir())
                if p.is_dir() and p.name not in SKIP_DIRS and (p / "__init__.py").is_file()]
    out = []
    for folder in folders:
        for name in VERSION_FILES:
            path = folder / name
            if path.is_file() and read_text(path).strip() == version:
                rel = path.relative_to(root).as_posix()
                out.append(Place(rel, rel, search="{current_version}"))
    return out


def _assignments(root: Path, version: str) -> list[Place]:
    """Every ``__version__``/``VERSION``/``version = "X"`` in the package's files that says
    ``version``."""
    out = []
    usual = module.candidates(root)
    # The usual files may say it as VERSION or version too; any other module of the
    # package only as __version__ (a "version" there is seldom the project's).
    for rel in usual + [m for m in module.package_modules(root) if m not in usual]:
        text = read_text(root / rel)
        names = ("__version__", "VERSION", "version") if "/" in rel and rel in usual \
            else ("__version__",)
        for name in names:
            if assigned_version(text, (name,)) == version:
                place = assignment_place(rel, text, (name,))
                if place is not None:
                    out.append(place)
    return out


def locate(root: Path, version: str) -> list[Place]:
    """Every tracked spot that carries ``version`` as the project's version, each written
    the way its reader knows: literals, TOML keys, ``VERSION`` files, ``__version_info__``
    tuples and named-tuple calls, Sphinx ``version``/``release``."""
    places: list[Place] = []
    for source in (pyproject.SOURCE, poetry.SOURCE, setuptools_dynamic.SOURCE, setup_cfg.SOURCE,
                   setup_py.SOURCE):
        try:
            if not source.detect(root):
                continue
            read = source.read(root)
        except (VersionError, LookupError, OSError):
            continue
        if read.current == version:
            places += read.places
    places += _assignments(root, version)
    places += _text_carriers(root, version)
    places += version_info.places(root, version)
    places += sphinx_conf.places(root, version)
    unique: list[Place] = []
    for place in places:
        if (place.path, place.search) not in {(p.path, p.search) for p in unique}:
            unique.append(place)
    return unique


# What setuptools (and others after it) report when nothing sets a version at all.
_UNSET = "0.0.0"


def from_backend(root: Path, why: VersionError) -> Found:
    """No reader could say the version (``why``): the backend's answer, and the files
    that carry it. Raises ``why`` again when the backend cannot tell either."""
    version = backend_version(root)
    if version is None or version == _UNSET:
        raise why
    places = locate(root, version)
    if not places:
        raise VersionError(f"the build backend says the version is {version}, but no tracked "
                           f"file carries it as a literal ({why})",
                           "write the version as a literal (__version__ = \"X.Y.Z\"), or add "
                           "a bumpversion config that lists the file")
    label = " and ".join(p.label for p in places)
    return Found(version, f"the build backend: {version} in {label}", places)


def stale_config(root: Path, configured: str, static: str | None) -> str | None:
    """The version to release from when a bumpversion config's ``current_version`` is
    behind the files: the backend's answer, when it agrees with the files and not with the
    config (None: the config stands)."""
    if static is None or static == configured:
        return None
    version = backend_version(root)
    return version if version is not None and version == static else None
