"""Several repositories at once: the same files to each, side by side.

A team keeps its packages on more than one index (a primary and a mirror, an index and an
scp drop). Each repository follows :mod:`release_tasks.publish.backend`'s rule on its own
(same content there: skip; different content: refuse), so a resumed release sends each
only what it misses. They are independent places, so they are worked on concurrently (a
slow mirror does not add its time to the primary's) in a bounded number of threads, and
one that fails does not stop the others: the release is resumable either way, and every
repository that could take the files has them, with the one to retry named.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from release_tasks.core import processes
from release_tasks.core.errors import ConfigError, ReleaseError
from release_tasks.publish import index, registry
from release_tasks.publish.backend import Backend

# Repositories worked on at once: an index upload waits on the network, not on us.
PARALLEL = 8

T = TypeVar("T")


def configured(config: Any) -> list[str | None]:
    """The ``repository`` setting as a list (``None``: the default folder index)."""
    value = config.repository
    return list(value) if isinstance(value, tuple) else [value]


def resolve_all(config: Any) -> list[index.Repository]:
    """Every configured repository, resolved (no network access). ``index_url`` says where
    pip reads the first: the others are found from their own settings."""
    repos = [index.resolve(value, config.index_url if n == 0 else None)
             for n, value in enumerate(configured(config))]
    seen: dict[str, str] = {}
    for repo in repos:
        if repo.upload_url in seen:
            raise ConfigError(f"repository lists {repo.display} twice",
                              "name each repository once")
        seen[repo.upload_url] = repo.display
    return repos


def open_all(config: Any) -> list[Backend]:
    """A backend for each configured repository, in the order given (the first is the one
    the summary's install line names)."""
    return [registry.open_backend(repo, config.network_timeout) for repo in resolve_all(config)]


@dataclass
class Outcome(Generic[T]):
    """What one repository's share of the work came to: a value or the error it raised."""

    backend: Backend
    value: T | None = None
    error: ReleaseError | None = None


def each(backends: Sequence[Backend], work: Callable[[Backend], T]) -> list[Outcome[T]]:
    """``work(backend)`` for every backend, at most :data:`PARALLEL` at a time, in the
    release's own daemon threads (its processes stay the run's to stop on Ctrl-C). One
    backend alone runs here, in the caller's thread. Outcomes come in the backends' order;
    anything but a :class:`ReleaseError` is raised once all have ended."""
    outcomes = [Outcome[T](b) for b in backends]
    if len(backends) == 1:
        _run(outcomes[0], work)
        return outcomes
    slots = threading.BoundedSemaphore(PARALLEL)
    ended = [threading.Event() for _ in backends]
    unexpected: list[BaseException] = []

    def target(n: int) -> None:
        try:
            with slots:
                _run(outcomes[n], work)
        except BaseException as e:  # reported to the caller's thread below
            unexpected.append(e)
        finally:
            ended[n].set()

    for n in range(len(backends)):
        processes.thread(target, n, name=f"repository-{n + 1}")
    for event in ended:
        while not event.wait(0.1):  # in slices: a Ctrl-C reaches the caller at once
            pass
    if unexpected:
        raise unexpected[0]
    return outcomes


def _run(outcome: Outcome[T], work: Callable[[Backend], T]) -> None:
    try:
        outcome.value = work(outcome.backend)
    except ReleaseError as e:
        outcome.error = e
