"""Our dependencies are ours: a project's own modules never stand in for them.

``fab`` (through invoke's loader) puts the fabfile's folder first on ``sys.path`` so that
the fabfile can import its neighbours. A project in a flat layout whose import name is also
the name of one of our dependencies (``packaging/``, ``idna/``, ``six.py``) would then be
imported in its place as soon as a task imports that dependency, and the release would fail
inside our own code with an error about the project's module.

:func:`own_dependencies` looks at the folder's top-level modules only; for each one that
the rest of ``sys.path`` also provides and that nothing has imported yet, it loads the
installed one, found without that folder. From then on every ``import`` of that name (and
of its submodules, found through the package's own ``__path__``) gets the installed one.
``sys.path`` itself is left as it is: the fabfile's neighbours stay importable, and other
threads of the host program see no change.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path


def top_level_modules(folder: Path) -> list[str]:
    """The names a folder shadows when it is on ``sys.path``: its modules and regular
    packages (a folder without ``__init__.py`` is a namespace portion, which loses to any
    regular package elsewhere on the path)."""
    names = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    for entry in entries:
        stem, dot, suffix = entry.name.partition(".")
        if not stem.isidentifier():
            continue
        module = entry.is_file() and dot and suffix == "py"
        package = entry.is_dir() and not dot and (Path(entry.path) / "__init__.py").is_file()
        if module or package:
            names.append(stem)
    return names


def _same(entry: str, folder: Path) -> bool:
    try:
        return Path(entry or os.curdir).resolve() == folder
    except OSError:
        return False


def own_dependencies(folder: Path) -> list[str]:
    """Load, from the rest of ``sys.path``, the installed modules that ``folder`` would
    shadow; returns their names. Does nothing when ``folder`` is not on ``sys.path``."""
    folder = folder.resolve()
    if not any(_same(entry, folder) for entry in sys.path):
        return []
    elsewhere = [entry for entry in sys.path if entry and not _same(entry, folder)]
    loaded = []
    for name in top_level_modules(folder):
        if name in sys.modules or name == __name__.partition(".")[0]:
            continue
        spec = importlib.machinery.PathFinder.find_spec(name, elsewhere)
        if spec is None or spec.loader is None:
            continue  # only the project has it: nothing of ours can be shadowed
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        loaded.append(name)
    return loaded
