"""How the build and the docs run their environment's Python: a :class:`Runner`.

The plain form, :class:`PlainRunner`, is an ordinary subprocess per command. The other,
:class:`WarmRunner`, is a Python of that environment started early: its interpreter up and
the heavy imports done (Sphinx, MkDocs, a build backend) while the release is still being
checked, edited and tagged, so that the step, when its turn comes, spends its time on its
work. Both give the same results; the tests run both.

The warm process (``warm.py``) runs one command and ends; until then it only waits on its
stdin, so it also ends by itself when we do, however we stop. If it is gone when the
command comes, or the command is not one it can run, the command runs as a process of its
own, as it would have without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Protocol

from release_tasks.core import processes
from release_tasks.core.warm import EXIT

Answer = Callable[[], "subprocess.CompletedProcess[str] | None"]


class Runner(Protocol):
    """Runs commands of one environment's Python."""

    def run(self, cmd: list[str], cwd: Path, env: Mapping[str, str] | None = None, *,
            environ: Mapping[str, str] | None = None,
            timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        """``cmd`` in ``cwd``, with ``env`` added to our environment or with ``environ``
        as the whole of it; like ``subprocess.run`` with its output captured. Past
        ``timeout`` seconds the process and its children are stopped and
        ``subprocess.TimeoutExpired`` raised."""

    def check(self, code: str, argv: list[str], cwd: Path) -> Answer | None:
        """``python -c code *argv`` in ``cwd``, started beside whatever we do next, leaving
        nothing behind; calling the result waits for it (None: it died). None when it
        cannot be started this way."""

    def close(self) -> None:
        """Not needed (any more): let go of what it holds."""


class PlainRunner:
    """Every command a process of its own (``python`` runs the checks, with ``env`` added
    to our environment)."""

    def __init__(self, python: Path | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.python = Path(python or sys.executable)
        self.env = dict(env or {})

    def run(self, cmd: list[str], cwd: Path, env: Mapping[str, str] | None = None, *,
            environ: Mapping[str, str] | None = None,
            timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        base = dict(environ) if environ is not None else dict(os.environ)
        return processes.run(cmd, capture_output=True, text=True, cwd=cwd,
                             env={**base, **(env or {})}, stdin=subprocess.DEVNULL,
                             timeout=timeout)

    def check(self, code: str, argv: list[str], cwd: Path) -> Answer:
        proc = processes.spawn([str(self.python), "-c", code, *argv], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL,
                               env={**os.environ, **self.env, "PYTHONDONTWRITEBYTECODE": "1"})

        def answer() -> subprocess.CompletedProcess[str]:
            out, err = proc.communicate()
            processes.forget(proc)
            return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

        return answer

    def close(self) -> None:
        """Nothing is held between commands."""


class WarmRunner:
    """One Python, ``preload`` imported, waiting for one command."""

    def __init__(self, python: Path, preload: list[str], cwd: Path, *, sphinx: bool = False,
                 env: Mapping[str, str] | None = None) -> None:
        """``sphinx``: also import Sphinx's builtin extensions; ``env``: the process's
        environment (ours by default)."""
        self.python = Path(python)
        script = Path(__file__).with_name("warm.py").read_text(encoding="utf-8")
        spec = {"preload": preload, "sphinx": sphinx}
        self.proc: subprocess.Popen[str] | None = processes.spawn(
            [str(python), "-c", script, json.dumps(spec)], cwd=cwd, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(env) if env is not None else None)

    def alive(self) -> bool:
        """Started, not ended, and still waiting for its command."""
        return self.proc is not None and self.proc.poll() is None

    def run(self, cmd: list[str], cwd: Path, env: Mapping[str, str] | None = None, *,
            environ: Mapping[str, str] | None = None,
            timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        """``cmd`` (``[python, "-m", module, ...]``, ``[python, "-c", code, ...]`` or
        ``[python, script, ...]``) in ``cwd``, with ``env`` added to our environment or with
        ``environ`` as the whole of it; run here if this Python can, else as a process of
        its own. Like ``subprocess.run`` with its output captured; past ``timeout`` seconds
        the process and its children are stopped and ``subprocess.TimeoutExpired`` raised."""
        proc, self.proc = self.proc, None
        request = self._request(cmd, cwd)
        if proc is not None and request is not None and proc.poll() is None:
            request.update(env=dict(env or {}),
                           environ=dict(environ) if environ is not None else None)
            try:
                assert proc.stdin is not None
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.close()
            except OSError:  # it died on the way: run the command afresh
                _end(proc)
            else:
                return _answer(proc, cmd, timeout)
        elif proc is not None:
            _end(proc)
        return PlainRunner(self.python).run(cmd, cwd, env, environ=environ, timeout=timeout)

    def check(self, code: str, argv: list[str], cwd: Path) -> Answer | None:
        """``python -c code *argv`` in ``cwd``, run in a fork of this Python (its imports
        done, nothing it does kept), beside whatever we do next. None when that cannot be
        (no fork on this system, or the process is gone); else calling the result waits for
        the answer (None if the process died meanwhile)."""
        proc = self.proc
        if proc is None or proc.poll() is not None or not hasattr(os, "fork"):
            return None
        try:
            assert proc.stdin is not None
            proc.stdin.write(json.dumps({"check": code, "argv": argv, "cwd": str(cwd)}) + "\n")
            proc.stdin.flush()
        except OSError:
            return None

        def answer() -> subprocess.CompletedProcess[str] | None:
            # Read from the pipe itself, not through its buffered reader: what follows
            # belongs to the command, which communicate() reads from the pipe too.
            assert proc.stdout is not None
            fd, data = proc.stdout.fileno(), b""
            while (at := data.find(b"@@warm@@")) < 0 or not data.endswith(b"\n"):
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                data += chunk
            found = json.loads(data[at + len(b"@@warm@@"):].decode())
            return subprocess.CompletedProcess(argv, found["code"], found["stdout"],
                                               found["stderr"])

        return answer

    def _request(self, cmd: list[str], cwd: Path) -> dict | None:
        if len(cmd) < 2 or Path(cmd[0]) != self.python:
            return None
        if cmd[1] in ("-m", "-c") and len(cmd) >= 3:
            key = "module" if cmd[1] == "-m" else "code"
            return {key: cmd[2], "argv": cmd[3:], "cwd": str(cwd)}
        if cmd[1].startswith("-") or not Path(cmd[1]).is_file():
            return None
        script = Path(cmd[1])  # as `python SCRIPT` runs it: its folder first on sys.path
        return {"code": script.read_text(encoding="utf-8"), "file": str(script),
                "argv": cmd[2:], "cwd": str(cwd), "path0": str(script.parent)}

    def close(self) -> None:
        """Not needed after all: end it, and reap it."""
        proc, self.proc = self.proc, None
        if proc is not None:
            _end(proc)


def _answer(proc: subprocess.Popen[str], cmd: list[str],
            timeout: float | None) -> subprocess.CompletedProcess[str]:
    """The command's outcome as soon as it is known: its output read to the end (the
    process lets go of it once done, ``warm.hand_back``) and its exit code from the last
    line; the process's teardown goes on beside us (``processes.ending``)."""
    try:
        out, err = _read(proc, timeout)
    except BaseException:  # the timeout, or Ctrl-C: stop what it started too
        processes.stop([proc])
        proc.wait()
        processes.forget(proc)
        raise
    body, marker, code = out.rpartition(EXIT)
    if marker and code.strip().lstrip("-").isdigit():
        processes.ending(proc)
        return subprocess.CompletedProcess(cmd, int(code), body, err)
    proc.wait()  # it ended before it could say (killed, or os._exit)
    processes.forget(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _read(proc: subprocess.Popen[str], timeout: float | None) -> tuple[str, str]:
    """stdout and stderr, each read to its end in a thread of its own (as
    ``communicate`` does, without waiting for the process to end)."""
    found: dict[str, str] = {}

    def drain(name: str, stream: IO[str]) -> None:
        found[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(name, stream), daemon=True)
               for name, stream in (("out", proc.stdout), ("err", proc.stderr))
               if stream is not None]
    for reader in readers:
        reader.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    for reader in readers:
        reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if reader.is_alive():
            raise subprocess.TimeoutExpired(proc.args, timeout or 0)
    return found.get("out", ""), found.get("err", "")


def _end(proc: subprocess.Popen[str]) -> None:
    """It has done nothing yet but import: stopping it at once loses nothing."""
    proc.kill()
    proc.communicate()
    processes.forget(proc)
