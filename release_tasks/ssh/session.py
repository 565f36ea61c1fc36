"""Packages over SFTP: ``repository = "scp://[user@]host[:port]/path"``.

Uploads use SFTP only (no shell: SFTP-only accounts are common for package folders), write
to a temporary name and rename, and compare a file already there by size and sha256
instead of replacing it. The connection itself (host keys, one-line errors) is
:mod:`release_tasks.ssh.connection`'s.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_tasks.core.errors import SSHError, UploadError
from release_tasks.ssh.connection import (
    PinnedKeys,
    Progress,
    check_connection,
    connect,
    first_line,
    label,
    parse,
    say,
)

# The names the upload code below calls them by.
_first_line, _label, _say = first_line, label, say

if TYPE_CHECKING:
    from fabric import Connection

    from release_tasks.core.release import Release, Report
    from release_tasks.publish.index import Repository, UploadResult


def check_repository(rel: Release, repo: Repository, report: Report) -> None:
    """Pre-flight for ``repository = scp://...``: reachable, key known, folder writable.

    Also refuses a version whose files are already there, like an HTTP index would, unless
    resuming (where the upload then skips identical files). Changes nothing.
    """
    checked = check_connection(rel, repo.upload_url, "repository", report)
    if checked is None:
        return
    target, conn = checked
    with contextlib.closing(conn):
        if report.guard(_sftp_probe, conn, target.path, report) is None:
            return
        if not rel.has_version or not rel.fresh:
            return
        from release_tasks.build.builder import is_dist_of

        listed = report.guard(_listdir, conn, target.path) or []
        already = sorted(f for f in listed if is_dist_of(f, rel.name, rel.version))
        if already:
            report.error(f"{rel.name} {rel.version} is already in {target.path} on "
                         f"{label(conn)} ({', '.join(already)}): release a new version")


def _sftp_probe(conn: Connection, path: str, report: Report) -> bool | None:
    """Is ``path`` a folder, or can it become one? Over SFTP only: uploads need no shell,
    and SFTP-only accounts are common for package folders. (Write permission shows at the
    upload itself: SFTP cannot tell it without writing.)"""
    import stat

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
        raise SSHError(f"cannot check the upload folder {path} on {label(conn)}: "
                       f"{first_line(e)}", "check that the server offers SFTP") from None
    if not stat.S_ISDIR(mode):
        report.error(f"the upload folder {path} on {label(conn)}: {folder} is a file, not a "
                     "folder (fix the path)")
        return None
    return True


def _listdir(conn: Connection, folder: str) -> list[str]:
    import paramiko

    try:
        return list(conn.sftp().listdir(folder))
    except FileNotFoundError:
        return []
    except (OSError, paramiko.SSHException) as e:
        raise SSHError(f"cannot list {folder} on {label(conn)}: {first_line(e)}",
                       "check that the server offers SFTP and the folder is readable") from None


# --- uploads -----------------------------------------------------------------------------


def upload_dists(repo: Repository, dists: list[Path], progress: Progress,
                 pinned: PinnedKeys | None = None) -> UploadResult:
    """Copy the sdist and wheel into the ``scp://`` folder over SFTP.

    ``pinned``: the host keys this release's pre-flight trusted (``rel.host_keys``).

    A file already there with the same content is skipped (a resumed release uploads
    nothing twice); with different content it is refused, as an index would. Each file is
    written under a hidden temporary name and renamed, so an interrupted upload never
    leaves a partial file under the real name.
    """
    import paramiko

    from release_tasks.publish.index import UploadResult, sha256

    target = parse(repo.upload_url, "repository")
    result = UploadResult()
    with contextlib.closing(connect(target, pinned=pinned)) as conn:
        label = _label(conn)
        try:
            sftp = conn.sftp()
            _makedirs(sftp, target.path)
            for path in dists:
                remote = posixpath.join(target.path, path.name)
                if _exists(sftp, remote):
                    if sftp.stat(remote).st_size == path.stat().st_size and \
                            _remote_sha256(sftp, remote) == sha256(path):
                        result.skipped.append(path.name)
                        continue
                    raise UploadError(
                        f"{path.name} is already in {target.path} on {label} with different "
                        "content", "a released file is never replaced: release a new version")
                _say(progress, f"uploading {path.name} to {target.host}")
                tmp = posixpath.join(target.path, f".{path.name}.part-{secrets.token_hex(6)}")
                try:
                    sftp.put(str(path), tmp, confirm=True)
                    sftp.rename(tmp, remote)
                except BaseException:
                    with contextlib.suppress(Exception):
                        sftp.remove(tmp)
                    raise
                result.uploaded.append(path.name)
        except (OSError, paramiko.SSHException) as e:
            raise UploadError(f"upload to {target.path} on {label} failed: {_first_line(e)}",
                              f"check the folder's permissions and free space on "
                              f"{target.host}") from None
    return result


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
    import stat

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
