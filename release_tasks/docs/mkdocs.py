"""Building MkDocs docs, the way ``mkdocs build`` does, in the docs environment.

``--strict`` only when the project asks for it (``docs_strict``, or Read the Docs'
``mkdocs.fail_on_warning``; a ``strict: true`` in mkdocs.yml applies by itself), as a
warning-free build is the project's rule to set, not ours. The site goes where Sphinx's
HTML goes, so shipping, ``latest`` and the summary's link treat both alike.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from release_tasks.core.errors import BuildTimeout, DocsError
from release_tasks.core.worker import PlainRunner, Runner
from release_tasks.docs.output import cause

# What a Python started early for the build imports (core.worker).
# The probe's own import (mkdocs.utils) first: see sphinx.PRELOAD.
PRELOAD = ["mkdocs.utils", "mkdocs.commands.build", "mkdocs.config", "mkdocs.plugins"]


def build(config: Path, version: str, outdir: Path, strict: bool = False,
          cwd: Path | None = None, echo: Callable[[str], None] | None = None,
          python: Path | None = None, runner: Runner | None = None,
          timeout: float | None = None, say: Callable[[str], None] | None = None) -> Path:
    """Build the site of ``config`` (mkdocs.yml) into ``outdir`` (by ``runner``: the docs
    builder started early, or by default a process of its own); returns ``outdir``. Past
    ``timeout`` seconds (``build_timeout``) it is stopped and :class:`BuildTimeout` raised.
    Inventories that could not be fetched (a network condition) are told to ``say``."""
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    # Run as -c, like `python -m mkdocs`: our own folder must not shadow `mkdocs`.
    script = Path(__file__).with_name("mkdocs_run.py").read_text(encoding="utf-8")
    python = python or Path(sys.executable)
    cmd = [str(python), "-c", script, str(config), str(outdir), version]
    if strict:
        cmd.append("--strict")
    if echo:
        echo("$ " + shlex.join([*cmd[:1], "-c", "<mkdocs_run.py>", *cmd[3:]]))
    root = cwd or config.parent
    # The environment's scripts on the PATH: hooks and plugins run the project's commands.
    path = f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    try:
        proc = (runner or PlainRunner()).run(
            cmd, config.parent, {"PYTHONDONTWRITEBYTECODE": "1", "PATH": path},
            timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildTimeout("the docs build", timeout or 0) from None
    unreachable = list(dict.fromkeys(re.findall(r"^UNREACHABLE (\S+)$", proc.stderr, re.M)))
    if proc.returncode != 0:
        output = "\n".join(line for line in (proc.stderr + "\n" + proc.stdout).splitlines()
                           if "Couldn't load inventory" not in line
                           and not line.startswith("UNREACHABLE "))  # not the cause
        detail = cause(output, root) or f"exit {proc.returncode}"
        if "strict" in proc.stderr and "WARNING" in detail:
            detail += " (strict mode makes warnings errors)"
        flag = " --strict" if strict else ""
        shown = config.relative_to(root) if config.is_relative_to(root) else config
        raise DocsError(f"mkdocs build failed: {detail[:300]}",
                        f"run `mkdocs build{flag} -f {shown}` to see it all")
    if not (outdir / "index.html").is_file():
        raise DocsError("mkdocs build produced no index.html",
                        "check the docs' nav and docs_dir in mkdocs.yml")
    if unreachable and say is not None:
        shown = ", ".join(re.sub(r"(?<=://)[^/@\s]+@", "", url) for url in unreachable)
        say(f"mkdocstrings: {shown} unreachable; built without it (its links are plain text)")
    return outdir
