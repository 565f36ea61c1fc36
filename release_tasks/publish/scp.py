"""A folder on another host (``repository = "scp://[user@]host[:port]/path"``), over SFTP.

SFTP only, no shell: SFTP-only accounts are common for package folders. The connection is
the SSH package's (``~/.ssh/config``, keys, agent, host keys checked, a host trusted in the
pre-flight pinned for the upload). The pre-flight is the upload's own: reachable, key known,
the folder a folder (or able to become one), the version not there yet. Each file is
written under a hidden temporary name and renamed, so an interrupted upload never leaves a
partial file under the real name; a file already there is compared by size, then by a
sha256 read over SFTP (the rule of :mod:`release_tasks.publish.backend`).

paramiko is imported inside the functions: ``fab --list`` must not pay for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from release_tasks.core.errors import SSHError, UploadError
from release_tasks.publish.backend import (
    Listed,
    Progress,
    Release,
    Report,
    RepositoryBackend,
    UploadResult,
    check_not_released,
    upload,
)
from release_tasks.publish.index import Repository
from release_tasks.ssh import connection
from release_tasks.ssh.connection import PinnedKeys


def upload_dists(repo: Repository, dists: list[Path], progress: Progress,
                 pinned: PinnedKeys | None = None) -> UploadResult:
    """Copy the sdist and wheel into the ``scp://`` folder (the folder is flat: no project).

    ``pinned``: the host keys this release trusted in its pre-flight (``rel.host_keys``)."""
    return upload(ScpBackend(repo, pinned), "", dists, progress)


class ScpBackend(RepositoryBackend):
    """A folder over SFTP; see the module docstring."""

    kind = "scp"
    verifies = False  # no index reads it back: the upload itself compared every file

    def __init__(self, repo: Repository, pinned: PinnedKeys | None = None) -> None:
        super().__init__(repo)
        self.pinned = pinned
        self.target = connection.parse(repo.upload_url, "repository")
        self._conn: Any = None
        self._sftp: Any = None
        self._label = self.target.host

    @property
    def where(self) -> str:
        return f"in {self.target.path} on {self._label}"

    def __enter__(self) -> ScpBackend:
        if self._conn is None:
            self._conn = connection.connect(self.target, pinned=self.pinned)
        self._label = f"{self._conn.user}@{self._conn.host}:{self._conn.port}"
        if self._sftp is None:
            with self._failures():
                self._sftp = self._conn.sftp()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = self._sftp = None

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """SFTP and transport failures as one line naming the folder and host."""
        import paramiko

        try:
            yield
        except (OSError, paramiko.SSHException) as e:
            text = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
            raise UploadError(f"upload to {self.target.path} on {self._label} failed: {text}",
                              "check the folder's permissions and free space on "
                              f"{self.target.host}") from None

    def check(self, rel: Release, report: Report) -> None:
        """Reachable, key known, folder usable, the version not there yet (a resume finds
        its own files there, and the upload skips them). Changes nothing."""
        self.pinned = rel.host_keys
        checked = connection.check_connection(rel, self.repo.upload_url, "repository", report)
        if checked is None:
            return
        self._conn = checked[1]  # the checked connection serves the whole pre-flight
        try:
            if report.guard(_sftp_probe, self._conn, self.target.path, report) is not None:
                check_not_released(self, rel, report)
        finally:
            self.__exit__(None, None, None)

    def listing(self, project: str) -> dict[str, Listed]:
        with self._failures():
            try:
                entries = self._sftp.listdir_attr(self.target.path)
            except FileNotFoundError:
                return {}
        return {e.filename: Listed(e.filename, posixpath.join(self.target.path, e.filename),
                                   None, e.st_size)
                for e in entries
                if not e.filename.startswith(".") and stat.S_ISREG(e.st_mode or 0)}

    def digest(self, listed: Listed) -> str:
        with self._failures():
            return _remote_sha256(self._sftp, listed.url)

    def put(self, project: str, path: Path, progress: Progress) -> None:
        if progress:
            progress(f"uploading {path.name} to {self.target.host}")
        remote = posixpath.join(self.target.path, path.name)
        tmp = posixpath.join(self.target.path, f".{path.name}.part-{secrets.token_hex(6)}")
        with self._failures():
            _makedirs(self._sftp, self.target.path)
            try:
                self._sftp.put(str(path), tmp, confirm=True)
                self._sftp.rename(tmp, remote)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._sftp.remove(tmp)
                raise

    def finish(self, project: str) -> None:
        """Nothing to do: a plain folder has no pages."""


def _sftp_probe(conn: Any, path: str, report: Report) -> bool | None:
    """Is ``path`` a folder, or can it become one? (Write permission shows at the upload
    itself: SFTP cannot tell it without writing.)"""
    import paramiko

    try:
        sftp = conn.sftp()
        folder = path
        while True:
            try:
                mode = sftp.stat(folder).st_mode or 0
                break
            except FileNotFoundError:
                up = posixpath.dirname(folder.rstrip("/")) or "/"
                if up == folder:
                    return True
                folder = up
    except (OSError, paramiko.SSHException) as e:
        raise SSHError(f"cannot check the upload folder {path} on {connection.label(conn)}: "
                       f"{connection.first_line(e)}",
                       "check that the server offers SFTP") from None
    if not stat.S_ISDIR(mode):
        report.error(f"the upload folder {path} on {connection.label(conn)}: {folder} is a "
                     "file, not a folder (fix the path)")
        return None
    return True


def _exists(sftp: Any, path: str) -> bool:
    try:
        sftp.stat(path)
    except FileNotFoundError:
        return False
    return True


def _makedirs(sftp: Any, folder: str) -> None:
    """``mkdir -p`` over SFTP; a folder made meanwhile by someone else is fine.

    The docs are shipped at the same time as the upload, often below the same parent.
    """
    missing = []
    while folder not in ("", "/") and not _exists(sftp, folder):
        missing.append(folder)
        folder = posixpath.dirname(folder)
    for path in reversed(missing):
        try:
            sftp.mkdir(path)
        except OSError:
            try:
                made = stat.S_ISDIR(sftp.stat(path).st_mode or 0)
            except OSError:
                made = False
            if not made:
                raise


def _remote_sha256(sftp: Any, path: str) -> str:
    """Hash a remote file over SFTP: works on SFTP-only accounts, where no shell runs."""
    h = hashlib.sha256()
    with sftp.open(path, "rb") as f:
        f.prefetch()
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
