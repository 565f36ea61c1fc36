"""Building the Sphinx docs, and where they go.

The docs are built from the working tree (which, during a release, is the tagged commit)
into a folder outside the source tree, with the release's version passed in, so the
pages show the version being released even when ``conf.py`` reads it from an installed
package. A target is a local folder or ``ssh://[user@]host[:port]/path``; ``{name}`` and
``{version}`` expand. Shipping is :mod:`release_tasks.docs.ship_local` and
:mod:`release_tasks.docs.ship_ssh`.
"""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from release_tasks.core.datadir import cache_dir, data_dir
from release_tasks.core.errors import BuildTimeout, DocsError
from release_tasks.core.worker import PlainRunner, Runner
from release_tasks.docs import intersphinx
from release_tasks.docs.output import cause

# What a Python started early for the build imports (core.worker): not sphinx.cmd.build,
# whose functions before Sphinx 8 take ``sys.argv[1:]`` at import as their default.
# The probe's own import first: a probe that comes during the others is answered after it.
PRELOAD = ["sphinx.util.tags", "sphinx.application", "sphinx.builders.html",
           "sphinx.environment"]
# Source files from which a parallel build pays (Sphinx itself reads in parallel only
# from six documents on).
PARALLEL_FROM = 20
SOURCE_SUFFIXES = (".rst", ".md", ".txt", ".ipynb")
# How the docs environment's Python runs Sphinx: ``python -m sphinx ARGS`` as it is, with
# the template bridge of sphinx_templates loaded first (argv[1] is its cache folder).
LAUNCH = """\
import sys, types
bridge = types.ModuleType("_release_tasks_templates")
exec(compile({source!r}, {file!r}, "exec"), bridge.__dict__)
bridge.CACHE = sys.argv.pop(1)
sys.modules[bridge.__name__] = bridge
from sphinx.cmd.build import main
sys.exit(main(sys.argv[1:]))
"""
BRIDGE = "_release_tasks_templates.CachedTemplates"


def default_target() -> str:
    return str(data_dir() / "docs" / "{name}" / "{version}")


def expand(template: str, name: str, version: str) -> str:
    return template.replace("{name}", name).replace("{version}", version)


def per_version(template: str) -> bool:
    """Whether a docs target is one folder per version (``{version}`` in its last part):
    only then is there a ``latest`` beside it. Without, the target is the docs folder
    itself, and its parent may be shared with other projects."""
    return "{version}" in template.rstrip("/").rsplit("/", 1)[-1]


def build_dir(root: Path) -> Path:
    return root / "build" / "docs-html"


def build(docs_dir: Path, version: str, outdir: Path, strict: bool = False,
          cwd: Path | None = None, echo: Callable[[str], None] | None = None,
          python: Path | None = None, runner: Runner | None = None,
          say: Callable[[str], None] | None = None,
          timeout: float | None = None) -> Path:
    """Run sphinx-build (HTML) into ``outdir`` with ``python`` (by ``runner``: the docs
    builder started early, or by default a process of its own), from the folder of conf.py
    as ``make html`` and Read the Docs do; returns ``outdir``. ``cwd`` is the project root,
    for the paths shown. Past ``timeout`` seconds (``build_timeout``) it is stopped and
    :class:`BuildTimeout` raised.

    Always a full build: a cached environment skips unchanged pages and so their
    warnings, and ``docs_strict`` must see every warning every time. ``-D version/release``
    override what ``conf.py`` computed (often the installed package's version, not the one
    being released). An intersphinx inventory that cannot be reached is a network
    condition, not a fault of the docs (:mod:`release_tasks.docs.intersphinx`); ``say``
    gets the one line that tells how the build went on without it.
    """
    doctrees = outdir.parent / f".{outdir.name}-doctrees"
    for old in (outdir, doctrees):
        intersphinx.clear(old)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    python = python or Path(sys.executable)
    cmd = [str(python), "-m", "sphinx", "-b", "html", "-q",
           "-d", str(doctrees), "-D", f"version={version}", "-D", f"release={version}"]
    if strict:
        cmd += ["-W", "--keep-going"]
    parallel = ["-j", "auto"] if _many_sources(docs_dir) else []
    env = {"SPHINX_RELEASE": version, "PATH": f"{python.parent}{os.pathsep}"
           f"{os.environ.get('PATH', '')}"}
    templates = template_cache(docs_dir)
    proc = _sphinx([*cmd, *parallel, str(docs_dir), str(outdir)], env, docs_dir, echo, runner,
                   timeout, templates)
    if proc.returncode != 0 and strict and _only_parallel_warnings(proc):
        # `-j auto` is our choice, not the project's: an extension that does not declare
        # itself parallel-safe makes Sphinx warn, and -W would fail the release for it.
        proc = _sphinx([*cmd, str(docs_dir), str(outdir)], env, docs_dir, echo,
                       timeout=timeout, templates=templates)
    if proc.returncode != 0 and strict and intersphinx.unreachable(proc.stderr):
        proc = intersphinx.without_network(
            proc, lambda extra: _sphinx([*cmd, *extra, str(docs_dir), str(outdir)], env,
                                        docs_dir, echo, timeout=timeout,
                                        templates=templates),
            doctrees, outdir, say)
    if proc.returncode != 0:
        root = cwd or docs_dir
        output = intersphinx.others(proc.stderr + "\n" + proc.stdout) if strict else \
            proc.stderr + "\n" + proc.stdout
        detail = cause(output, root) or f"exit {proc.returncode}"
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


def template_cache(docs_dir: Path) -> Path | None:
    """Where the docs build keeps its compiled templates (sphinx_templates); None when the
    project sets its own ``template_bridge``, which it keeps."""
    conf = docs_dir / "conf.py"
    try:
        if "template_bridge" in conf.read_text(encoding="utf-8", errors="replace"):
            return None
    except OSError:
        return None  # Sphinx says what is wrong with it
    return cache_dir() / "sphinx-templates"


@functools.cache
def _launcher() -> str:
    bridge = Path(__file__).with_name("sphinx_templates.py")
    return LAUNCH.format(source=bridge.read_text(encoding="utf-8"), file=str(bridge))


def _sphinx(cmd: list[str], env: dict[str, str], cwd: Path,
            echo: Callable[[str], None] | None, runner: Runner | None = None,
            timeout: float | None = None,
            templates: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``cmd`` (``python -m sphinx ARGS``), shown as it is; run with the template bridge
    when ``templates`` names its cache."""
    if echo:
        echo("$ " + shlex.join(cmd))
    if templates is not None:
        cmd = [cmd[0], "-c", _launcher(), str(templates), "-D", f"template_bridge={BRIDGE}",
               *cmd[3:]]
    try:
        return (runner or PlainRunner()).run(cmd, cwd, env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildTimeout("the docs build", timeout or 0) from None


_PARALLEL_WARNINGS = ("safe for parallel", "doing serial")


def _only_parallel_warnings(proc: subprocess.CompletedProcess[str]) -> bool:
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    return bool(warnings) and all(any(w in line for w in _PARALLEL_WARNINGS)
                                  for line in warnings)
