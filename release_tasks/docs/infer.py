"""The docs environment of a project that declares none: read from what the docs name.

A person setting up such docs installs the project, Sphinx or MkDocs, and the theme,
extensions and plugins that conf.py or mkdocs.yml name. This does the same, without running
anything: conf.py is parsed (``extensions = [...]``, ``extensions.append(...)``,
``extensions += [...]``, ``html_theme = "..."``) and mkdocs.yml read as data. Modules that
are the project's own or live beside the docs (``sys.path.insert(0, "_ext")``) are left
out: installing the project, or the docs folder itself, provides them.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from release_tasks.docs.distributions import KNOWN, distribution
from release_tasks.docs.find import DocsSource


def named(source: DocsSource) -> list[tuple[str, str]]:
    """The modules the docs name that some distribution must provide, with their kind
    (``"mkdocs plugin"``...): not the builder's own, not the project's, not local ones."""
    found = _sphinx(source.config) if source.builder == "sphinx" else _mkdocs(source.config)
    extensions = [m for m, kind in found if not kind and not m.startswith("sphinx.")]
    out: list[tuple[str, str]] = []
    for module, kind in found:
        if not distribution(module, kind) or _local(module, source) or (module, kind) in out:
            continue
        if kind == "sphinx theme" and module not in KNOWN and extensions:
            continue  # an extension may register it (pallets_sphinx_themes does)
        out.append((module, kind))
    return out


def _local(module: str, source: DocsSource) -> bool:
    top = module.split(".")[0]
    places = [source.root, source.root / "src", source.dir, *source.dir.glob("*/")]
    return any((p / top).is_dir() or (p / f"{top}.py").is_file() for p in places)


def _strings(node: ast.AST | None) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.BinOp):  # ["a"] + ["b"]
        return _strings(node.left) + _strings(node.right)
    return []


def _sphinx(config: Path) -> list[tuple[str, str]]:
    try:
        tree = ast.parse(config.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError):
        return []  # the probe reports a broken conf.py with its line
    names: list[tuple[str, str]] = []
    nodes = sorted((n for n in ast.walk(tree) if isinstance(n, (ast.stmt, ast.expr))),
                   key=lambda n: (n.lineno, n.col_offset))  # in the order they are read
    for node in nodes:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if "extensions" in targets:
                names += [(x, "") for x in _strings(node.value)]
            if "html_theme" in targets:
                names += [(x, "sphinx theme") for x in _strings(node.value)]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):  # import sphinx_rtd_theme
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if not node.level else []
            names += [(m, "") for m in modules if _docs_module(m)]
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and \
                node.target.id == "extensions":
            names += [(x, "") for x in _strings(node.value)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == "extensions" \
                and node.func.attr in ("append", "extend", "insert"):
            names += [(x, "") for arg in node.args for x in _strings(arg)]
    return names


def _docs_module(module: str) -> bool:
    """A conf.py import that a docs distribution provides (not os, not the project)."""
    top = module.split(".")[0]
    return top != "sphinx" and (module in KNOWN or top in KNOWN or top.startswith(
        ("sphinx", "myst")))


def _mkdocs(config: Path) -> list[tuple[str, str]]:
    data = _yaml(config)
    names: list[tuple[str, str]] = []
    theme = data.get("theme")
    name = theme.get("name") if isinstance(theme, dict) else theme
    if isinstance(name, str) and name not in ("mkdocs", "readthedocs"):
        names.append((name, "mkdocs theme"))
    plugins = data.get("plugins") or []
    for plugin in plugins if isinstance(plugins, (list, dict)) else ():
        plugin = next(iter(plugin)) if isinstance(plugin, dict) and plugin else plugin
        names.append((str(plugin), "mkdocs plugin"))
    for ext in data.get("markdown_extensions") or []:
        ext = next(iter(ext)) if isinstance(ext, dict) and ext else ext
        names.append((str(ext).split(":")[0], ""))
    return names


def _yaml(config: Path) -> dict[str, Any]:
    """mkdocs.yml as data; its tags (``!ENV``, ``!!python/name:``) read as plain values."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)  # type: ignore[arg-type]

    Loader.add_multi_constructor("", any_tag)
    try:
        data = yaml.load(config.read_text(encoding="utf-8"), Loader=Loader)
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}
