"""Building the Sphinx docs, and where they go.

The docs are built from the working tree (which, during a release, is the tagged commit)
into a folder outside the source tree, with the release's version passed in, so the
pages show the version being released even when ``conf.py`` reads it from an installed
package. A target is a local folder or ``ssh://[user@]host[:port]/path``; ``{name}`` and
``{version}`` expand. Shipping is :mod:`release_tasks.docs.ship_local` and
:mod:`release_tasks.docs.ship_ssh`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from release_tasks.core import worker
from release_tasks.core.datadir import data_dir
from release_tasks.core.errors import DocsError
from release_tasks.core.worker import Warm
from release_tasks.docs.output import cause

# What a Python started early for the build imports (core.worker): not sphinx.cmd.build,
# whose functions before Sphinx 8 take ``sys.argv[1:]`` at import as their default.
PRELOAD = ["sphinx.application", "sphinx.builders.html", "sphinx.environment",
           "sphinx.util.tags"]
# Source files from which a parallel build pays (Sphinx itself reads in parallel only
# from six documents on).
PARALLEL_FROM = 20
SOURCE_SUFFIXES = (".rst", ".md", ".txt", ".ipynb")


def default_target() -> str:
    return str(data_dir() / "docs" / "{name}" / "{version}")


def expand(template: str, name: str, version: str) -> str:
    return template.replace("{name}", name).replace("{version}", version)


def build_dir(root: Path) -> Path:
    return root / "build" / "docs-html"


def build(docs_dir: Path, version: str, outdir: Path, strict: bool = False,
          cwd: Path | None = None, echo: Callable[[str], None] | None = None,
          python: Path | None = None, warm: Warm | None = None) -> Path:
    """Run sphinx-build (HTML) into ``outdir`` with ``python`` (in ``warm``, when it has
    been started); returns ``outdir``.

    Always a full build: a cached environment skips unchanged pages and so their
    warnings, and ``docs_strict`` must see every warning every time. ``-D version/release``
    override what ``conf.py`` computed (often the installed package's version, not the one
    being released).
    """
    doctrees = outdir.parent / f".{outdir.name}-doctrees"
    for old in (outdir, doctrees):
        if old.exists():
            shutil.rmtree(old)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(python or sys.executable), "-m", "sphinx", "-b", "html", "-q",
           "-d", str(doctrees), "-D", f"version={version}", "-D", f"release={version}"]
    if strict:
        cmd += ["-W", "--keep-going"]
    parallel = ["-j", "auto"] if _many_sources(docs_dir) else []
    proc = _sphinx([*cmd, *parallel, str(docs_dir), str(outdir)], version, cwd or docs_dir,
                   echo, warm)
    if proc.returncode != 0 and strict and _only_parallel_warnings(proc):
        # `-j auto` is our choice, not the project's: an extension that does not declare
        # itself parallel-safe makes Sphinx warn, and -W would fail the release for it.
        proc = _sphinx([*cmd, str(docs_dir), str(outdir)], version, cwd or docs_dir, echo)
    if proc.returncode != 0:
        root = cwd or docs_dir
        detail = cause(proc.stderr + "\n" + proc.stdout, root) or f"exit {proc.returncode}"
        if strict and "WARNING" in detail:
            detail += " (docs_strict or fail_on_warning makes warnings errors)"
        shown = docs_dir.relative_to(cwd) if cwd and docs_dir.is_relative_to(cwd) else docs_dir
        flags = "-W --keep-going " if strict else ""
        raise DocsError(f"sphinx-build failed: {detail[:300]}",
                        f"run `python -m sphinx -b html {flags}{shown} /tmp/html` to see it all")
    if not (outdir / "index.html").is_file():
        raise DocsError("sphinx-build produced no index.html",
                        "check the docs' master document (root_doc in conf.py)")
    return outdir


def _many_sources(docs_dir: Path) -> bool:
    """Worth ``-j auto``? Reading in parallel forks workers and merges what they read:
    for a handful of pages that costs more than it saves."""
    found = 0
    for _, dirs, files in os.walk(docs_dir):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_build"))]
        found += sum(1 for f in files if f.endswith(SOURCE_SUFFIXES))
        if found >= PARALLEL_FROM:
            return True
    return False


def _sphinx(cmd: list[str], version: str, cwd: Path, echo: Callable[[str], None] | None,
            warm: Warm | None = None) -> subprocess.CompletedProcess[str]:
    if echo:
        echo("$ " + shlex.join(cmd))
    return worker.run(cmd, cwd, {"SPHINX_RELEASE": version}, warm=warm)


_PARALLEL_WARNINGS = ("safe for parallel", "doing serial")


def _only_parallel_warnings(proc: subprocess.CompletedProcess[str]) -> bool:
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    return bool(warnings) and all(any(w in line for w in _PARALLEL_WARNINGS)
                                  for line in warnings)
