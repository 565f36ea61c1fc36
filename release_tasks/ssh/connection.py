"""SSH connections for ``docs_target = "ssh://..."`` and ``repository = "scp://..."``.

Connections go through Fabric's ``Connection``, so the user's ``~/.ssh/config`` (Host
aliases, User, Port, IdentityFile, ProxyJump), keys and agent work as they do for ``ssh``.
Two things differ from Fabric's defaults, on purpose:

- Host keys are checked. Fabric auto-adds unknown hosts; here ``~/.ssh/known_hosts`` (and
  any ``UserKnownHostsFile``) is loaded and an unknown host is refused with the command that
  trusts it: a release publishes code and docs there, and an impostor would serve its own.
  ``ssh_trust_unknown_hosts = true`` accepts an unknown key (for throwaway test servers); a
  key that *changed* is always refused. A key accepted that way is pinned in the
  ``PinnedKeys`` of that one release, so its later connections (the upload, whose
  signature carries no config) talk to the very host that was checked, and never to a
  different unknown one. Nothing is remembered beyond the release: the next release in the
  same process starts from ``known_hosts`` again.
- Every failure is one line naming the host and the fix (``SSHError``), never a paramiko
  traceback.

fabric and paramiko are imported inside the functions: ``fab --list`` must not pay for them.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import posixpath
import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote

from release_tasks.core.errors import ConfigError, SSHError

if TYPE_CHECKING:
    from fabric import Connection

    from release_tasks.core.release import Release, Report

CONNECT_TIMEOUT = 15
Progress = Callable[[str], None] | None

# Host keys accepted under ssh_trust_unknown_hosts during one release:
# {"[host]:port": (key type, base64 key)}. Owned by the Release (``rel.host_keys``).
PinnedKeys = dict[str, tuple[str, str]]


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


def label(conn: Connection) -> str:
    """``user@host:port``: how every message names the other end."""
    return f"{conn.user}@{conn.host}:{conn.port}"


def _keyscan(conn: Connection) -> str:
    port = f"-p {conn.port} " if int(conn.port) != 22 else ""
    return f"ssh-keyscan {port}{shlex.quote(conn.host)} >> ~/.ssh/known_hosts"


def _policy(conn: Connection, trust: bool, pinned: PinnedKeys) -> Any:
    """Refuse unknown host keys, unless trusted now or pinned earlier in this release."""
    import paramiko

    class Policy(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
            seen = (key.get_name(), key.get_base64())
            if pinned.get(hostname) == seen:
                return
            if trust:
                pinned[hostname] = seen
                return
            raise SSHError(
                f"the host key of {label(conn)} is unknown ({key.get_name()} "
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


def _check_host_keys(conn: Connection, trust: bool, pinned: PinnedKeys) -> None:
    """Known hosts loaded, unknown ones refused: for the host and every ProxyJump hop."""
    import paramiko
    from fabric import Connection

    for path in _known_hosts_files(conn):
        if os.path.isfile(path):
            with contextlib.suppress(OSError, paramiko.SSHException):
                conn.client.load_system_host_keys(path)
    conn.client.set_missing_host_key_policy(_policy(conn, trust, pinned))
    if isinstance(conn.gateway, Connection):
        _check_host_keys(conn.gateway, trust, pinned)


def connect(target: Target, trust: bool = False,
            pinned: PinnedKeys | None = None) -> Connection:
    """An open Connection with host keys checked; any failure is one line naming the host.

    ``pinned`` holds the keys trusted earlier in the same release (``rel.host_keys``);
    without it nothing is remembered past this connection.
    """
    from fabric import Config, Connection

    paramiko_log = logging.getLogger("paramiko")
    if not paramiko_log.handlers:
        # paramiko logs transport errors with tracebacks; our one-line errors say it better.
        paramiko_log.addHandler(logging.NullHandler())
    try:
        conn = Connection(target.host, user=target.user, port=target.port,
                          config=Config(overrides={"timeouts": {"connect": CONNECT_TIMEOUT}}))
    except (*_connect_errors(), ValueError, LookupError) as e:  # a malformed ~/.ssh/config
        raise SSHError(f"cannot set up SSH to {target.host}: {e}",
                       "check ~/.ssh/config") from None
    _check_host_keys(conn, trust, {} if pinned is None else pinned)
    opened = False
    try:
        conn.open()
        opened = True
        return conn
    except SSHError:
        raise
    except _connect_errors() as e:
        raise _connect_error(conn, target, e) from None
    finally:
        if not opened:  # also on Ctrl-C: no half-open transport left behind
            conn.close()


def _connect_errors() -> tuple[type[BaseException], ...]:
    """What opening a connection raises for a reason the user can fix: paramiko's own
    exceptions, the network's (refused, unknown host, timeout) and a transport cut short."""
    import paramiko

    return (paramiko.SSHException, OSError, EOFError)


def _connect_error(conn: Connection, target: Target, e: BaseException) -> SSHError:
    """One of :func:`_connect_errors` as a one-line error naming the host and the fix."""
    import socket

    import paramiko

    where = label(conn)
    check = f"check the host and port in {target.key} and ~/.ssh/config"
    if isinstance(e, paramiko.BadHostKeyException):
        name = f"[{conn.host}]:{conn.port}" if int(conn.port) != 22 else conn.host
        if e.hostname not in (conn.host, name):  # a ProxyJump hop
            where, name = e.hostname, e.hostname
        return SSHError(
            f"the host key of {where} does not match ~/.ssh/known_hosts "
            f"({e.key.get_name()} {e.key.fingerprint}): refusing to connect",
            "if the server was reinstalled, `ssh-keygen -R "
            f"{shlex.quote(name)}` then `{_keyscan(conn)}`")
    if isinstance(e, paramiko.PasswordRequiredException):
        return SSHError(f"{where}: the SSH key is protected by a passphrase",
                        "load it into ssh-agent with `ssh-add`")
    if isinstance(e, paramiko.AuthenticationException):
        return SSHError(
            f"{where} refused our SSH keys (permission denied)",
            f"add your public key to ~{conn.user}/.ssh/authorized_keys on {conn.host}, "
            "or set User/IdentityFile for the host in ~/.ssh/config")
    if isinstance(e, paramiko.ssh_exception.NoValidConnectionsError):
        return SSHError(f"cannot connect to {where}: connection refused", check)
    if isinstance(e, socket.gaierror):
        return SSHError(f"cannot connect to {where}: unknown host name", check)
    if isinstance(e, TimeoutError):
        return SSHError(f"cannot connect to {where}: timed out", check)
    if isinstance(e, OSError):
        return SSHError(f"cannot connect to {where}: {e.strerror or e}", check)
    return SSHError(f"SSH to {where} failed: {first_line(e)}", check)


def first_line(error: BaseException | str) -> str:
    """The first line of an error, short: paramiko's messages can run to pages."""
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
        raise SSHError(f"running a command on {label(conn)} failed: {first_line(e)}",
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
        raise SSHError(f"sending data to {label(conn)} failed: {broken}",
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
                raise _Broken(first_line(e)) from None
        return len(data)


def say(progress: Progress, text: str) -> None:
    """Tell the step's progress line, when there is one."""
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


def probe(conn: Connection, path: str, report: Report, what: str,
          extra: str = "") -> list[str] | None:
    """Report whether ``path`` is (or can become) a writable folder.

    Returns the lines ``extra`` (more shell, run in the same round trip) printed, or None
    when the folder is not usable.
    """
    code, out, err = sh(conn, _PROBE + extra, path)
    lines = out.strip().splitlines()
    state, _, where = (lines[0] if lines else "").partition(" ")
    host = label(conn)
    if code != 0 or state not in ("ok", "readonly", "notdir"):
        report.error(f"cannot check {what} {path} on {host}: "
                     f"{first_line(err or out or f'exit {code}')} (check the account's shell)")
        return None
    if state == "notdir":
        report.error(f"{what} {path} on {host}: {where} is a file, not a folder "
                     "(fix the path)")
        return None
    if state == "readonly":
        report.error(f"{what} {path} on {host}: {where} is not writable by {conn.user} "
                     "(fix its permissions or the path)")
        return None
    return lines[1:]


def check_connection(rel: Release, url: str, key: str,
                     report: Report) -> tuple[Target, Connection] | None:
    """Pre-flight's first part for either setting: the URL parses and the host answers
    with a known key. Problems go to ``report``; None means there is nothing to probe."""
    target = report.guard(parse, url, key)
    if target is None:
        return None
    conn = report.guard(connect, target, rel.config.ssh_trust_unknown_hosts, rel.host_keys)
    return None if conn is None else (target, conn)


