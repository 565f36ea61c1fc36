"""Will the index render the long description? Judged before anything changes, but only
where the answer is certain.

The check renders the README only when the metadata takes that one file as it is:
``[project] readme`` (a path, or a table with ``file``), ``[tool.poetry] readme``, or
setup.cfg's ``long_description = file: README.rst``, in reStructuredText. A description
that setup.py computes, a readme made by a build plugin (``dynamic = ["readme"]``), several
files joined, or Markdown (which always renders) is not predicted: ``twine check`` of the
built files, before any upload, judges what is really published. So a README that twine
accepts on the built sdist never stops a release.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from release_tasks.core.config import read_toml, setup_cfg

_RST_TYPES = {"text/x-rst", "text/rst"}


def _from_pyproject(root: Path) -> tuple[str, str | None] | None:
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    data = read_toml(path)
    project: dict[str, Any] = data.get("project", {})
    if "readme" in project:
        readme = project["readme"]
        if isinstance(readme, str):
            return readme, None
        if isinstance(readme, dict) and isinstance(readme.get("file"), str):
            return readme["file"], readme.get("content-type")
        return None
    poetry = data.get("tool", {}).get("poetry", {})
    if isinstance(poetry.get("readme"), str):
        return poetry["readme"], None
    return None


def _from_setup_cfg(root: Path) -> tuple[str, str | None] | None:
    parser = setup_cfg(root)
    if parser is None or not parser.has_option("metadata", "long_description"):
        return None
    value = parser.get("metadata", "long_description").strip()
    if not value.startswith("file:"):
        return None
    files = [f.strip() for f in value[len("file:"):].split(",") if f.strip()]
    if len(files) != 1:
        return None  # joined: not any one file as it is
    kind = parser.get("metadata", "long_description_content_type", fallback=None)
    return files[0], kind


def _declared(root: Path) -> tuple[Path, bool] | None:
    """The file the metadata publishes as it is, and whether it is reStructuredText."""
    declared = _from_pyproject(root) or _from_setup_cfg(root)
    if declared is None:
        return None
    name, kind = declared
    path = root / name
    if kind is not None:
        return path, kind.split(";")[0].strip().lower() in _RST_TYPES
    return path, path.suffix.lower() in (".rst", ".rest")


def declared_rst(root: Path) -> Path | None:
    """The reStructuredText file the metadata publishes as it is, if any."""
    declared = _declared(root)
    return declared[0] if declared and declared[1] and declared[0].is_file() else None


def may_be_rst(root: Path) -> bool:
    """Could the built long description be reStructuredText (so that checking it renders
    needs readme_renderer)? Only a declared Markdown or plain-text file says no."""
    declared = _declared(root)
    return declared is None or declared[1]


def rst_problem(text: str) -> str | None:
    """What readme_renderer (PyPI's renderer, and twine check's) says of reStructuredText
    that does not render, all its lines joined; None when it renders."""
    import readme_renderer.rst

    out = io.StringIO()
    if readme_renderer.rst.render(text, stream=out) is not None:
        return None
    return " ".join(out.getvalue().split())


def problem(root: Path) -> str | None:
    """Why the published README would not render; None when it would, or cannot be told."""
    readme = declared_rst(root)
    if readme is None:
        return None
    said = rst_problem(readme.read_text(encoding="utf-8"))
    return None if said is None else f"{readme.name} does not render: {said[:160]}"
