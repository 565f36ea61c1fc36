"""Building the sdist and wheel from the tagged commit, then ``twine check``.

The build runs on a checkout of the tag (see checkout.py), never on the working tree, so
untracked or modified files cannot leak into a release. Build isolation is on by default;
the isolated environment is cached between releases (see envcache.py).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from release_tasks.core.errors import BuildError, BuildTimeout, DiskFull, disk_full
from release_tasks.core.project import normalize
from release_tasks.core.worker import PlainRunner, Runner, WarmRunner


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


def build(src: Path, name: str, version: str, outdir: Path, scratch: Path,
          isolation: bool = True, echo: Callable[[str], None] | None = None,
          installer_choice: str = "auto", fresh_env: bool = False,
          env: dict[str, str] | None = None, runner: Runner | None = None,
          timeout: float | None = None,
          carriers: Callable[[str], list[str]] | None = None) -> list[Path]:
    """Build the sdist, then the wheel from that sdist, of the tree ``src`` into ``outdir``.

    ``env``: variables the version source wants the backend to see (the pretend-version
    variables of setuptools_scm, pdm, ...). ``runner``: the build environment's Python
    started by :func:`prepare_environment`, which runs the hooks if it is that
    environment's (by default a process of their own). ``timeout``: seconds the backend may
    take (``build_timeout``), after which it is stopped and :class:`BuildTimeout` raised.
    ``carriers``: see :func:`release_tasks.build.proof.prove` (a build of another version
    names the file the bump missed).

    The PEP 517 hooks run in one process (see hooks.py for why that saves seconds), in a
    cached isolated environment. Everything temporary goes under ``scratch`` (the backend
    gets it as TMPDIR too); the files reach ``outdir`` only once both are built and carry
    ``version``, so a failed build never leaves wrong or partial files in dist/.
    """
    from release_tasks.build import envcache

    table = build_system(src)
    staging = scratch / "dists"
    tmp = scratch / "tmp"
    for folder in (staging, tmp):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    env_vars = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)}
    if not (src / ".git").exists():
        # A checkout of the tag lets setuptools_scm read the version from git, exactly as
        # `python -m build` would; without git metadata it must be told.
        env_vars["SETUPTOOLS_SCM_PRETEND_VERSION"] = version
    env_vars.update(env or {})
    python = sys.executable
    requires = list(table["requires"])
    parts = ["build", table["build-backend"]]
    extra = envcache.learned(requires, parts) if isolation else []
    for _attempt in range(3):
        if isolation:
            env = envcache.environment([*requires, *extra], key_parts=parts,
                                       installer_choice=installer_choice, fresh=fresh_env,
                                       tmpdir=tmp, echo=echo,
                                       running=runner.python if isinstance(
                                           runner, WarmRunner) and runner.alive() else None)
            fresh_env = False  # made fresh once is enough for the retry
            if echo:
                how = f"reused (made with {env.installer})" if env.reused else \
                    f"made with {env.installer}"
                echo(f"isolated build environment {how}: {list(env.requirements)} "
                     f"in {env.path}")
            python = str(env.python)
            env_vars.update(env.environ())
        result = _run_hooks(python, table, src, staging, tmp, env_vars, echo, runner, timeout)
        runner = None  # one command each: a retry starts afresh
        if "missing" not in result:
            break
        if not isolation:
            raise BuildError("the build backend needs " + ", ".join(result["missing"]),
                             "install them, or turn build_isolation back on")
        # The backend asked for more (get_requires_for_build_*): an environment with it
        # all, remembered for the next release.
        extra = sorted(set(extra) | set(result["missing"]))
        envcache.learn(requires, parts, extra)
    else:
        raise BuildError(f"the build backend keeps asking for {result['missing']}",
                         "check the [build-system] requires of the project")
    dists = dists_for(staging, name, version)
    kinds = sorted("wheel" if p.suffix == ".whl" else "sdist" for p in dists)
    if "sdist" not in kinds or "wheel" not in kinds:
        got = ", ".join(p.name for p in staging.iterdir()) or "nothing"
        raise BuildError(f"the build did not produce an sdist and a wheel of {name} {version} "
                         f"(got {got}){missed_files(staging, carriers)}",
                         "check that every file carrying the version is in the bumpversion config")
    outdir.mkdir(parents=True, exist_ok=True)
    for stale in dists_for(outdir, name, version):
        stale.unlink()
    placed = []
    try:
        for p in dists:
            placed.append(Path(shutil.move(str(p), outdir / p.name)))
    except OSError as e:
        for done in placed:
            done.unlink(missing_ok=True)
        raise disk_full(e, outdir, "no built file was left there") or BuildError(
            f"cannot put the built files into {outdir}: {e.strerror or e}",
            "check the folder") from None
    return placed


def missed_files(folder: Path, carriers: Callable[[str], list[str]] | None) -> str:
    """``"; 1.0.0 is still in setup.py, which the bump missed"`` for the versions the
    files built into ``folder`` carry, or "" when no file can be named."""
    from packaging.utils import InvalidSdistFilename, parse_sdist_filename

    if carriers is None or not folder.is_dir():
        return ""
    said = []
    for path in sorted(folder.iterdir()):
        try:
            version = str(parse_sdist_filename(path.name)[1])
        except InvalidSdistFilename:
            continue
        missed = carriers(version)
        if missed:
            said.append(f"; {version} is still in {', '.join(missed)}, which the bump missed")
    return "".join(said)


def prepare_environment(root: Path, installer_choice: str = "auto") -> WarmRunner | None:
    """Make the isolated environment the work tree's build-system table asks for, ahead of
    the build (a background start; failures are left for the build itself to report), and
    start its Python with the backend imported (see :mod:`release_tasks.core.worker`):
    what remains for the build is building. Not for a backend inside the project
    (``backend-path``): that one must come from the tag."""
    from release_tasks.build import envcache

    try:
        table = build_system(root)
        requires = list(table["requires"])
        parts = ["build", table["build-backend"]]
        env = envcache.environment([*requires, *envcache.learned(requires, parts)],
                                   key_parts=parts, installer_choice=installer_choice,
                                   starting=True)
        if table.get("backend-path"):
            return None
        return WarmRunner(env.python, [table["build-backend"].partition(":")[0]], env.path,
                    env={**os.environ, **env.environ()})
    except Exception:  # the build reports it properly, with its hint
        return None


def _run_hooks(python: str, table: dict[str, Any], src: Path, staging: Path, tmp: Path,
               env_vars: dict[str, str], echo: Callable[[str], None] | None,
               runner: Runner | None = None, timeout: float | None = None) -> dict[str, Any]:
    result_file = tmp / "result.json"
    result_file.unlink(missing_ok=True)
    cmd = [python, str(Path(__file__).with_name("hooks.py")),
           table["build-backend"], json.dumps(table.get("backend-path", [])), str(src),
           str(staging), str(result_file), str(tmp / "sdist")]
    if echo:
        echo("$ " + shlex.join(cmd))
    try:
        proc = (runner or PlainRunner()).run(cmd, src, environ=env_vars, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildTimeout("the build", timeout or 0) from None
    if proc.returncode != 0:
        full = _full_disk(proc.stderr + proc.stdout, staging.parent)
        if full is not None:
            raise full
        lines = [x for x in (proc.stderr + proc.stdout).splitlines() if x.strip()]
        detail = next((x for x in reversed(lines) if "Error" in x or "ERROR" in x),
                      lines[-1] if lines else f"exit status {proc.returncode}")
        raise BuildError(f"building the sdist/wheel failed: {detail.strip()[:200]}",
                         "run `python -m build` in the project to see it all")
    return dict(json.loads(result_file.read_text()))


def _full_disk(output: str, scratch: Path) -> DiskFull | None:
    """The backend's report of a full disk (a traceback, or its own "Creating tar archive"
    as the last words) as one line naming where: the path in the error when it gives one,
    else the scratch folder, where the build writes."""
    said = os.strerror(errno.ENOSPC)
    where = re.search(re.escape(said) + r": '([^']+)'", output)
    return disk_full(output, Path(where[1]).parent if where else scratch,
                     "nothing was put into dist/")


def check(dists: list[Path]) -> None:
    """``twine check``: the metadata and README must render, or the index shows garbage.

    twine's own check prints through rich's process-wide console; this is the same check
    per call, from its public parts: the files read as twine reads them for an upload
    (``PackageFile``), the long description rendered by readme_renderer as twine renders
    it (reStructuredText unless the content type says otherwise, which cannot fail)."""
    from twine.exceptions import InvalidDistribution
    from twine.package import PackageFile

    for path in dists:
        try:
            metadata = PackageFile.from_filename(str(path), comment=None).metadata_dictionary()
        except InvalidDistribution as e:
            raise BuildError(f"twine check failed: {path.name}: {str(e).splitlines()[0][:200]}",
                             "fix the package metadata (`twine check dist/*` shows details)"
                             ) from None
        problem = _description_problem(str(metadata.get("description") or ""),
                                       metadata.get("description_content_type"))
        if problem is not None:
            raise BuildError(f"twine check failed: {path.name}: {problem[:240]}",
                             "fix the README/metadata (`twine check dist/*` shows details)")


def _description_problem(text: str, content_type: str | None) -> str | None:
    """Why the long description would not render on the index, or None."""
    from email.message import EmailMessage

    from release_tasks.build.readme import rst_problem

    if not text or text.rstrip() == "UNKNOWN":
        return None  # a warning for twine, not a failure
    message = EmailMessage()
    message["content-type"] = content_type or "text/x-rst"
    if message.get_content_type() in ("text/plain", "text/markdown"):
        return None
    said = rst_problem(text)
    if said is None:
        return None
    return "the long description does not render" + (f": {said}" if said else "")
