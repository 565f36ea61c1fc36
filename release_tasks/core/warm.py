"""Run by another environment's Python (the docs environment, the build environment),
started before it is needed: it imports what the coming command spends most of its start
on (Sphinx, MkDocs, a build backend), then waits on stdin for the one command it is to
run, as ``python -m MODULE ARGS``, ``python -c CODE ARGS`` or ``python SCRIPT ARGS`` would.

    python -c <this file> '{"preload": [...], "sphinx": true}'

The command is one JSON line: ``{"module": NAME}`` or ``{"code": TEXT}`` (and ``file``
for a script), with ``argv``, ``cwd``, ``path0`` (``sys.path[0]``, as that form of the
command sets it), and ``env`` (variables to add) or ``environ`` (the whole environment).
End of input without a line (the release stopped before that step) ends the process
quietly. Once the command is done, its exit code follows its output on stdout and the
process lets go of both streams (:func:`hand_back`): the answer does not wait for the
interpreter's teardown. Before it, ``{"check": CODE}`` commands (a pre-flight probe) run
in forks of this process and are answered on stdout, one line each (see :func:`check`):
one that comes during the imports is answered between two of them, so the preload lists
first what the probe needs. Nothing of the project is imported before the command: its
modules must be the tagged ones. This file imports nothing from release_tasks (those
environments do not have it).

``sphinx`` also imports what every Sphinx application loads first (its builtin extensions
and themes). Nothing of Sphinx or of the project is changed: the command runs as it would
in a process of its own.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import io
import json
import os
import runpy
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import IO

START = sys.path[0]  # "" as started with -c
EXIT = "@@exit@@"  # then the command's exit code: the last line it writes to stdout


def first_on_path(folder: str) -> None:
    """What `python -c` put first on sys.path (the current folder, ""), now ``folder``, as
    the command's own form puts it there; entries a preloaded module added before it
    (poetry-core's vendored packages) stay."""
    sys.path[sys.path.index(START) if START in sys.path else 0] = folder


def preload(modules: list[str], sphinx: bool, between: Callable[[], bool]) -> None:
    """Import ``modules``, then (``sphinx``) Sphinx's builtin extensions; after each,
    ``between()``, which says whether to go on."""
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:  # the command itself meets it, and reports it as it should
            return
        if not between():
            return
    if sphinx:
        application = sys.modules.get("sphinx.application")
        for module in getattr(application, "builtin_extensions", ()):
            with contextlib.suppress(Exception):
                importlib.import_module(module)
            if not between():
                return


def _readable(stream: IO[str]) -> bool:
    """Is a line waiting on ``stream``? (Where there is no fork there are no checks to
    answer early: never.)"""
    if not hasattr(os, "fork"):
        return False
    import select

    return bool(select.select([stream], [], [], 0)[0])


def _parse(line: str) -> dict[str, object] | None:
    try:
        command = json.loads(line)
    except ValueError:
        return None
    return command if isinstance(command, dict) else None


def run(command: dict[str, object]) -> int:
    cwd = str(command["cwd"])
    os.chdir(cwd)
    if command.get("environ") is not None:
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(command["environ"]).items()})
    os.environ.update({str(k): str(v) for k, v in dict(command.get("env") or {}).items()})
    sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    tempfile.tempdir = None  # TMPDIR as the command has it, not as it was at our start
    first_on_path(str(command.get("path0") or cwd))
    importlib.invalidate_caches()  # the project may have been installed since we started
    argv = [str(a) for a in list(command.get("argv") or [])]  # type: ignore[call-overload]
    try:
        if "module" in command:
            sys.argv = [str(command["module"]), *argv]
            runpy.run_module(str(command["module"]), run_name="__main__", alter_sys=True)
        else:
            script = command.get("file")  # `python SCRIPT`: argv[0] and __file__ are it
            sys.argv = [str(script or "-c"), *argv]
            scope = {"__name__": "__main__", **({"__file__": str(script)} if script else {})}
            exec(compile(str(command["code"]), str(script or "<string>"), "exec"), scope)
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        print(e.code, file=sys.stderr)
        return 1
    return 0


def check(command: dict[str, object]) -> None:
    """``{"check": CODE, "argv": [...], "cwd": DIR}``: run CODE as ``python -c`` would, in
    a fork of this process (the imports done; whatever it imports or changes goes with the
    fork), and answer with one line on stdout: ``@@warm@@`` and JSON with its exit code,
    stdout and stderr. Then wait for the next command."""
    read, write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the fork: run, answer through the pipe, end without cleaning up
        os.close(read)
        out, err, code = io.StringIO(), io.StringIO(), 0
        try:
            os.chdir(str(command["cwd"]))
            first_on_path(str(command["cwd"]))
            sys.argv = ["-c", *[str(a) for a in command.get("argv") or []]]  # type: ignore
            sys.dont_write_bytecode = True
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                exec(compile(str(command["check"]), "<string>", "exec"), {"__name__": "__main__"})
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            err.write(traceback.format_exc())
            code = 1
        data = json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
        view = memoryview(data.encode())
        while view:
            view = view[os.write(write, view):]
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    answer = b"".join(chunks).decode() or json.dumps(
        {"code": 1, "stdout": "", "stderr": "the check ended without an answer"})
    sys.stdout.write("@@warm@@" + answer + "\n")
    sys.stdout.flush()


def hand_back(code: int) -> bool:
    """The command is done: its output is all out, then ``@@exit@@`` and its exit code on
    stdout, then both streams are let go. Whoever waits for the answer has it now."""
    for stream in (sys.stdout, sys.stderr):  # whatever the command left there
        with contextlib.suppress(Exception):
            stream.flush()
    try:  # the pipes we were started with, whatever the command made of sys.stdout
        os.write(1, f"{EXIT}{code}\n".encode())
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
    except OSError:  # the streams are gone: it exits as usual, and its status tells
        return False
    return True


def end_after_exit_handlers(answered: list[int]) -> None:
    """Registered before the command runs, so run last at exit: the command's threads were
    joined and its exit handlers have run. Once its answer is out, the process ends here,
    as multiprocessing's children do, without tearing down what the command imported (a
    Sphinx build's modules and documents: about 0.1 s of CPU beside the rest of the
    release). A command that failed before answering exits as usual."""
    if answered:
        os._exit(answered[0])


def main() -> None:
    spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    came: list[str] = []  # what was read between the imports and is not a check

    def between() -> bool:
        """A check already waiting is answered at once, the rest of the imports after it
        (the pre-flight waits for its answer; the command comes later); False once the
        command, or the end of input, came instead."""
        while not came and _readable(sys.stdin):
            line = sys.stdin.readline()
            command = _parse(line)
            if command is not None and "check" in command:
                check(command)
            else:
                came.append(line)
        return not came

    # Whatever goes wrong here, the command still runs (and meets it itself).
    with contextlib.suppress(Exception):
        preload(list(spec.get("preload") or []), bool(spec.get("sphinx")), between)
    while True:
        line = came.pop() if came else sys.stdin.readline()
        if not line.strip():
            return
        command = json.loads(line)
        if "check" not in command:
            answered: list[int] = []
            atexit.register(end_after_exit_handlers, answered)
            code = run(command)
            if hand_back(code):
                answered.append(code)
            sys.exit(code)
        check(command)


if __name__ == "__main__":
    main()
