"""Building the sdist and wheel from the tagged commit, then ``twine check``.

The build runs on an export of the tag (``git archive``), never on the working tree, so
untracked or modified files cannot leak into a release. Build isolation is on by default.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from release_tasks.core.errors import BuildError
from release_tasks.core.project import normalize


def export(root: Path, ref: str, dest: Path) -> Path:
    """Write the tree of ``ref`` into ``dest`` (which must exist) and return it."""
    proc = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", ref],
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise BuildError(f"cannot export {ref}: {proc.stderr.decode(errors='replace').strip()}",
                         "does the tag exist? run `fab tag` first")
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
        archive.extractall(dest, filter="data")
    return dest


def is_dist_of(filename: str, name: str, version: str) -> bool:
    """Is ``filename`` an sdist or wheel of ``name`` ``version``? (By the file name alone,
    the way indexes and pip read them: names normalised, versions compared as versions.)"""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )
    from packaging.version import InvalidVersion, Version

    try:
        if filename.endswith(".whl"):
            dist, ver, *_ = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            dist, ver = parse_sdist_filename(filename)
        else:
            return False
        return normalize(dist) == normalize(name) and ver == Version(version)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return False


def dists_for(folder: Path, name: str, version: str) -> list[Path]:
    """The sdist and wheels of ``name`` ``version`` in ``folder``."""
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.iterdir()) if is_dist_of(p.name, name, version)]


DEFAULT_BUILD_SYSTEM = {"requires": ["setuptools>=40.8.0"],
                        "build-backend": "setuptools.build_meta:__legacy__"}


def build_system(src: Path) -> dict[str, Any]:
    """The ``[build-system]`` table, with PEP 517/518's defaults for projects without one."""
    from release_tasks.core.config import read_toml

    table = dict(DEFAULT_BUILD_SYSTEM)
    pyproject = src / "pyproject.toml"
    if pyproject.is_file():
        declared = read_toml(pyproject).get("build-system", {})
        if "requires" in declared:
            table = {"requires": list(declared["requires"]),
                     "build-backend": declared.get("build-backend",
                                                   DEFAULT_BUILD_SYSTEM["build-backend"])}
        if "backend-path" in declared:
            table["backend-path"] = list(declared["backend-path"])
    return table


def installer(preference: str = "auto") -> str:
    """``uv`` when it is installed (several times faster at making environments), else pip."""
    if preference in ("pip", "uv"):
        return preference
    try:
        import uv  # noqa: F401 - the PyPI package that ships the uv binary

        return "uv"
    except ImportError:
        return "uv" if shutil.which("uv") else "pip"


def build(src: Path, name: str, version: str, outdir: Path, isolation: bool = True,
          echo: Callable[[str], None] | None = None, installer_choice: str = "auto",
          env: dict[str, str] | None = None) -> list[Path]:
    """Build the sdist, then the wheel from that sdist, of the tree ``src`` into ``outdir``.

    The environment comes from ``build`` (isolated, made with uv or pip); the PEP 517
    hooks run in one process (see hooks.py for why that saves seconds).
    """
    outdir.mkdir(parents=True, exist_ok=True)
    for stale in dists_for(outdir, name, version):
        stale.unlink()
    table = build_system(src)
    env_vars = {**os.environ, "SETUPTOOLS_SCM_PRETEND_VERSION": version,
                "PIP_DISABLE_PIP_VERSION_CHECK": "1", **(env or {})}
    with contextlib.ExitStack() as stack:
        python = sys.executable
        if isolation:
            from build.env import DefaultIsolatedEnv

            how = installer(installer_choice)
            if echo:
                echo(f"isolated build environment made with {how}: {table['requires']}")
            env = stack.enter_context(DefaultIsolatedEnv(installer=how))  # type: ignore[arg-type]
            _install(env, table["requires"])
            python = env.python_executable
            env_vars.update(env.make_extra_environ() or {})
        result_file = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "result.json"
        cmd = [python, str(Path(__file__).with_name("hooks.py")),
               table["build-backend"], json.dumps(table.get("backend-path", [])), str(src),
               str(outdir), str(result_file)]
        for _attempt in range(2):
            if echo:
                echo("$ " + shlex.join(cmd))
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env_vars,
                                  cwd=src, check=False)
            if proc.returncode != 0:
                lines = [x for x in (proc.stderr + proc.stdout).splitlines() if x.strip()]
                detail = next((x for x in reversed(lines) if "Error" in x or "ERROR" in x),
                              lines[-1] if lines else f"exit status {proc.returncode}")
                raise BuildError(f"building the sdist/wheel failed: {detail.strip()[:200]}",
                                 "run `python -m build` in the project to see it all")
            result = json.loads(result_file.read_text())
            if "missing" not in result:
                break
            if not isolation:
                raise BuildError("the build backend needs " + ", ".join(result["missing"]),
                                 "install them, or turn build_isolation back on")
            _install(env, result["missing"])
    dists = dists_for(outdir, name, version)
    kinds = sorted("wheel" if p.suffix == ".whl" else "sdist" for p in dists)
    if "sdist" not in kinds or "wheel" not in kinds:
        got = ", ".join(p.name for p in outdir.iterdir()) or "nothing"
        raise BuildError(f"the build did not produce an sdist and a wheel of {name} {version} "
                         f"(got {got})",
                         "check that every file carrying the version is in the bumpversion config")
    return dists


def _install(env: Any, requirements: list[str]) -> None:
    from build import BuildException

    try:
        env.install(requirements)
    except (BuildException, subprocess.CalledProcessError) as e:
        raise BuildError(f"cannot install the build requirements {requirements}: "
                         f"{str(e).splitlines()[0] if str(e) else type(e).__name__}",
                         "check network access to the package index, or set "
                         "build_isolation = false") from None


def check(dists: list[Path]) -> None:
    """``twine check``: the metadata and README must render, or the index shows garbage."""
    import logging

    from twine.commands.check import check as twine_check

    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("twine")
    handler = Collect(logging.WARNING)
    logger.addHandler(handler)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            failed = twine_check([str(p) for p in dists], strict=False)
    finally:
        logger.removeHandler(handler)
    if failed:
        text = " ".join(" ".join(records).split())
        raise BuildError(f"twine check failed: {text[:240] or 'the README does not render'}",
                         "fix the README/metadata (`twine check dist/*` shows details)")


def readme_problem(root: Path) -> str | None:
    """Would the README render on the index? Checked before anything changes."""
    readme = next((p for p in (root / "README.rst", root / "README.txt") if p.is_file()), None)
    if readme is None:
        return None
    import readme_renderer.rst

    out = io.StringIO()
    rendered = readme_renderer.rst.render(readme.read_text(encoding="utf-8"), stream=out)
    if rendered is None:
        first = next((line for line in out.getvalue().splitlines() if line.strip()), "")
        return f"{readme.name} does not render: {first.strip()[:160]}"
    return None
