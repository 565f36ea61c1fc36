"""Run by the docs environment's Python: can the theme and extensions the docs name load?

    python probe.py sphinx docs/conf.py
    python probe.py mkdocs mkdocs.yml

This file imports nothing from release_tasks (the docs environment does not have it) and
prints one JSON object: ``missing`` (modules that cannot be imported, with what named
them), and ``error`` when the config itself fails (message, file, line). It runs the
config the way the builder does, so what it finds is what the build would hit, minutes
earlier and before anything changed.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from importlib.metadata import entry_points
from typing import Any

SPHINX_THEMES = {"alabaster", "basic", "classic", "sphinxdoc", "scrolls", "agogo",
                 "traditional", "nature", "haiku", "pyramid", "bizstyle", "default", "epub"}
MKDOCS_PLUGINS = {"search"}


def _importable(module: str, broken: list[dict[str, Any]], by: str = "") -> str | None:
    """None when ``module`` imports; else the name of the module that is missing. One that
    is installed but fails to import goes into ``broken``: a problem too."""
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as e:
        return e.name or module
    except Exception as e:  # installed but broken: say how
        broken.append({"module": module, "by": by, "message": f"{type(e).__name__}: {e}"})
    return None


def _load(group: str, name: str, by: str, broken: list[dict[str, Any]]) -> None:
    """Load the entry point that provides ``name``: a plugin can be installed yet broken
    (say, a dependency that needs a newer MkDocs than the one pinned)."""
    for ep in _entry_points(group):
        if ep.name == name:
            try:
                ep.load()
            except Exception as e:
                broken.append({"module": ep.value.split(":")[0], "by": by,
                               "message": f"{type(e).__name__}: {e}"})
            return


def _error(exc: BaseException, config: str) -> dict[str, Any]:
    """The exception's message and the deepest frame in the config file (or the last)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if os.path.abspath(f.filename) == os.path.abspath(config)]
    frame = (own or frames or [None])[-1]
    return {"message": f"{type(exc).__name__}: {exc}",
            "file": frame.filename if frame else config,
            "line": frame.lineno if frame else None}


def _entry_points(group: str) -> list[Any]:
    """The entry points of ``group``. A docs environment may run Python 3.8 or 3.9 (its
    Read the Docs config says so), where ``entry_points()`` takes no ``group`` and gives a
    dict of groups."""
    try:
        return list(entry_points(group=group))
    except TypeError:
        return list(entry_points().get(group, ()))


def _names(group: str) -> set[str]:
    return {ep.name for ep in _entry_points(group)}


def sphinx(config: str, broken: list[dict[str, Any]]) -> dict[str, Any]:
    """Execute conf.py like Sphinx (its folder current, ``tags`` defined), then import."""
    from sphinx.util.tags import Tags

    here = os.path.dirname(os.path.abspath(config))
    namespace: dict[str, Any] = {"__file__": os.path.abspath(config), "tags": Tags()}
    os.chdir(here)
    try:
        with open(config, "rb") as f:
            code = compile(f.read(), os.path.abspath(config), "exec")
        exec(code, namespace)
    except ModuleNotFoundError as e:
        return {"missing": [{"module": e.name, "by": "conf.py"}]}
    except (Exception, SystemExit) as e:  # whatever the config raises is its error
        return {"error": _error(e, config)}
    missing = []
    extensions = [str(x) for x in namespace.get("extensions") or ()]
    for ext in extensions:
        name = _importable(ext, broken, f"extension {ext}")
        if name:
            missing.append({"module": name, "by": f"extension {ext}"})
    theme = namespace.get("html_theme")
    third_party = [x for x in extensions if not x.startswith("sphinx.")]
    if isinstance(theme, str) and theme not in SPHINX_THEMES and theme not in _names(
            "sphinx.html_themes"):
        paths = [os.path.join(here, str(p)) for p in namespace.get("html_theme_path") or ()]
        on_path = any(os.path.isdir(os.path.join(p, theme)) for p in paths)
        # An extension may register the theme itself (pallets_sphinx_themes does).
        if not on_path and _importable(theme, broken) and not third_party:
            missing.append({"module": theme, "by": f"html_theme {theme}"})
    return {"missing": missing}


def mkdocs(config: str, broken: list[dict[str, Any]]) -> dict[str, Any]:
    """Read mkdocs.yml with MkDocs' own loader (``!ENV``, ``INHERIT``), then import."""
    from mkdocs.utils import yaml_load

    try:
        with open(config, "rb") as f:
            data = yaml_load(f) or {}
    except (Exception, SystemExit) as e:  # whatever the config raises is its error
        return {"error": _error(e, config)}
    missing = []
    theme = data.get("theme")
    name = theme.get("name") if isinstance(theme, dict) else theme
    if isinstance(name, str) and name not in _names("mkdocs.themes"):
        missing.append({"module": name, "by": f"theme {name}", "kind": "mkdocs theme"})
    elif isinstance(name, str):
        _load("mkdocs.themes", name, f"theme {name}", broken)
    plugins = data.get("plugins") or []
    names = [next(iter(p)) if isinstance(p, dict) else str(p) for p in plugins] \
        if isinstance(plugins, list) else [str(p) for p in plugins]
    known = _names("mkdocs.plugins") | MKDOCS_PLUGINS
    for plugin in names:
        if plugin not in known:
            missing.append({"module": plugin, "by": f"plugin {plugin}",
                            "kind": "mkdocs plugin"})
        else:
            _load("mkdocs.plugins", plugin, f"plugin {plugin}", broken)
    extensions = data.get("markdown_extensions") or []
    md = _names("markdown.extensions")
    for ext in extensions:
        ext_name = str(next(iter(ext)) if isinstance(ext, dict) else ext)
        if ext_name in md:
            continue
        module = _importable(ext_name.split(":")[0], broken,
                             f"markdown extension {ext_name}")
        if module:
            missing.append({"module": module, "by": f"markdown extension {ext_name}"})
    return {"missing": missing}


def main() -> None:
    builder, config = sys.argv[1], sys.argv[2]
    broken: list[dict[str, Any]] = []  # installed, but fails to import: a problem too
    try:
        result = sphinx(config, broken) if builder == "sphinx" else mkdocs(config, broken)
    except ModuleNotFoundError as e:  # the builder itself is not installed
        result = {"missing": [{"module": e.name, "by": builder}]}
    result["broken"] = broken
    sys.stdout.flush()
    print("\n@@probe@@" + json.dumps(result))


if __name__ == "__main__":
    main()
