"""One shape for every place a release can go, and the rule they all follow.

A backend (an HTTP index, devpi, a local folder index, a folder over SFTP) only knows how
to list what it holds for a project, read a file's sha256, and put a file. What to do with
a file already there is decided here, once, for all of them: **same content, skip it;
different content, refuse** (an index never replaces a released file). So a resumed
release uploads nothing twice, whichever backend it uses, and no backend can get it wrong
on its own.

Before anything is put, every file is checked: a refused file means nothing at all was
uploaded by this run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from release_tasks.core.digest import sha256
from release_tasks.core.errors import ReleaseError, UploadError
from release_tasks.publish.index import Repository, sanitize_url

Progress = Callable[[str], None] | None


class Release(Protocol):
    """What a pre-flight reads of the release (``core.release.Release`` has it); a protocol,
    so that publishing depends on the release's shape, not on the module that holds it."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def has_version(self) -> bool: ...

    @property
    def fresh(self) -> bool: ...

    @property
    def config(self) -> Any: ...

    @property
    def host_keys(self) -> Any: ...


class Report(Protocol):
    """Where a pre-flight puts what it found (``core.release.Report``)."""

    def error(self, text: str) -> None: ...

    def warn(self, text: str) -> None: ...

    def guard(self, fn: Any, *args: Any) -> Any: ...


@dataclass(frozen=True)
class Listed:
    """A file a backend holds: where to read it, and what it knows of it without reading."""

    filename: str
    url: str
    sha256: str | None = None
    size: int | None = None


class AlreadyThere(Exception):
    """Raised by ``put`` when the very same file turned up there meanwhile (another writer
    put it): the upload counts it as already there, not as a failure."""


@dataclass
class UploadResult:
    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already there, same content


class Backend(Protocol):
    """Where files go. Entered as a context manager around each use: one connection (or
    HTTP session) serves a whole listing-and-upload."""

    repo: Repository
    kind: str
    verifies: bool  # whether the files are read back after the upload

    @property
    def display(self) -> str: ...

    @property
    def where(self) -> str:
        """``on <index>`` / ``in <folder> on <host>``: for messages about a file there."""
        ...

    @property
    def simple_url(self) -> str | None:
        """Where pip finds the files, if known without network access now."""
        ...

    def __enter__(self) -> Backend: ...

    def __exit__(self, *exc: object) -> None: ...

    def check(self, rel: Release, report: Report) -> None:
        """Pre-flight: reachable, credentials, the version not there yet. Changes nothing."""
        ...

    def listing(self, project: str) -> dict[str, Listed]: ...

    def digest(self, listed: Listed) -> str:
        """The sha256 of a listed file whose listing did not give it."""
        ...

    def exclusive(self) -> contextlib.AbstractContextManager[None]:
        """Held from the listing to the last page of an upload: one writer at a time where
        the backend can take turns (a folder index); nothing for an index that serialises
        uploads itself."""
        ...

    def put(self, project: str, path: Path, progress: Progress) -> None: ...

    def finish(self, project: str) -> None:
        """After the last put (a folder index rewrites its pages)."""
        ...

    def pip_install(self, name: str, version: str) -> str | None: ...


class RepositoryBackend:
    """What every backend says of itself, from its resolved repository."""

    kind = ""  # the Repository.kind it serves

    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    @classmethod
    def applies(cls, repo: Repository) -> bool:
        return repo.kind == cls.kind

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        yield

    @property
    def display(self) -> str:
        return self.repo.display

    @property
    def where(self) -> str:
        return f"on {self.display}"

    @property
    def simple_url(self) -> str | None:
        return self.repo.simple_url

    def pip_install(self, name: str, version: str) -> str | None:
        """The command that installs the release, when we know where pip finds it (a bare
        ``pip install`` would ask the public PyPI: never suggest that)."""
        if self.simple_url is None:
            return None
        return f"pip install --index-url {sanitize_url(self.simple_url)} {name}=={version}"


def same_content(backend: Backend, path: Path, listed: Listed) -> bool:
    """Does the file there hold exactly ``path``? Sizes first: a differing size needs no
    hash at all, and a folder index records hashes so none is read twice."""
    if listed.size is not None and listed.size != path.stat().st_size:
        return False
    return (listed.sha256 or backend.digest(listed)) == sha256(path)


def upload(backend: Backend, name: str, dists: list[Path],
           progress: Progress = None) -> UploadResult:
    """Put ``dists`` of project ``name``: the rule of the module docstring, for every backend."""
    from packaging.utils import canonicalize_name

    project = canonicalize_name(name)
    result = UploadResult()
    with backend, backend.exclusive():
        existing = backend.listing(project)
        todo = []
        for path in dists:
            if path.name not in existing:
                todo.append(path)
            elif same_content(backend, path, existing[path.name]):
                result.skipped.append(path.name)
            else:
                raise UploadError(f"{path.name} is already {backend.where} with different "
                                  "content",
                                  "an index never replaces a released file: release a new "
                                  "version")
        for path in todo:
            if progress:
                progress(f"uploading {path.name}")
            try:
                backend.put(project, path, progress)
            except AlreadyThere:
                result.skipped.append(path.name)
                continue
            result.uploaded.append(path.name)
        if todo:
            backend.finish(project)
    return result


def verify(backend: Backend, name: str, dists: list[Path]) -> list[str]:
    """Problems with what the backend now holds for these files (empty when all is well)."""
    from packaging.utils import canonicalize_name

    with backend:
        listed = backend.listing(canonicalize_name(name))
        problems = []
        for path in dists:
            if path.name not in listed:
                problems.append(f"{path.name} is not listed on {backend.display}")
            elif not same_content(backend, path, listed[path.name]):
                problems.append(f"{path.name} on {backend.display} differs from the local file")
    return problems


def files_there(backend: Backend, name: str, version: str,
                filenames: list[str] | None = None) -> list[str]:
    """The files of ``name`` ``version`` the backend holds (and any of ``filenames``)."""
    from packaging.utils import canonicalize_name

    from release_tasks.build.builder import is_dist_of

    wanted = set(filenames or ())
    with backend:
        listed = backend.listing(canonicalize_name(name))
    return sorted(f for f in listed if f in wanted or is_dist_of(f, name, version))


def check_not_released(backend: Backend, rel: Release, report: Report) -> None:
    """A new release's version must not be there yet (a resume may find its own files)."""
    if not rel.has_version or not rel.fresh:
        return
    try:
        already = files_there(backend, rel.name, rel.version)
    except ReleaseError as e:
        report.error(str(e))
        return
    if already:
        report.error(f"{rel.name} {rel.version} is already {backend.where} "
                     f"({', '.join(already)}): release a new version")


def conflicts(backend: Backend, name: str, dists: list[Path]) -> list[str]:
    """Those of ``dists`` the backend holds with other content: the upload would refuse
    them, so a pre-flight that knows the built files says so before anything is sent."""
    from packaging.utils import canonicalize_name

    with backend:
        listed = backend.listing(canonicalize_name(name))
        return [p.name for p in dists
                if p.name in listed and not same_content(backend, p, listed[p.name])]
