"""The processes a release starts, so that stopping the release stops them and nothing else.

A Ctrl-C (or SIGTERM) sent to ``fab`` alone does not reach the build backend, sphinx-build
or a git hook it started, and a build that hangs would hold the release for ever. So every
process the release starts goes through :func:`spawn` (or :func:`run`), which enters it in
the run's :class:`Register`; stopping the release stops those and the processes they
started in turn. Other children of the same ``fab`` (a server the user's fabfile started,
say) are not the release's to stop, even in their own session or deaf to SIGINT.

The register belongs to the run: :func:`tracking` makes one, reachable through a context
variable from wherever a process is started. A new thread starts with an empty context, so
threads that may start processes are started with :func:`thread`, which carries it over.

A process is told to stop (SIGTERM), given a grace period, then killed. Its end is watched
without reaping it: the :class:`subprocess.Popen` that started it reaps it, so its exit
status stays right and its pid cannot be another process's while it is in the register.
"""

from __future__ import annotations

import contextlib
import contextvars
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

GRACE = 0.5  # seconds between SIGTERM and SIGKILL
SETTLE = 10.0  # seconds a run's end waits for processes that only have to end


class Register:
    """The processes one run started and may still be running."""

    def __init__(self) -> None:
        # Keyed by id(): a signal handler snapshots it while threads add and remove
        # (single dict operations, atomic under the interpreter's lock).
        self._procs: dict[int, subprocess.Popen[Any]] = {}
        self._ending: list[tuple[subprocess.Popen[Any], threading.Thread]] = []

    def add(self, proc: subprocess.Popen[Any]) -> None:
        self._procs[id(proc)] = proc

    def discard(self, proc: subprocess.Popen[Any]) -> None:
        self._procs.pop(id(proc), None)

    def running(self) -> list[subprocess.Popen[Any]]:
        """Those not reaped yet (a reaped one's pid may be another process's by now)."""
        return [p for p in list(self._procs.values()) if p.returncode is None]

    def stop(self, grace: float = GRACE) -> None:
        """Stop every registered process and its descendants."""
        stop(self.running(), grace)

    def ending(self, proc: subprocess.Popen[Any]) -> None:
        """``proc`` has given its answer and is only ending: a thread reaps it, and it
        stays in the register until it has ended."""
        reaper = threading.Thread(target=_reap, args=(self, proc), daemon=True,
                                  name=f"reap-{proc.pid}")
        reaper.start()
        self._ending.append((proc, reaper))

    def settle(self, timeout: float = SETTLE) -> None:
        """Wait for the processes that are only ending; stop those still there after
        ``timeout`` seconds (a thread the command left running, say)."""
        deadline = time.monotonic() + timeout
        for _, reaper in self._ending:
            reaper.join(max(0.0, deadline - time.monotonic()))
        left = [proc for proc, reaper in self._ending if reaper.is_alive()]
        if left:
            stop(left)


def _reap(register: Register | None, proc: subprocess.Popen[Any]) -> None:
    proc.wait()
    if register is not None:
        register.discard(proc)


_current: contextvars.ContextVar[Register | None] = contextvars.ContextVar(
    "release_tasks_processes", default=None)


def current() -> Register | None:
    return _current.get()


@contextlib.contextmanager
def tracking() -> Iterator[Register]:
    """The run's register: the one already in force, else a new one for this block."""
    register = _current.get()
    if register is not None:
        yield register
        return
    register = Register()
    token = _current.set(register)
    try:
        yield register
    finally:
        _current.reset(token)
        register.settle()


def thread(target: Callable[..., object], *args: object, name: str) -> threading.Thread:
    """A started daemon thread that runs ``target`` in (a copy of) this context, so the
    processes it starts are the run's."""
    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(target, *args), name=name, daemon=True)
    worker.start()
    return worker


def spawn(cmd: list[str], **popen: Any) -> subprocess.Popen[Any]:
    """:class:`subprocess.Popen`, entered in the run's register."""
    proc: subprocess.Popen[Any] = subprocess.Popen(cmd, **popen)
    register = _current.get()
    if register is not None:
        register.add(proc)
    return proc


def ending(proc: subprocess.Popen[Any]) -> None:
    """``proc`` has answered and is only ending (its interpreter tearing down): reaped
    beside what comes next, and waited for when the run ends (:meth:`Register.settle`)."""
    register = _current.get()
    if register is not None:
        register.ending(proc)
    else:
        threading.Thread(target=_reap, args=(None, proc), daemon=True).start()


def forget(proc: subprocess.Popen[Any]) -> None:
    """``proc`` has ended (or is another's now): out of the register."""
    register = _current.get()
    if register is not None:
        register.discard(proc)


def run(cmd: list[str], *, input: str | bytes | None = None, capture_output: bool = False,
        timeout: float | None = None, **popen: Any) -> subprocess.CompletedProcess[Any]:
    """Like ``subprocess.run(..., check=False)``, the process registered while it runs.

    On ``timeout`` the process and its descendants are stopped (``subprocess.run`` kills
    the process alone, and its children would go on holding the pipes) and
    :class:`subprocess.TimeoutExpired` is raised; on any other exception (Ctrl-C) they are
    stopped too before it goes on.
    """
    if capture_output:
        popen.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if input is not None:
        popen["stdin"] = subprocess.PIPE
    proc = spawn(cmd, **popen)
    try:
        with proc:
            try:
                out, err = proc.communicate(input, timeout=timeout)
            except BaseException:
                stop([proc])
                proc.wait()
                raise
    finally:
        forget(proc)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def stop(procs: Iterable[subprocess.Popen[Any]], grace: float = GRACE) -> None:
    """SIGTERM ``procs`` and their descendants, SIGKILL what is left after ``grace``."""
    import psutil

    targets: list[psutil.Process] = []
    for proc in procs:
        if proc.returncode is not None:
            continue
        with contextlib.suppress(psutil.Error):
            top = psutil.Process(proc.pid)
            # Found before the signal: once a parent dies, its children are no longer its.
            targets += [top, *top.children(recursive=True)]
    for target in targets:
        with contextlib.suppress(psutil.Error):
            target.terminate()
    deadline = time.monotonic() + grace
    while (alive := [t for t in targets if _alive(t)]) and time.monotonic() < deadline:
        time.sleep(0.02)
    for target in alive:
        with contextlib.suppress(psutil.Error):
            target.kill()


def _alive(proc: Any) -> bool:
    """Running, and not merely waiting (as a zombie) to be reaped by its parent."""
    import psutil

    try:
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
