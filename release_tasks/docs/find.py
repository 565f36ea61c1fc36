"""Where a project's docs are and which tool builds them, found the way Read the Docs does.

Read the Docs is where most projects' docs are built, so its config file is the most
reliable statement of where the docs live: ``sphinx.configuration`` or
``mkdocs.configuration`` in ``.readthedocs.yaml``. Without it, a ``conf.py`` in the usual
folders means Sphinx and a ``mkdocs.yml`` at the root means MkDocs. ``docs_dir`` and
``docs_builder`` override the detection for projects that do something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_tasks.core.errors import DocsError

SPHINX_DIRS = ("docs", "doc", "docs/source", "doc/source", "documentation")
MKDOCS_FILES = ("mkdocs.yml", "mkdocs.yaml")
RTD_FILES = (".readthedocs.yaml", ".readthedocs.yml", "readthedocs.yml", "readthedocs.yaml")
BUILDERS = ("sphinx", "mkdocs")


@dataclass(frozen=True)
class DocsSource:
    """The docs of one project: which builder, which config file, and why we think so."""

    builder: str  # "sphinx" or "mkdocs"
    config: Path  # conf.py or mkdocs.yml
    root: Path
    found_by: str  # for the plan: "docs/conf.py", ".readthedocs.yaml", "docs_dir"...
    readthedocs: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def dir(self) -> Path:
        """The folder a build runs in: Sphinx's source dir, or the folder of mkdocs.yml."""
        return self.config.parent

    def relative(self, path: Path | None = None) -> str:
        path = self.config if path is None else path
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) \
            else str(path)

    @property
    def fail_on_warning(self) -> bool:
        """Read the Docs' own switch for -W / --strict, or ``-W`` in the docs' Makefile
        (``SPHINXOPTS ?= -W --keep-going``): how the project builds its docs itself."""
        section = self.readthedocs.get(self.builder)
        if isinstance(section, dict) and section.get("fail_on_warning"):
            return True
        if self.builder != "sphinx":
            return False
        for folder in dict.fromkeys((self.dir, self.dir.parent)):
            makefile = folder / "Makefile"
            if makefile.is_file() and folder.is_relative_to(self.root):
                text = makefile.read_text(encoding="utf-8", errors="replace")
                if re.search(r"^\s*SPHINXOPTS\s*[?:+]?=.*(\s|^)(-W|--fail-on-warning)\b",
                             text, re.M):
                    return True
        return False


def read_readthedocs(root: Path) -> tuple[Path | None, dict[str, Any]]:
    """The project's Read the Docs config, parsed; ``(None, {})`` when it has none."""
    import yaml

    for name in RTD_FILES:
        path = root / name
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as e:
                mark = getattr(e, "problem_mark", None)
                where = f" (line {mark.line + 1})" if mark is not None else ""
                raise DocsError(f"{name} is not valid YAML{where}",
                                "fix the file's syntax") from None
            return path, data if isinstance(data, dict) else {}
    return None, {}


def find(root: Path, docs_dir: str | None = None, builder: str | None = None) -> DocsSource | None:
    """The project's docs, or None when it has none that we can build."""
    if builder and builder not in BUILDERS:
        raise DocsError(f"docs_builder {builder!r} is not one of {', '.join(BUILDERS)}",
                        "set docs_builder to sphinx or mkdocs")
    rtd_path, rtd = read_readthedocs(root)
    kinds = (builder,) if builder else BUILDERS
    if not builder and "mkdocs" in rtd and "sphinx" not in rtd:
        kinds = ("mkdocs", "sphinx")  # Read the Docs builds this one with MkDocs
    if docs_dir:
        return _configured(root, docs_dir, kinds, rtd)
    for kind in kinds:
        section = rtd.get(kind)
        if isinstance(section, dict) and section.get("configuration"):
            config = root / str(section["configuration"])
            if not config.is_file():
                assert rtd_path is not None
                raise DocsError(f"{rtd_path.name} names {kind}.configuration "
                                f"{section['configuration']}, which does not exist",
                                "fix the path there, or set docs_dir")
            return DocsSource(kind, config, root, rtd_path.name if rtd_path else "", rtd)
    for kind in kinds:
        if kind == "sphinx":
            for candidate in SPHINX_DIRS:
                if (root / candidate / "conf.py").is_file():
                    return DocsSource("sphinx", root / candidate / "conf.py", root,
                                      f"{candidate}/conf.py", rtd)
        else:
            for name in MKDOCS_FILES:
                if (root / name).is_file():
                    return DocsSource("mkdocs", root / name, root, name, rtd)
    return None


def _configured(root: Path, docs_dir: str, kinds: tuple[str, ...],
                rtd: dict[str, Any]) -> DocsSource:
    path = root / docs_dir
    for kind in kinds:
        names = ("conf.py",) if kind == "sphinx" else MKDOCS_FILES
        if path.is_file() and path.name in names:
            return DocsSource(kind, path, root, "docs_dir", rtd)
        for name in names:
            if (path / name).is_file():
                return DocsSource(kind, path / name, root, "docs_dir", rtd)
    wanted = " or ".join("conf.py" if k == "sphinx" else "mkdocs.yml" for k in kinds)
    raise DocsError(f"docs_dir {docs_dir} has no {wanted}",
                    f"point docs_dir at the folder holding {wanted}")
