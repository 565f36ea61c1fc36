"""Where a project keeps its version, found by trying each known way in a fixed order.

``SOURCES`` is that order: an explicit bumpversion config wins, then versions made from
git tags (their build tools would ignore any file we wrote), then static versions. The
first source that applies gives the current version; for static versions every other
file that carries the same version literally (package ``__version__``, setup.py,
``docs/conf.py``, ``__version_info__``) is bumped with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from release_tasks.core.errors import VersionError
from release_tasks.versioning import (
    bumpversion,
    flit,
    gittags,
    hatch_path,
    hatch_vcs,
    module,
    pdm_file,
    pdm_scm,
    poetry,
    poetry_dynamic,
    pyproject,
    setup_cfg,
    setup_py,
    setuptools_dynamic,
    setuptools_scm,
    sphinx_conf,
    truth,
    version_info,
    versioneer,
    versioningit,
)
from release_tasks.versioning.base import Found, Source
from release_tasks.versioning.scheme import WHOLE, Scheme, check_pep440, file_specs, load

SOURCES: list[Source] = [
    bumpversion.SOURCE,
    hatch_vcs.SOURCE,
    pdm_scm.SOURCE,
    setuptools_scm.SOURCE,
    versioningit.SOURCE,
    poetry_dynamic.SOURCE,
    versioneer.SOURCE,
    pyproject.SOURCE,
    poetry.SOURCE,
    hatch_path.SOURCE,
    pdm_file.SOURCE,
    flit.SOURCE,
    setuptools_dynamic.SOURCE,
    setup_cfg.SOURCE,
    setup_py.SOURCE,
    module.SOURCE,
]
# Static sources that may carry the version a second time; they must agree with it.
COMPANIONS: list[Source] = [pyproject.SOURCE, poetry.SOURCE, hatch_path.SOURCE,
                            pdm_file.SOURCE, flit.SOURCE, setuptools_dynamic.SOURCE,
                            setup_cfg.SOURCE, setup_py.SOURCE, module.SOURCE]
# Versions that stand for "set at build time", not a second copy of the version.
PLACEHOLDERS = {"0", "0.0", "0.0.0", "0.0.0.dev0", "0.dev0"}
__all__ = ["COMPANIONS", "SOURCES", "Scheme", "detect", "found"]


def found(root: Path) -> tuple[Source, Found]:
    """The first source that applies, and what it read."""
    for source in SOURCES:
        if source.detect(root):
            return source, source.read(root)
    raise VersionError(
        "no bumpversion config and no version found (looked for git-tag versioning, "
        "[project]/[tool.poetry] version, hatch/pdm/flit paths, setup.cfg, setup.py and "
        "__version__ in the package)",
        "add [tool.bumpversion] current_version to pyproject.toml (see bump-my-version's "
        "docs) or a __version__ in the package")


def _with_companions(root: Path, primary: Source, first: Found) -> Found:
    places = list(first.places)
    labels = [first.label]
    disagree = []
    for source in COMPANIONS:
        if source is primary or not source.detect(root):
            continue
        try:
            other = source.read(root)
        except VersionError:
            continue
        new = [p for p in other.places if p.path not in {q.path for q in places}]
        if not new or other.current in PLACEHOLDERS:
            continue
        if other.current != first.current:
            disagree.append(f"{', '.join(p.path for p in new)}: {other.current}")
            continue
        places += new
        labels.append(other.label if len(new) == len(other.places)
                      else " and ".join(p.label for p in new))
    if disagree:
        where = ", ".join([f"{', '.join(first.files)}: {first.current}", *disagree])
        built = truth.backend_version(root)
        said = f"; the build makes {built}" if built else ""
        raise VersionError(f"the version differs between files ({where}{said})",
                           f"make them agree{f' on {built}' if built else ''}, or add a "
                           "bumpversion config")
    current = first.current
    for extra in (sphinx_conf.places(root, current), version_info.places(root, current)):
        for place in extra:
            if (place.path, place.search) not in {(p.path, p.search) for p in places}:
                places.append(place)
                labels.append(place.label)
    return Found(first.current, " and ".join(labels), places)


def _read_by_build(root: Path, tags: Found) -> Found:
    """A git-tag project whose build also reads a file that carries the version (setup.cfg
    ``version = attr: pkg.__about__.__version__`` or ``[tool.setuptools.dynamic] version``
    beside setuptools_scm): the module the
    build reads gets the new version too, else the wheel's ``__version__`` would stay
    behind. Only a file that agrees with the tag; the tag alone decides the version."""
    source = next((s for s in (setuptools_dynamic.SOURCE, setup_cfg.SOURCE) if s.detect(root)),
                  None)
    if source is None:
        return tags
    try:
        read = source.read(root)
    except VersionError:
        return tags
    if read.current != tags.current or not read.places:
        return tags
    return Found(tags.current, f"{tags.label} and {read.label}", read.places, from_tags=True,
                 tool=tags.tool)


def _static_version(root: Path) -> str | None:
    """What the first file reader after the bumpversion config finds (None: nothing, or
    git tags), to tell a config's ``current_version`` left behind the files."""
    for source in SOURCES[1:]:
        if source.detect(root):
            try:
                read = source.read(root)
            except VersionError:
                return None
            return None if read.from_tags else read.current
    return None


def detect(root: Path) -> Scheme:
    """Work out how the project at ``root`` stores its version. The readers say where it
    lives; the build backend is asked what it is only when they cannot say for sure (see
    :mod:`release_tasks.versioning.truth`)."""
    try:
        source, first = found(root)
    except VersionError as unreadable:
        source, first = module.SOURCE, truth.from_backend(root, unreadable)
    if source is bumpversion.SOURCE:
        behind = truth.stale_config(root, first.current, _static_version(root))
        return bumpversion.scheme(root, first, current=behind)
    result = _read_by_build(root, first) if first.from_tags else \
        _with_companions(root, source, first)
    if not first.from_tags:
        result.label += " (no bumpversion config)"
    overrides: dict[str, Any] = {"current_version": result.current,
                                 "files": file_specs(root, result.places), **WHOLE}
    tag_template = gittags.tag_template(root, result.current)
    bv = load(root, None, tag_name=tag_template, **overrides)
    check_pep440(result.current, result.label)
    return Scheme(root, result, bv, None, {}, own_parse=False, tag_template=tag_template)


