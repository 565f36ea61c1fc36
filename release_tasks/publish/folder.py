"""A local folder index (``repository = "file:///path"``, and the default): PEP 503 pages
that pip installs from with ``--index-url file:///path/simple``.

Layout: ``simple/<project>/<file>`` with an ``index.html`` per project and at the top, and
``.sha256/<project>/<file>.sha256`` beside ``simple/`` recording each file's hash when it was
added (outside ``simple/``: what pip and people browse holds only the index itself).
The recorded hash is what the pages and the "same content?" rule use, so an upload reads
only the files it adds, never every file already released (an index of years of releases
stays as fast as an empty one). A file from an older index without its record is hashed
once, and the record written then.

Each file is written under a unique hidden temporary name, then hard-linked to its real
name, which fails if the name exists: an interrupted copy never leaves a partial file under
the real name, and a released file is never replaced, even by a writer that does not take
the lock. After such a collision the contents are compared: the same file is "already
there", a different one is refused. Two releases into one index at once take turns: the
listing, the files and the pages are written under ``<index>/.lock``, so neither loses a
file or a page to the other. Files and pages are 0644 whatever the umask, so a web server
running as another user can serve them. Hidden files (records, temporary files, the lock)
are never listed.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from release_tasks.core.digest import sha256
from release_tasks.core.errors import UploadError, disk_full
from release_tasks.publish.backend import (
    AlreadyThere,
    Listed,
    Progress,
    Release,
    Report,
    RepositoryBackend,
    check_not_released,
)


def _record(path: Path) -> Path:
    """``<index>/.sha256/<project>/<file>.sha256`` for ``<index>/simple/<project>/<file>``."""
    return path.parent.parent.parent / ".sha256" / path.parent.name / f"{path.name}.sha256"


def recorded_sha256(path: Path) -> str | None:
    """The hash recorded when ``path`` was added, if any."""
    try:
        text = _record(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if len(text) == 64 else None


_MODE = 0o644  # readable by a web server running as another user


def _atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` (a page or a record: ours to rewrite) from a unique temporary name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), _MODE)
            f.write(text)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


class FolderBackend(RepositoryBackend):
    """A folder index on this machine; see the module docstring."""

    kind = "file"
    verifies = True

    def __enter__(self) -> FolderBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold ``<index>/.lock``: one writer at a time, from its listing to its pages."""
        from filelock import FileLock

        folder = self.repo.folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(folder / ".lock"), mode=_MODE)
            lock.acquire()
        except OSError as e:
            raise disk_full(e, folder) or UploadError(
                f"cannot lock the index {folder}: {e.strerror or e}",
                "check the repository folder and its permissions") from None
        try:
            yield
        finally:
            lock.release()

    def _folder(self, project: str) -> Path:
        return self.repo.folder / "simple" / project

    def check(self, rel: Release, report: Report) -> None:
        check_not_released(self, rel, report)

    def listing(self, project: str) -> dict[str, Listed]:
        folder = self._folder(project)
        if not folder.is_dir():
            return {}
        return {p.name: Listed(p.name, p.as_uri(), recorded_sha256(p), p.stat().st_size)
                for p in sorted(folder.iterdir())
                if p.is_file() and p.name != "index.html" and not p.name.startswith(".")}

    def digest(self, listed: Listed) -> str:
        path = self._path_of(listed)
        digest = sha256(path)
        _atomic_write(_record(path), digest + "\n")
        return digest

    def _path_of(self, listed: Listed) -> Path:
        from urllib.parse import unquote, urlsplit

        return Path(unquote(urlsplit(listed.url).path))

    def put(self, project: str, path: Path, progress: Progress) -> None:
        """Copy ``path`` in under a unique temporary name, hashing it on the way, then link
        it to its real name, which must not exist yet (see the module docstring)."""
        folder = self._folder(project)
        target = folder / path.name
        tmp: str | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("rb") as src, tempfile.NamedTemporaryFile(
                    dir=folder, prefix=".upload-", delete=False) as dst:
                tmp = dst.name
                os.fchmod(dst.fileno(), _MODE)
                h = hashlib.sha256()
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    h.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            try:
                os.link(tmp, target)
            except FileExistsError:
                if sha256(target) != h.hexdigest():
                    raise UploadError(f"{path.name} is already in {folder} with different "
                                      "content (another release put it there meanwhile)",
                                      "an index never replaces a released file: release a "
                                      "new version") from None
                raise AlreadyThere(path.name) from None
            _atomic_write(_record(target), h.hexdigest() + "\n")
        except FileNotFoundError as e:
            if not path.exists():
                raise UploadError(f"{path.name} is gone from {path.parent}",
                                  "rebuild the files with `fab build`") from None
            raise UploadError(f"cannot write {path.name} to {folder}: {e.strerror or e}",
                              "check the repository folder") from None
        except PermissionError as e:
            raise UploadError(f"cannot write {path.name} to {folder}: permission denied "
                              f"({e.filename})",
                              "fix the folder's permissions or the repository setting") from None
        except OSError as e:
            raise disk_full(e, folder, f"nothing of {path.name} was left there") or UploadError(
                f"copying {path.name} to {folder} failed: {e.strerror or e}",
                "check the free space and the folder") from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def finish(self, project: str) -> None:
        """Rewrite this project's page and the list of projects (no other project's page)."""
        simple = self.repo.folder / "simple"
        folder = simple / project
        links = []
        for listed in self.listing(project).values():
            digest = listed.sha256 or self.digest(listed)
            name = html.escape(listed.filename)
            links.append(f'<a href="{name}#sha256={digest}">{name}</a><br>')
        _atomic_write(folder / "index.html",
                      f"<!DOCTYPE html>\n<html><head><title>Links for {project}</title></head>"
                      f"<body><h1>Links for {project}</h1>\n" + "\n".join(links)
                      + "\n</body></html>\n")
        projects = sorted(p.name for p in simple.iterdir()
                          if p.is_dir() and not p.name.startswith("."))
        items = "\n".join(f'<a href="{p}/">{p}</a><br>' for p in projects)
        _atomic_write(simple / "index.html",
                      f"<!DOCTYPE html>\n<html><head><title>Simple index</title></head>"
                      f"<body>\n{items}\n</body></html>\n")

