"""Docs and packages over SSH: ``docs_target = "ssh://..."`` and ``repository = "scp://..."``.

Connections go through Fabric's ``Connection``, so the user's ``~/.ssh/config`` (Host
aliases, User, Port, IdentityFile, ProxyJump), keys and agent work as they do for ``ssh``.
Two things differ from Fabric's defaults, on purpose:

- Host keys are checked. Fabric auto-adds unknown hosts; here ``~/.ssh/known_hosts`` (and
  any ``UserKnownHostsFile``) is loaded and an unknown host is refused with the command that
  trusts it: a release publishes code and docs there, and an impostor would serve its own.
  ``ssh_trust_unknown_hosts = true`` accepts an unknown key (for throwaway test servers); a
  key that *changed* is always refused. A key accepted that way during the pre-flight is
  pinned for the rest of the process, so the upload (whose signature carries no config)
  talks to the very host that was checked, and never to a different unknown one.
- Every failure is one line naming the host and the fix (``SSHError``, ``UploadError``,
  ``DocsError``), never a paramiko traceback.

Docs ship as one archive streamed over one connection into ``tar -x`` on the host, unpacked
into a temporary folder renamed into place, then ``latest`` is switched with ``ln -sfn`` +
``mv -T`` (a rename, so atomic): a reader never sees half-shipped docs, and a failure
leaves the previous version and ``latest`` as they were. Package uploads over SFTP are
``release_tasks.publish.scp``'s, over a connection from here.

fabric and paramiko are imported inside the functions: ``fab --list`` must not pay for them.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import os
import posixpath
import secrets
import shlex
import tarfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote

from release_tasks.core.errors import ConfigError, DocsError, SSHError

if TYPE_CHECKING:
    from fabric import Connection

    from release_tasks.core.release import Release, Report
    from release_tasks.publish.index import Repository

CONNECT_TIMEOUT = 15
Progress = Callable[[str], None] | None

# Host keys accepted under ssh_trust_unknown_hosts in this process: {"[host]:port": key}.
_pinned: dict[str, tuple[str, str]] = {}


@dataclass(frozen=True)
class Target:
    """``scheme://[user@]host[:port]/path``, split; ``key`` names the setting it came from."""

    user: str | None
    host: str
    port: int | None
    path: str
    key: str

    @property
    def parent(self) -> str:
        return posixpath.dirname(self.path.rstrip("/")) or "/"

    @property
    def basename(self) -> str:
        return posixpath.basename(self.path.rstrip("/"))


def parse(url: str, key: str) -> Target:
    """Split an ``ssh://`` or ``scp://`` URL without lower-casing ``~/.ssh/config`` aliases."""
    how = f"write {key} as {url.partition('://')[0] or 'ssh'}://[user@]host[:port]/absolute/path"
    _, sep, rest = url.partition("://")
    netloc, _, path = rest.partition("/")
    if not sep or not netloc:
        raise ConfigError(f"{key} {url!r} names no host", how)
    user, _, hostport = netloc.rpartition("@")
    port = ""
    if hostport.startswith("["):  # [::1]:2222
        host, _, after = hostport[1:].partition("]")
        port = after[1:] if after.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    if not host:
        raise ConfigError(f"{key} {url!r} names no host", how)
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(f"{key} {url!r} has an invalid port {port!r}", how)
    path = "/" + unquote(path).strip("/")
    if path == "/":
        raise ConfigError(f"{key} {url!r} names no folder on {host}", how)
    return Target(unquote(user) or None, host, int(port) if port else None, path, key)


# --- connecting ------------------------------------------------------------------------


def _label(conn: Connection) -> str:
    return f"{conn.user}@{conn.host}:{conn.port}"


def _keyscan(conn: Connection) -> str:
    port = f"-p {conn.port} " if int(conn.port) != 22 else ""
    return f"ssh-keyscan {port}{shlex.quote(conn.host)} >> ~/.ssh/known_hosts"


def _policy(conn: Connection, trust: bool) -> Any:
    """Refuse unknown host keys, unless trusted now or pinned by an earlier trusted check."""
    import paramiko

    class Policy(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
            seen = (key.get_name(), key.get_base64())
            if _pinned.get(hostname) == seen:
                return
            if trust:
                _pinned[hostname] = seen
                return
            raise SSHError(
                f"the host key of {_label(conn)} is unknown ({key.get_name()} "
                f"{key.fingerprint})",
                f"if that fingerprint is the server's, trust it with `{_keyscan(conn)}`, "
                "or set ssh_trust_unknown_hosts = true for a throwaway test server")

    return Policy()


def _known_hosts_files(conn: Connection) -> list[str]:
    """``~/.ssh/known_hosts`` plus the files ``~/.ssh/config`` names for this host."""
    files = [os.path.expanduser("~/.ssh/known_hosts"), "/etc/ssh/ssh_known_hosts"]
    for option in ("userknownhostsfile", "globalknownhostsfile"):
        value = conn.ssh_config.get(option)
        values = value if isinstance(value, list) else str(value or "").split()
        files += [os.path.expanduser(v) for v in values if v.lower() != "none"]
    return list(dict.fromkeys(files))


def _check_host_keys(conn: Connection, trust: bool) -> None:
    """Known hosts loaded, unknown ones refused: for the host and every ProxyJump hop."""
    import paramiko
    from fabric import Connection

    for path in _known_hosts_files(conn):
        if os.path.isfile(path):
            with contextlib.suppress(OSError, paramiko.SSHException):
                conn.client.load_system_host_keys(path)
    conn.client.set_missing_host_key_policy(_policy(conn, trust))
    if isinstance(conn.gateway, Connection):
        _check_host_keys(conn.gateway, trust)


def connect(target: Target, trust: bool = False) -> Connection:
    """An open Connection with host keys checked; any failure is one line naming the host."""
    import socket

    import paramiko
    from fabric import Config, Connection

    paramiko_log = logging.getLogger("paramiko")
    if not paramiko_log.handlers:
        # paramiko logs transport errors with tracebacks; our one-line errors say it better.
        paramiko_log.addHandler(logging.NullHandler())
    try:
        conn = Connection(target.host, user=target.user, port=target.port,
                          config=Config(overrides={"timeouts": {"connect": CONNECT_TIMEOUT}}))
    except Exception as e:  # a malformed ~/.ssh/config
        raise SSHError(f"cannot set up SSH to {target.host}: {e}",
                       "check ~/.ssh/config") from None
    _check_host_keys(conn, trust)
    label = _label(conn)
    check = f"check the host and port in {target.key} and ~/.ssh/config"
    try:
        conn.open()
        return conn
    except SSHError:
        conn.close()
        raise
    except BaseException as e:
        conn.close()
        if isinstance(e, paramiko.BadHostKeyException):
            name = f"[{conn.host}]:{conn.port}" if int(conn.port) != 22 else conn.host
            if e.hostname not in (conn.host, name):  # a ProxyJump hop
                label, name = e.hostname, e.hostname
            raise SSHError(
                f"the host key of {label} does not match ~/.ssh/known_hosts "
                f"({e.key.get_name()} {e.key.fingerprint}): refusing to connect",
                "if the server was reinstalled, `ssh-keygen -R "
                f"{shlex.quote(name)}` then `{_keyscan(conn)}`") from None
        if isinstance(e, paramiko.PasswordRequiredException):
            raise SSHError(f"{label}: the SSH key is protected by a passphrase",
                           "load it into ssh-agent with `ssh-add`") from None
        if isinstance(e, paramiko.AuthenticationException):
            raise SSHError(
                f"{label} refused our SSH keys (permission denied)",
                f"add your public key to ~{conn.user}/.ssh/authorized_keys on {conn.host}, "
                "or set User/IdentityFile for the host in ~/.ssh/config") from None
        if isinstance(e, paramiko.ssh_exception.NoValidConnectionsError):
            raise SSHError(f"cannot connect to {label}: connection refused", check) from None
        if isinstance(e, socket.gaierror):
            raise SSHError(f"cannot connect to {label}: unknown host name",
                           check) from None
        if isinstance(e, TimeoutError):
            raise SSHError(f"cannot connect to {label}: timed out", check) from None
        if isinstance(e, OSError):
            raise SSHError(f"cannot connect to {label}: {e.strerror or e}", check) from None
        if isinstance(e, paramiko.SSHException):
            raise SSHError(f"SSH to {label} failed: {_first_line(e)}", check) from None
        if isinstance(e, Exception):
            raise SSHError(f"SSH to {label} failed: {type(e).__name__}: {_first_line(e)}",
                           check) from None
        raise


def _first_line(error: BaseException | str) -> str:
    text = str(error).strip()
    return (text.splitlines() or [type(error).__name__])[0][:200]


def sh(conn: Connection, script: str, *args: str,
       feed: Callable[[BinaryIO], None] | None = None) -> tuple[int, str, str]:
    """Run a POSIX ``sh`` script with arguments (never interpolated) on the host.

    ``sh -c`` because the user's login shell may be fish or csh. A raw channel rather than
    ``Connection.run``: stdin here is binary data written by ``feed`` (the docs archive),
    never the user's terminal, and there is no per-command polling overhead. stderr is
    read in a thread while ``feed`` writes, so a chatty remote can never stall the upload.
    """
    import paramiko

    command = shlex.join(["sh", "-c", script, "sh", *args])
    transport_errors = (paramiko.SSHException, OSError, EOFError)
    try:
        chan = conn.client.get_transport().open_session(timeout=CONNECT_TIMEOUT)
        chan.exec_command(command)
    except transport_errors as e:
        raise SSHError(f"running a command on {_label(conn)} failed: {_first_line(e)}",
                       "check that the account may run commands (not SFTP-only)") from None
    with contextlib.closing(chan):
        errors: list[bytes] = []
        reader = threading.Thread(target=lambda: errors.append(chan.makefile_stderr("rb").read()),
                                  daemon=True)
        reader.start()
        broken: _Broken | None = None
        if feed is not None:
            writer = _ChannelWriter(chan)
            try:
                stream = io.BufferedWriter(writer, buffer_size=1 << 18)
                feed(stream)
                stream.flush()
            except _Broken as e:
                broken = e  # the host stopped reading: its exit status says why
            finally:
                writer.abandoned = True  # a failed feed's leftovers are never sent
        with contextlib.suppress(*transport_errors):
            chan.shutdown_write()
        out = chan.makefile("rb").read().decode(errors="replace")
        code = chan.recv_exit_status()
        reader.join(CONNECT_TIMEOUT)
    err = b"".join(errors).decode(errors="replace")
    if broken is not None and code == 0:
        raise SSHError(f"sending data to {_label(conn)} failed: {broken}",
                       "check the connection and retry")
    return code, out, err


class _Broken(Exception):
    """The channel refused data we were sending (as opposed to a local read failing)."""


class _ChannelWriter(io.RawIOBase):
    """A write-only file over a channel's stdin, for tarfile and gzip to stream into."""

    def __init__(self, chan: Any) -> None:
        self.chan = chan
        self.abandoned = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if not self.abandoned:
            try:
                self.chan.sendall(bytes(data))
            except Exception as e:
                raise _Broken(_first_line(e)) from None
        return len(data)


def _say(progress: Progress, text: str) -> None:
    if progress is not None:
        progress(text)


# --- read-only pre-flight ----------------------------------------------------------------

# Prints "ok DIR", "readonly DIR" or "notdir DIR" for the nearest existing ancestor of $1
# (or $1 itself), i.e. whether $1 exists or can be created and written.
_PROBE = r"""
p=$1
while [ ! -e "$p" ] && [ ! -L "$p" ]; do
  up=$(dirname -- "$p"); [ "$up" = "$p" ] && break; p=$up
done
if [ ! -d "$p" ]; then echo "notdir $p"
elif [ -w "$p" ] && [ -x "$p" ]; then echo "ok $p"
else echo "readonly $p"; fi
"""


def _probe(conn: Connection, path: str, report: Report, what: str,
           extra: str = "") -> list[str] | None:
    """Report whether ``path`` is (or can become) a writable folder.

    Returns the lines ``extra`` (more shell, run in the same round trip) printed, or None
    when the folder is not usable.
    """
    code, out, err = sh(conn, _PROBE + extra, path)
    lines = out.strip().splitlines()
    state, _, where = (lines[0] if lines else "").partition(" ")
    label = _label(conn)
    if code != 0 or state not in ("ok", "readonly", "notdir"):
        report.error(f"cannot check {what} {path} on {label}: "
                     f"{_first_line(err or out or f'exit {code}')} (check the account's shell)")
        return None
    if state == "notdir":
        report.error(f"{what} {path} on {label}: {where} is a file, not a folder "
                     "(fix the path)")
        return None
    if state == "readonly":
        report.error(f"{what} {path} on {label}: {where} is not writable by {conn.user} "
                     "(fix its permissions or the path)")
        return None
    return lines[1:]


def _check_connection(rel: Release, url: str, key: str,
                      report: Report) -> tuple[Target, Connection] | None:
    """Pre-flight's first part for either setting: the URL parses and the host answers
    with a known key. Problems go to ``report``; None means there is nothing to probe."""
    target = report.guard(parse, url, key)
    if target is None:
        return None
    conn = report.guard(connect, target, rel.config.ssh_trust_unknown_hosts)
    return None if conn is None else (target, conn)


def check_repository(rel: Release, repo: Repository, report: Report) -> None:
    """Pre-flight for ``repository = scp://...``: reachable, key known, folder writable.

    Also refuses a version whose files are already there, like an HTTP index would, unless
    resuming (where the upload then skips identical files). Changes nothing.
    """
    checked = _check_connection(rel, repo.upload_url, "repository", report)
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
                         f"{_label(conn)} ({', '.join(already)}): release a new version")


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
        raise SSHError(f"cannot check the upload folder {path} on {_label(conn)}: "
                       f"{_first_line(e)}", "check that the server offers SFTP") from None
    if not stat.S_ISDIR(mode):
        report.error(f"the upload folder {path} on {_label(conn)}: {folder} is a file, not a "
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
        raise SSHError(f"cannot list {folder} on {_label(conn)}: {_first_line(e)}",
                       "check that the server offers SFTP and the folder is readable") from None


# After _PROBE, on the docs' parent folder $1: is tar there, is `latest` a real folder?
_DOCS_PROBE = r"""
command -v tar >/dev/null 2>&1 || echo "missing tar"
if [ -e "$1/latest" ] && [ ! -L "$1/latest" ]; then echo "latest is a folder"; fi
"""


def check_docs_target(rel: Release, target: str, report: Report) -> None:
    """Pre-flight for ``docs_target = ssh://...``: reachable, key known, parent writable."""
    checked = _check_connection(rel, target, "docs_target", report)
    if checked is None:
        return
    parsed, conn = checked
    with contextlib.closing(conn):
        notes = report.guard(_probe, conn, parsed.parent, report, "the docs folder",
                             _DOCS_PROBE)
        if notes is None:
            return
        if "missing tar" in notes:
            report.error(f"{_label(conn)} has no `tar` to unpack the docs with "
                         "(install tar there)")
        if "latest is a folder" in notes:
            report.warn(f"{parsed.parent}/latest on {_label(conn)} is a real folder, not a "
                        "symlink: it will not be switched to the new version")


# --- docs --------------------------------------------------------------------------------


def _normalised(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Owned by nobody in particular and world-readable: a web server serves these."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if info.isdir():
        info.mode = 0o755
    elif info.isfile():
        info.mode = 0o755 if info.mode & 0o111 else 0o644
    return info


def pack(html: Path, out: BinaryIO, marker: str) -> None:
    """Stream the tree under ``html`` as a ``.tar.gz`` into ``out``, ``marker`` last.

    The empty ``marker`` file goes in only after every other file did, and the host refuses
    an archive without it: a stream cut at a file boundary (a file that vanished, Ctrl-C)
    can be a valid tar.gz, and must still never be published. gzip level 1: docs compress
    about 2-3x even so, and more CPU time per byte saves less than it costs on a LAN.
    """
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w|", format=tarfile.GNU_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(html):
            dirnames.sort()
            base = Path(dirpath)
            for name in [*dirnames, *sorted(filenames)]:
                path = base / name
                tar.add(path, arcname=path.relative_to(html).as_posix(), recursive=False,
                        filter=_normalised)
        tar.addfile(_normalised(tarfile.TarInfo(marker)))


def _count(html: Path) -> tuple[int, int]:
    files = [p for p in html.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


# $1 parent folder, $2 version folder name, $3 unique token; the archive arrives on stdin.
# A truncated archive (dropped connection, Ctrl-C) fails gzip's check or lacks the marker
# file that comes last, so nothing moves.
_SHIP = r"""
set -e
mkdir -p -- "$1"
cd -- "$1"
name=$2 tmp=".$2.tmp-$3" old=".$2.old-$3" link=".latest-$3"
trap 'rm -rf -- "$tmp" "$link"' EXIT
trap 'exit 1' HUP INT TERM
mkdir -- "$tmp"
tar -x -z --no-same-owner -f - -C "$tmp"
if [ ! -f "$tmp/.complete-$3" ]; then echo "the archive arrived incomplete" >&2; exit 1; fi
rm -f -- "$tmp/.complete-$3"
if [ -e "$name" ] || [ -L "$name" ]; then mv -- "$name" "$old"; fi
if ! mv -- "$tmp" "$name"; then
  if [ -e "$old" ]; then mv -- "$old" "$name"; fi
  exit 1
fi
if [ -L latest ] || [ ! -e latest ]; then
  ln -sfn -- "$name" "$link"
  if mv --version >/dev/null 2>&1; then mv -T -- "$link" latest; else mv -h -- "$link" latest; fi
  echo "latest switched"
else
  echo "latest kept: a real folder"
fi
rm -rf -- "$old" || true
"""


def ship_docs(rel: Release, html: Path, target: str, progress: Progress) -> str:
    """Ship the built HTML to ``ssh://host/path/name/version``; see the module docstring.

    One archive streamed over one channel into ``tar -x`` on the host, instead of a copy
    per file: a docs tree is thousands of small files, and per-file round trips are what
    makes copying them slow. Packing, sending and unpacking overlap, and no archive is
    left lying around on either side.
    """
    parsed = parse(target, "docs_target")
    files, size = _count(html)
    _say(progress, f"connecting to {parsed.host}")
    with contextlib.closing(connect(parsed, rel.config.ssh_trust_unknown_hosts)) as conn:
        _say(progress, f"streaming {files} file{'s' if files != 1 else ''} "
                       f"({size / 1e6:.1f} MB) to {parsed.host}")
        token = secrets.token_hex(6)

        def feed(stream: BinaryIO) -> None:
            try:
                pack(html, stream, f".complete-{token}")
            except OSError as e:  # reading the local build; the host discards what it got
                raise DocsError(f"cannot read the built docs in {html}: {e.strerror or e}",
                                "rebuild them with `fab build_docs`") from None

        code, out, err = sh(conn, _SHIP, parsed.parent, parsed.basename, token, feed=feed)
        if code != 0:
            raise DocsError(
                f"shipping the docs to {parsed.parent} on {_label(conn)} failed: "
                f"{_first_line(err or out or f'exit {code}')}",
                f"fix it on {parsed.host} (the previous docs and `latest` are untouched)")
        where = f"ssh://{conn.host}:{conn.port}{parsed.path}"
    note = "" if "latest switched" in out else " (latest left alone: it is a real folder)"
    return where + note
