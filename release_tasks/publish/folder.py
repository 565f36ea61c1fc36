"""A local folder index (``repository = "file:///path"``, and the default): PEP 503 pages
that pip installs from with ``--index-url file:///path/simple``.

Layout: ``simple/<project>/<file>`` with an ``index.html`` per project and at the top, and
``.sha256/<project>/<file>.sha256`` beside ``simple/`` recording each file's hash when it was
added (outside ``simple/``: what pip and people browse holds only the index itself).
The recorded hash is what the pages and the "same content?" rule use, so an upload reads
only the files it adds, never every file already released (an index of years of releases
stays as fast as an empty one). A file from an older index without its record is hashed
once, and the record written then.

Each file is written under a hidden temporary name and renamed: an interrupted copy never
leaves a partial file under the real name, and a failed one leaves nothing. Hidden files
(records, temporary files) are never listed.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import tempfile
from pathlib import Path

from release_tasks.core.digest import sha256
from release_tasks.core.errors import UploadError
from release_tasks.publish.backend import (
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


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


class FolderBackend(RepositoryBackend):
    """A folder index on this machine; see the module docstring."""

    kind = "file"
    verifies = True

    def __enter__(self) -> FolderBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

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
        """Copy ``path`` in, hashing it on the way, then rename it into place."""
        folder = self._folder(project)
        target = folder / path.name
        tmp: str | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("rb") as src, tempfile.NamedTemporaryFile(
                    dir=folder, prefix=".upload-", delete=False) as dst:
                tmp = dst.name
                h = hashlib.sha256()
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    h.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            _atomic_write(_record(target), h.hexdigest() + "\n")
            os.replace(tmp, target)
            tmp = None
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
            raise UploadError(f"copying {path.name} to {folder} failed: {e.strerror or e}",
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

