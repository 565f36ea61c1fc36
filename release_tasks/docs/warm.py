"""Run by the docs environment's Python, started before the docs are due: it imports the
builder (Sphinx or MkDocs: most of a small build's time), then waits on stdin for the one
command it is to run, as ``python -m MODULE ARGS`` or ``python -c CODE ARGS`` would.

    python -c <this file> sphinx|mkdocs [CACHE_DIR]

The command is one JSON line: ``{"module": "sphinx"}`` or ``{"code": "..."}``, with
``argv``, ``cwd`` and ``env`` (what to add to the environment). End of input without a
line (the release stopped before its docs) ends the process quietly. Nothing of the
project is imported before the command: its modules must be the tagged ones. This file
imports nothing from release_tasks (the docs environment does not have it).

With a CACHE_DIR, Sphinx's HTML templates are compiled once and kept there (Jinja's own
bytecode cache, checked against each template's source): compiling them is most of what a
small Sphinx build spends after its imports, and a theme's templates rarely change.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import sys

# Not sphinx.cmd.build: before Sphinx 8 its functions take ``sys.argv[1:]`` as it was
# at import as their default, and ours is not the build's yet.
PRELOAD = {
    "sphinx": ("sphinx.application", "sphinx.builders.html", "sphinx.environment",
               "sphinx.util.tags"),
    "mkdocs": ("mkdocs.commands.build", "mkdocs.config", "mkdocs.plugins"),
}


def preload(builder: str) -> None:
    for module in PRELOAD.get(builder, ()):
        try:
            importlib.import_module(module)
        except Exception:  # the build itself meets it, and reports it as it should
            return
    if builder == "sphinx":
        # What every Sphinx application loads first: its builtin extensions and themes.
        application = sys.modules["sphinx.application"]
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
    os.makedirs(directory, exist_ok=True)
    cache = FileSystemBytecodeCache(directory)
    original = BuiltinTemplateLoader.init

    def init(self: BuiltinTemplateLoader, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        environment = getattr(self, "environment", None)
        if environment is not None and getattr(environment, "bytecode_cache", 1) is None:
            environment.bytecode_cache = cache

    BuiltinTemplateLoader.init = init  # type: ignore[method-assign]


def run(command: dict[str, object]) -> int:
    cwd = str(command["cwd"])
    os.chdir(cwd)
    os.environ.update({str(k): str(v) for k, v in dict(command.get("env") or {}).items()})
    sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    sys.path[0] = cwd  # what `python -m` and `python -c` put first, for this folder
    importlib.invalidate_caches()  # the project may have been installed since we started
    argv = [str(a) for a in list(command.get("argv") or [])]  # type: ignore[call-overload]
    try:
        if "module" in command:
            sys.argv = [str(command["module"]), *argv]
            runpy.run_module(str(command["module"]), run_name="__main__", alter_sys=True)
        else:
            sys.argv = ["-c", *argv]
            exec(compile(str(command["code"]), "<string>", "exec"), {"__name__": "__main__"})
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        print(e.code, file=sys.stderr)
        return 1
    return 0


def main() -> None:
    builder = sys.argv[1] if len(sys.argv) > 1 else ""
    preload(builder)
    if builder == "sphinx" and len(sys.argv) > 2:
        cache_templates(sys.argv[2])
    line = sys.stdin.readline()
    if not line.strip():
        return
    sys.exit(run(json.loads(line)))


if __name__ == "__main__":
    main()
