"""Many SSH hosts at once, through Fabric's ``ThreadingGroup``.

One ``Connection`` per host, made like :func:`release_tasks.ssh.connection.connect` makes
one (``~/.ssh/config``, host keys checked, keys pinned for the release), but opened by the
group itself, so the hosts are reached concurrently rather than one after the other. A
group call answers for every host: :func:`run` and :func:`put` return each host's outcome
(a result, or why it failed as one line), never only the first failure, like Fabric's
``GroupException``.

Per-host values travel in each connection's own config (``run.env``, inlined by Fabric
as ``export NAME=value && command``), so one command reaches every host with its own
folders; values are quoted here, as Fabric inlines them as they are.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from release_tasks.core.errors import SSHError
from release_tasks.ssh.connection import (
    CONNECT_TIMEOUT,
    PinnedKeys,
    Target,
    _check_host_keys,
    _connect_error,
    _connect_errors,
    first_line,
    label,
)

if TYPE_CHECKING:
    from fabric import Connection


@dataclass
class Outcome:
    """One host's answer to a group call: exit code and output, or ``error`` (one line)."""

    code: int = 0
    out: str = ""
    err: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.code == 0

    def why(self) -> str:
        return self.error or first_line(self.err or self.out or f"exit {self.code}")


def host(target: Target, *, trust: bool, pinned: PinnedKeys, timeout: float | None,
         env: Mapping[str, str], cls: type[Connection] | None = None) -> Connection:
    """An unopened connection to ``target`` with host keys checked; ``env`` goes with each
    command it runs. ``cls``: a ``Connection`` subclass that knows more of its host."""
    from fabric import Config, Connection

    make = cls or Connection
    overrides = {"timeouts": {"connect": timeout or CONNECT_TIMEOUT},
                 "run": {"env": {k: shlex.quote(v) for k, v in env.items()}},
                 "inline_ssh_env": True}
    try:
        conn = make(target.host, user=target.user, port=target.port,
                    config=Config(overrides=overrides))
    except (*_connect_errors(), ValueError, LookupError) as e:  # a malformed ~/.ssh/config
        raise SSHError(f"cannot set up SSH to {target.host}: {e}",
                       "check ~/.ssh/config") from None
    _check_host_keys(conn, trust, pinned)
    return conn


def slices(conns: Sequence[Connection], size: int) -> Iterator[list[Connection]]:
    """The hosts, ``size`` at a time: at most that many transfers run at once."""
    size = max(1, size)
    for start in range(0, len(conns), size):
        yield list(conns[start:start + size])


def run(conns: Sequence[Connection], targets: Mapping[Connection, Target], script: str,
        size: int, timeout: float | None = None) -> dict[Connection, Outcome]:
    """Run the POSIX ``sh`` script on every host (``size`` at a time); each host's outcome.

    ``sh -c`` because a login shell may be fish; the script reads its per-host values
    from the environment. An unopened connection is opened by the group, concurrently.
    """
    from fabric import ThreadingGroup
    from fabric.exceptions import GroupException

    command = shlex.join(["sh", "-c", script])
    outcomes: dict[Connection, Outcome] = {}
    for chunk in slices(conns, size):
        try:
            results: Mapping[Connection, Any] = ThreadingGroup.from_connections(chunk).run(
                command, hide=True, warn=True, in_stream=False, timeout=timeout)
        except GroupException as e:
            results = e.result
        for conn in chunk:
            outcomes[conn] = _outcome(conn, targets[conn], results.get(conn))
    return outcomes


def put(conns: Sequence[Connection], targets: Mapping[Connection, Target], local: str,
        size: int) -> dict[Connection, Outcome]:
    """Copy the file ``local`` to every host (``size`` at a time), each to the place its
    connection names (see :mod:`release_tasks.docs.fleet_ssh`)."""
    from fabric import ThreadingGroup
    from fabric.exceptions import GroupException

    outcomes: dict[Connection, Outcome] = {}
    for chunk in slices(conns, size):
        try:
            results: Mapping[Connection, Any] = ThreadingGroup.from_connections(chunk).put(
                local)
        except GroupException as e:
            results = e.result
        for conn in chunk:
            outcomes[conn] = _outcome(conn, targets[conn], results.get(conn))
    return outcomes


def _outcome(conn: Connection, target: Target, result: Any) -> Outcome:
    """A group's answer for one host as an :class:`Outcome`; exceptions as one line."""
    import paramiko
    from invoke.exceptions import CommandTimedOut

    if isinstance(result, SSHError):
        return Outcome(error=result.message)
    if isinstance(result, CommandTimedOut):
        return Outcome(error=f"{label(conn)} did not answer within {result.timeout:g}s")
    if isinstance(result, _connect_errors()) and not conn.is_connected:
        return Outcome(error=_connect_error(conn, target, result).message)
    if isinstance(result, (paramiko.SSHException, OSError, EOFError)):
        what = result.strerror if isinstance(result, OSError) and result.strerror else \
            first_line(result)
        return Outcome(error=f"{label(conn)}: {what}")
    if isinstance(result, BaseException):
        return Outcome(error=f"{label(conn)}: {type(result).__name__}: {first_line(result)}")
    if result is None:
        return Outcome(error=f"{label(conn)}: no answer")
    return Outcome(code=int(getattr(result, "exited", 0) or 0),
                   out=str(getattr(result, "stdout", "") or ""),
                   err=str(getattr(result, "stderr", "") or ""))


def close(conns: Sequence[Connection]) -> None:
    """Close every connection: also what stops their transfers on Ctrl-C."""
    for conn in conns:
        with contextlib.suppress(Exception):  # a broken transport is closed all the same
            conn.close()
