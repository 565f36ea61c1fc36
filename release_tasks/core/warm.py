"""Run by another environment's Python (the docs environment, the build environment),
started before it is needed: it imports what the coming command spends most of its start
on (Sphinx, MkDocs, a build backend), then waits on stdin for the one command it is to
run, as ``python -m MODULE ARGS``, ``python -c CODE ARGS`` or ``python SCRIPT ARGS`` would.

    python -c <this file> '{"preload": [...], "sphinx": true, "templates": DIR}'

The command is one JSON line: ``{"module": NAME}`` or ``{"code": TEXT}`` (and ``file``
for a script), with ``argv``, ``cwd``, ``path0`` (``sys.path[0]``, as that form of the
command sets it), and ``env`` (variables to add) or ``environ`` (the whole environment).
End of input without a line (the release stopped before that step) ends the process
quietly. Before it, ``{"check": CODE}`` commands (a pre-flight probe) run in forks of
this process and are answered on stdout, one line each (see :func:`check`). Nothing of
the project is imported before the command: its modules must be the tagged ones. This
file imports nothing from release_tasks (those environments do not have it).

``sphinx`` also imports what every Sphinx application loads first (its builtin extensions
and themes). With ``templates``, Sphinx's HTML templates are compiled once and kept in that
folder (Jinja's own bytecode cache, checked against each template's source): compiling
them is most of what a small Sphinx build spends after its imports.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import runpy
import sys
import tempfile
import traceback

START = sys.path[0]  # "" as started with -c


def first_on_path(folder: str) -> None:
    """What `python -c` put first on sys.path (the current folder, ""), now ``folder``, as
    the command's own form puts it there; entries a preloaded module added before it
    (poetry-core's vendored packages) stay."""
    sys.path[sys.path.index(START) if START in sys.path else 0] = folder


def preload(modules: list[str], sphinx: bool) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:  # the command itself meets it, and reports it as it should
            return
    if sphinx:
        application = sys.modules.get("sphinx.application")
        for module in getattr(application, "builtin_extensions", ()):
            try:
                importlib.import_module(module)
            except Exception:
                continue


def cache_templates(directory: str) -> None:
    """Give the Jinja environment of Sphinx's template loader a bytecode cache."""
    try:
        from jinja2 import FileSystemBytecodeCache
        from sphinx.jinja2glue import BuiltinTemplateLoader
    except Exception:
        return

    class Cache(FileSystemBytecodeCache):
        def dump_bytecode(self, bucket: object) -> None:
            # A cache that cannot be written is no cache, not a failure.
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)  # type: ignore[arg-type]

    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return
    cache = Cache(directory)
    original = BuiltinTemplateLoader.init

    def init(self: BuiltinTemplateLoader, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        environment = getattr(self, "environment", None)
        if environment is not None and getattr(environment, "bytecode_cache", 1) is None:
            environment.bytecode_cache = cache
            # The static files' templates (basic.css_t...) go through from_string.
            environment.from_string = _cached_from_string(environment, cache)

    BuiltinTemplateLoader.init = init  # type: ignore[method-assign]


def _cached_from_string(environment: object, cache: object) -> object:
    """``environment.from_string``, compiled code kept in ``cache`` under the source's
    own checksum (Jinja caches only templates that have a name)."""
    original = environment.from_string  # type: ignore[attr-defined]

    def from_string(source: object, globals: object = None,
                    template_class: object = None) -> object:
        if template_class is not None or not isinstance(source, str):
            return original(source, globals, template_class)
        try:
            name = "from_string:" + cache.get_source_checksum(source)  # type: ignore
            bucket = cache.get_bucket(environment, name, None, source)  # type: ignore
            if bucket.code is None:
                bucket.code = environment.compile(source)  # type: ignore[attr-defined]
                cache.set_bucket(bucket)  # type: ignore[attr-defined]
            return environment.template_class.from_code(  # type: ignore[attr-defined]
                environment, bucket.code, environment.make_globals(globals), None)  # type: ignore
        except Exception:  # another Jinja: as it would have been
            return original(source, globals, template_class)

    return from_string


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


def main() -> None:
    spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    try:  # whatever goes wrong here, the command still runs (and meets it itself)
        preload(list(spec.get("preload") or []), bool(spec.get("sphinx")))
        if spec.get("templates"):
            cache_templates(str(spec["templates"]))
    except Exception:
        pass
    while True:
        line = sys.stdin.readline()
        if not line.strip():
            return
        command = json.loads(line)
        if "check" not in command:
            sys.exit(run(command))
        check(command)


if __name__ == "__main__":
    main()
