"""Which backend serves a repository: one visible list, tried in order.

A new kind of destination is a new module with a class that has ``applies(repo)`` and the
:class:`~release_tasks.publish.backend.Backend` methods, added here. The modules are
imported only when a release needs one (``fab --list`` pays for none of them).
"""

from __future__ import annotations

import importlib

from release_tasks.publish.backend import Backend
from release_tasks.publish.index import Repository

# (module, class): devpi before plain HTTP, since a devpi index is an HTTP index too.
BACKENDS = [
    ("release_tasks.publish.folder", "FolderBackend"),
    ("release_tasks.publish.scp", "ScpBackend"),
    ("release_tasks.publish.devpi", "DevpiBackend"),
    ("release_tasks.publish.http", "HttpBackend"),
]


def open_backend(repo: Repository, timeout: float | None = None) -> Backend:
    """The backend for a resolved repository (no network access); ``timeout``: the seconds
    a network backend waits for a silent index (the ``network_timeout`` key)."""
    for module, name in BACKENDS:
        cls = getattr(importlib.import_module(module), name)
        if cls.applies(repo):
            backend = cls(repo)
            if timeout is not None and hasattr(backend, "timeout"):
                backend.timeout = (min(10.0, timeout), timeout)
            return backend  # type: ignore[no-any-return]
    raise AssertionError(f"no backend for a {repo.kind} repository")
