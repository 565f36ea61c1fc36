"""Real SSH servers on 127.0.0.1 for the tests and the benchmark (importable without pytest).

Two kinds, one interface (``port``, ``user``, ``host_key_line``, ``close()``):

- :class:`AsyncSSHServer`: asyncssh's server in a background thread, with SFTP, SCP and
  exec. Exec runs the command with ``/bin/sh -c`` on this machine, because the "remote" is
  this machine: ``tar``, ``mv``, ``ln`` really run, and the results land under ``tmp_path``.
- :class:`OpenSSHServer`: the real ``sshd -D -f CONFIG`` where OpenSSH is installed.

:func:`start` makes either kind and writes the client side into a HOME the way a user has
it: a throwaway key in ``~/.ssh/id_ed25519``, ``~/.ssh/config`` naming the port, user and
key for ``127.0.0.1``, and the server's host key in ``~/.ssh/known_hosts``. So the code
under test reaches the server with no test-only switch.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import asyncssh

SSHD = Path("/usr/sbin/sshd")
KINDS = ("asyncssh", "openssh")


def sshd_available() -> bool:
    return SSHD.is_file() and os.access(SSHD, os.X_OK)


def _free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 15.0, address: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((address, port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {address}:{port} after {timeout}s")


def _write_private(path: Path, key: asyncssh.SSHKey) -> None:
    path.write_bytes(key.export_private_key("openssh"))
    path.chmod(0o600)
    path.with_name(path.name + ".pub").write_bytes(key.export_public_key("openssh"))


def new_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


def public_line(key: asyncssh.SSHKey) -> str:
    """``ssh-ed25519 AAAA...`` without a comment."""
    return " ".join(key.export_public_key("openssh").decode().split()[:2])


def _close_quietly(pipe: Any) -> None:
    with contextlib.suppress(Exception):
        pipe.close()


class AsyncSSHServer:
    """asyncssh on 127.0.0.1 with SFTP, SCP and exec through ``/bin/sh -c``."""

    kind = "asyncssh"

    def __init__(self, authorized: asyncssh.SSHKey, cwd: Path) -> None:
        self.user = getpass.getuser()
        self.host_key = new_key()
        self.cwd = cwd
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="asyncssh-server")
        self._thread.start()
        keys = asyncssh.import_authorized_keys(public_line(authorized) + "\n")
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._running: set[asyncio.Task[Any]] = set()  # commands still executing
        connections = self._connections

        class Tracked(asyncssh.SSHServer):
            """Remembers its connections, so that close() leaves no socket open."""

            def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
                connections.add(conn)

            def connection_lost(self, exc: Exception | None) -> None:
                connections.difference_update(c for c in list(connections) if c.is_closed())

        async def listen() -> asyncssh.SSHAcceptor:
            return await asyncssh.create_server(
                Tracked, "127.0.0.1", 0, server_host_keys=[self.host_key],
                authorized_client_keys=keys, process_factory=self._exec,
                sftp_factory=True, allow_scp=True, encoding=None)

        self._acceptor = asyncio.run_coroutine_threadsafe(listen(), self._loop).result(15)
        self.port = int(self._acceptor.sockets[0].getsockname()[1])

    @property
    def host_key_line(self) -> str:
        return public_line(self.host_key)

    async def _exec(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        """Run the command with ``/bin/sh -c``, wiring the channel to its pipes.

        Plain ``subprocess`` and threads, not asyncio's subprocesses: those can stall
        when the client drops the channel while the command starts (the Ctrl-C test).
        Like sshd, a command whose client went away still runs to its end, with EOF on
        its stdin.
        """
        command = process.command
        if not command:
            process.stderr.write(b"this test server runs commands only, no shells\n")
            process.exit(1)
            return
        loop = asyncio.get_running_loop()
        proc = subprocess.Popen(["/bin/sh", "-c", command], cwd=self.cwd,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        finished: asyncio.Future[int] = loop.create_future()

        def send(sink: Any, data: bytes) -> None:
            with contextlib.suppress(Exception):
                sink.write(data)

        def pump(source: Any, sink: Any) -> None:
            for chunk in iter(lambda: source.read1(1 << 16), b""):
                with contextlib.suppress(RuntimeError):  # the loop is gone
                    loop.call_soon_threadsafe(send, sink, chunk)

        def wait() -> None:
            pumps = [threading.Thread(target=pump, args=(proc.stdout, process.stdout)),
                     threading.Thread(target=pump, args=(proc.stderr, process.stderr))]
            for t in pumps:
                t.start()
            for t in pumps:
                t.join()
            code = proc.wait()
            for pipe in (proc.stdout, proc.stderr):
                pipe.close()
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(
                    lambda: finished.done() or finished.set_result(code))

        threading.Thread(target=wait, daemon=True, name="exec-wait").start()
        async def feed() -> None:
            try:
                with contextlib.suppress(Exception):
                    while data := await process.stdin.read(1 << 16):
                        await loop.run_in_executor(None, proc.stdin.write, data)
            finally:
                # EOF for the command; in a thread, as a full pipe would block the loop.
                loop.run_in_executor(None, _close_quietly, proc.stdin)

        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        feeder = asyncio.ensure_future(feed())
        try:
            code = await finished
            with contextlib.suppress(Exception):
                process.exit(code if code >= 0 else 128 - code)
        finally:
            feeder.cancel()
            self._running.discard(task)

    def close(self) -> None:
        async def stop() -> None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            if self._running:
                await asyncio.wait(list(self._running), timeout=10)
            for conn in list(self._connections):
                conn.close()
                await conn.wait_closed()
            rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in rest:
                t.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(20)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


class OpenSSHServer:
    """OpenSSH's ``sshd -D`` on 127.0.0.1 (or another loopback ``address``), key auth
    only, as the current user; ``extra`` lines go at the end of its sshd_config."""

    kind = "openssh"

    def __init__(self, authorized: asyncssh.SSHKey, workdir: Path,
                 address: str = "127.0.0.1", extra: str = "") -> None:
        self.user = getpass.getuser()
        self.address = address
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.host_key = new_key()
        _write_private(workdir / "host", self.host_key)
        (workdir / "authorized_keys").write_text(public_line(authorized) + "\n")
        self.port = _free_port(address)
        config = workdir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress {address}\nHostKey {workdir}/host\n"
            f"PidFile {workdir}/sshd.pid\nAuthorizedKeysFile {workdir}/authorized_keys\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            "StrictModes no\nPermitRootLogin prohibit-password\n"
            "Subsystem sftp internal-sftp\nLogLevel ERROR\n" + extra)
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation folder
        self.start()

    def start(self) -> None:
        """Start (or, after :meth:`close`, restart) sshd: same port, same host key."""
        config = self.workdir / "sshd_config"
        self._log = (self.workdir / "sshd.log").open("a")
        self._proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)],
                                      stdout=self._log, stderr=self._log)
        try:
            _wait_port(self.port, address=self.address)
        except RuntimeError:
            self.close()
            raise RuntimeError("sshd did not start: "
                               + (self.workdir / "sshd.log").read_text()[-500:]) from None

    @property
    def host_key_line(self) -> str:
        return public_line(self.host_key)

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
        self._log.close()


Server = AsyncSSHServer | OpenSSHServer


def known_hosts_line(server: Server) -> str:
    address = getattr(server, "address", "127.0.0.1")
    return f"[{address}]:{server.port} {server.host_key_line}\n"


def write_client(home: Path, server: Server, key: asyncssh.SSHKey) -> Path:
    """The user's side: key, ``~/.ssh/config`` and ``known_hosts``; returns ``~/.ssh``."""
    ssh = home / ".ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_private(ssh / "id_ed25519", key)
    (ssh / "config").write_text(
        f"Host 127.0.0.1\n  Port {server.port}\n  User {server.user}\n"
        f"  IdentityFile {ssh / 'id_ed25519'}\n  IdentitiesOnly yes\n")
    (ssh / "config").chmod(0o600)
    (ssh / "known_hosts").write_text(known_hosts_line(server))
    return ssh


def start(kind: str, home: Path, workdir: Path) -> Server:
    """Start a server of ``kind`` and set up ``home`` to reach it as 127.0.0.1."""
    key = new_key()
    server: Server
    if kind == "asyncssh":
        server = AsyncSSHServer(key, cwd=home)
    elif kind == "openssh":
        if not sshd_available():
            raise RuntimeError(f"{SSHD} is not installed (apt-get install openssh-server)")
        server = OpenSSHServer(key, workdir)
    else:
        raise ValueError(kind)
    write_client(home, server, key)
    return server


def replace_client_key(home: Path) -> None:
    """Give the user a key the server does not know (the server "refuses the key")."""
    _write_private(home / ".ssh" / "id_ed25519", new_key())


def forget_host(home: Path) -> None:
    """Empty ``known_hosts``: the server's key becomes unknown."""
    (home / ".ssh" / "known_hosts").write_text("")



def start_fleet(home: Path, workdir: Path, count: int, extra: str = "",
                first: int = 2) -> list[OpenSSHServer]:
    """``count`` OpenSSH servers on 127.0.0.<first>, <first + 1>, ..., each with its own
    host key in ``known_hosts`` and a ``Host`` entry in ``~/.ssh/config``; one user key.
    ``extra``: sshd_config lines for every server ("{n}" becomes the server's number)."""
    if not sshd_available():
        raise RuntimeError(f"{SSHD} is not installed (apt-get install openssh-server)")
    key = new_key()
    servers: list[OpenSSHServer] = []
    try:
        for n in range(first, first + count):
            servers.append(OpenSSHServer(key, workdir / f"sshd-{n}", f"127.0.0.{n}",
                                         extra.replace("{n}", str(n))))
    except BaseException:
        for server in servers:
            server.close()
        raise
    ssh = home / ".ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_private(ssh / "id_ed25519", key)
    (ssh / "config").write_text("".join(
        f"Host {s.address}\n  Port {s.port}\n  User {s.user}\n"
        f"  IdentityFile {ssh / 'id_ed25519'}\n  IdentitiesOnly yes\n" for s in servers))
    (ssh / "config").chmod(0o600)
    (ssh / "known_hosts").write_text("".join(known_hosts_line(s) for s in servers))
    return servers
