"""Imports the pre-flight is about to need, started in a thread as a release begins.

The checks spend much of their time waiting on git and on the docs' probe, with the
interpreter idle, while reading the version's config then imports bump-my-version's
config models (pydantic) and the credential check imports twine's resolver (keyring): the
longest imports of a release. Started at once, they are mostly done when asked for. Only
what this project will surely use is imported, by the public ``importlib``: nothing is
changed, only loaded earlier (a second import of a module waits for the first).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path

from release_tasks.core import processes

# The config readers of bump-my-version that versioning.bumpversion.raw_config calls, and
# what they and its get_configuration import when first called (its TOML parser, its file
# globs, its git reader): in the order the version's checks ask for them, before twine's.
BUMPVERSION = ("bumpversion.config.files", "bumpversion.config.files_legacy", "tomlkit",
               "bumpversion.config.utils", "bumpversion.scm.git", "bumpversion.files")
# What publish.credentials.resolve uses for an index reached over HTTP (its auth resolver
# only when the environment does not give both the user and the password).
TWINE = ("twine.auth", "twine.utils")


def wanted(root: Path, repository: object) -> list[str]:
    """The modules this project's release will import in its checks."""
    from release_tasks.publish import credentials
    from release_tasks.versioning import bumpversion

    out: list[str] = []
    if bumpversion.find_config_file(root) is not None:
        out += BUMPVERSION
    if any(_over_http(r) for r in _each(repository)):
        out += [m for m in TWINE if m != "twine.auth" or not credentials.in_environment()]
    return out


def _each(repository: object) -> Iterable[object]:
    return repository if isinstance(repository, (list, tuple)) else [repository]


def _over_http(repository: object) -> bool:
    """A URL or a .pypirc section name (unset: the default folder index, no twine)."""
    if not isinstance(repository, str) or not repository:
        return False
    return not repository.startswith(("file:", "scp:", "/", ".", "~"))


def _load(root: Path, repository: object) -> None:
    try:
        names = wanted(root, repository)
    except Exception:  # the check that needs it reports it, in its place
        return
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # a module another version lacks, or one that fails: asked for
            continue  # by a check, it is reported there


def start(root: Path, repository: object) -> None:
    """Begin importing, in a daemon thread (a release that stops early does not wait)."""
    processes.thread(_load, root, repository, name="preload")
