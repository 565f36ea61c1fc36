"""What a release's checks are about to need, started as the release begins.

The checks spend much of their time waiting on git and on the docs' probe, with the
interpreter idle. Two things are started at once so that they are mostly done when asked
for:

- the versioning server (:mod:`release_tasks.versioning.remote`): bump-my-version's config
  models (pydantic), the longest import of a release, are imported and the version scheme
  worked out in a Python of its own, on another core; it is the release's own (closed with
  it), and the scheme is asked of it (``pipeline.assembly``);
- in a thread, twine's modules the credential check imports (its resolver, keyring, only
  when the environment does not give both the user and the password), by the public
  ``importlib``: nothing is changed, only loaded earlier (a second import of a module waits
  for the first).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from release_tasks.core import processes
from release_tasks.core.release import Release

# What publish.credentials.resolve uses for an index reached over HTTP (its auth resolver
# only when the environment does not give both the user and the password).
TWINE = ("twine.auth", "twine.utils")


def wanted(repository: object) -> list[str]:
    """The modules this project's release will import in its checks."""
    from release_tasks.publish import credentials

    if any(_over_http(r) for r in _each(repository)):
        return [m for m in TWINE if m != "twine.auth" or not credentials.in_environment()]
    return []


def _each(repository: object) -> Iterable[object]:
    return repository if isinstance(repository, (list, tuple)) else [repository]


def _over_http(repository: object) -> bool:
    """A URL or a .pypirc section name (unset: the default folder index, no twine)."""
    if not isinstance(repository, str) or not repository:
        return False
    return not repository.startswith(("file:", "scp:", "/", ".", "~"))


def _load(repository: object) -> None:
    try:
        names = wanted(repository)
    except Exception:  # the check that needs it reports it, in its place
        return
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # a module another version lacks, or one that fails: asked for
            continue  # by a check, it is reported there


def start(rel: Release) -> None:
    """Start the versioning server (unless the scheme is known already) and the imports
    (in a daemon thread: a release that stops early does not wait)."""
    from release_tasks.versioning import remote

    if rel.known("scheme") is None and not rel.has_prepared(remote.NAME):
        rel.own_prepared(remote.start())
    processes.thread(_load, rel.config.repository, name="preload")
