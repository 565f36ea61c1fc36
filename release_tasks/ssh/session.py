"""The pre-flight of ``repository = "scp://[user@]host[:port]/path"``: reachable, key known,
folder writable, over SFTP only (SFTP-only accounts are common for package folders). The
upload itself is :mod:`release_tasks.publish.scp`'s; the connection (host keys, one-line
errors) is :mod:`release_tasks.ssh.connection`'s.
"""

from __future__ import annotations

import contextlib
import posixpath
from typing import TYPE_CHECKING

from release_tasks.core.errors import SSHError
from release_tasks.ssh.connection import (
    check_connection,
    first_line,
    label,
)

if TYPE_CHECKING:
    from fabric import Connection

    from release_tasks.core.release import Release, Report
    from release_tasks.publish.index import Repository


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
