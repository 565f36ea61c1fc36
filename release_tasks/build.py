"""Building the sdist and wheel from the tagged commit, then ``twine check``.

The build runs on an export of the tag (``git archive``), never on the working tree, so
untracked or modified files cannot leak into a release. Build isolation is on by default.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

from . import git
from .errors import BuildError
from .project import normalize


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


def dists_for(folder: Path, name: str, version: str) -> list[Path]:
    """The sdist and wheels of ``name`` ``version`` in ``folder``."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )
    from packaging.version import InvalidVersion, Version

    if not folder.is_dir():
        return []
    try:
        wanted = Version(version)
    except InvalidVersion:
        wanted = None
    found = []
    for path in sorted(folder.iterdir()):
        try:
            if path.name.endswith(".whl"):
                dist, ver, *_ = parse_wheel_filename(path.name)
            elif path.name.endswith(".tar.gz"):
                dist, ver = parse_sdist_filename(path.name)
            else:
                continue
        except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
            continue
        if normalize(dist) == normalize(name) and (ver == wanted if wanted else
                                                   str(ver) == version):
            found.append(path)
    return found


def build(src: Path, name: str, version: str, outdir: Path, isolation: bool = True,
          echo: Callable[[str], None] | None = None) -> list[Path]:
    """Build sdist and wheel from the exported tree ``src`` into ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    for stale in dists_for(outdir, name, version):
        stale.unlink()
    cmd = [sys.executable, "-m", "build", "--outdir", str(outdir)]
    if not isolation:
        cmd.append("--no-isolation")
    cmd.append(str(src))
    env = {**os.environ, "SETUPTOOLS_SCM_PRETEND_VERSION": version,
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if echo:
        echo("$ " + shlex.join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
        detail = next((line for line in reversed(lines) if "ERROR" in line or "Error" in line),
                      lines[-1] if lines else f"exit status {proc.returncode}")
        raise BuildError(f"building the sdist/wheel failed: {detail.strip()[:200]}",
                         "run `python -m build` to see the whole output")
    dists = dists_for(outdir, name, version)
    kinds = sorted("wheel" if p.suffix == ".whl" else "sdist" for p in dists)
    if "sdist" not in kinds or "wheel" not in kinds:
        got = ", ".join(p.name for p in outdir.iterdir()) or "nothing"
        raise BuildError(f"the build did not produce an sdist and a wheel of {name} {version} "
                         f"(got {got})",
                         "check that every file carrying the version is in the bumpversion config")
    return dists


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


def head_tag(root: Path, tag: str) -> str:
    """The commit of ``tag``, which must exist."""
    if not git.tag_exists(root, tag):
        raise BuildError(f"tag {tag} does not exist", "run `fab tag` first")
    return git.tag_target(root, tag)
