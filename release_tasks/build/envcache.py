"""Isolated environments, made once and reused from the user's cache folder.

Making an isolated build environment is most of a build's time: about 0.15 s with uv,
seconds with pip, every release. The packages in it only change when the requirements,
the backend's own ``get_requires_for_build_*`` answer or the Python change, so the
environment is kept under the user's cache dir (platformdirs), in a folder named after a
hash of exactly those, and reused while its marker file says so.

Usable by any step that needs tools in an environment of their own (the docs build can
ask for ``environment(docs_requirements, key_parts=["docs", project_name])``)::

    env = environment(["setuptools>=61"], key_parts=["build"], installer="auto")
    subprocess.run([str(env.python), ...], env={**os.environ, **env.environ()})

Rules that make the reuse safe:

- A folder is used only when its marker names its key and its interpreter runs; anything
  else (half-made by an interrupted release, a Python upgrade under it, files deleted) is
  moved aside and made again.
- The marker is written last, after every package is installed, so a folder with a marker
  is complete; the check needs no lock.
- Making (and replacing) happens under a file lock per key: two releases at once wait for
  one another and then share the result.
- ``fresh=True`` (``--fresh-env``, config ``fresh_env``) replaces the folder whatever its
  state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_tasks.core import processes
from release_tasks.core.errors import BuildError

MARKER = "release-tasks-env.json"
FORMAT = 1  # bumped when the layout of a cached environment changes


@dataclass(frozen=True)
class Environment:
    """A ready environment: its folder, interpreter and how it came to be."""

    path: Path
    python: Path
    requirements: tuple[str, ...]
    installer: str
    reused: bool

    def environ(self) -> dict[str, str]:
        """Variables that put the environment first, as an activated venv would."""
        bindir = self.python.parent
        return {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
                "VIRTUAL_ENV": str(self.path)}


def cache_root() -> Path:
    """Where environments live: the user's cache dir, e.g. ``~/.cache/release_tasks/envs``."""
    from release_tasks.core.datadir import cache_dir

    return cache_dir() / "envs"


def key(requirements: Iterable[str], key_parts: Sequence[str] = ()) -> str:
    """The name of the folder: a hash of the requirements, the parts and this Python."""
    data = {"format": FORMAT, "requirements": sorted(set(requirements)),
            "parts": list(key_parts), "python": sys.version,
            "interpreter": os.path.realpath(sys.executable), "base": sys.base_prefix}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]


def uv_binary() -> str | None:
    """The uv binary shipped by the ``uv`` package (or found on PATH), if any."""
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def installer(preference: str = "auto") -> str:
    """``uv`` unless asked for pip or no uv binary exists; a uv that cannot run falls back
    to pip when the environment is made."""
    if preference in ("pip", "uv"):
        return preference
    return "uv" if uv_binary() else "pip"


def environment(requirements: Iterable[str], *, key_parts: Sequence[str] = (),
                installer_choice: str = "auto", fresh: bool = False,
                root: Path | None = None, tmpdir: Path | None = None,
                echo: Callable[[str], None] | None = None,
                running: Path | None = None, starting: bool = False) -> Environment:
    """A ready environment with ``requirements`` installed, reused when one is cached.

    ``key_parts`` separate environments with the same requirements but different uses;
    ``tmpdir`` receives the installers' temporary files (so an interrupted install leaves
    nothing in the system temp dir); ``echo`` hears what is being done; ``running``: the
    interpreter of a warm runner started from the cached environment, proof that it works;
    ``starting``: the caller starts the environment's interpreter at once, which proves it
    (a cached one is then not started once more just to see that it starts).
    """
    reqs = tuple(sorted(set(requirements)))
    root = root or cache_root()
    name = key(reqs, key_parts)
    path = root / name
    if not fresh and _valid(path, name, _python(path) if starting else running):
        _touch(path)
        return Environment(path, _python(path), reqs, _marker(path).get("installer", "?"),
                           reused=True)
    from filelock import FileLock

    asked = time.time()
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / f"{name}.lock")):
        # Someone else may have made it while we waited for the lock: made after we
        # asked, it is as fresh as one of our own.
        made = _marker(path).get("made", 0)
        if _valid(path, name) and (not fresh or (isinstance(made, float) and made >= asked)):
            return Environment(path, _python(path), reqs, _marker(path).get("installer", "?"),
                               reused=True)
        _discard(root, path)
        how = installer(installer_choice)
        if echo:
            echo(f"isolated environment made with {how}: {list(reqs)} in {path}")
        how = _make(path, reqs, how, tmpdir, echo)
        marker = {"key": name, "requirements": list(reqs), "installer": how,
                  "python": sys.version, "made": time.time()}
        (path / MARKER).write_text(json.dumps(marker, indent=1))
    return Environment(path, _python(path), reqs, how, reused=False)


def learned(requirements: Iterable[str], key_parts: Sequence[str] = (),
            root: Path | None = None) -> list[str]:
    """What the tool asked for on top of ``requirements`` last time (see :func:`learn`)."""
    file = (root or cache_root()) / f"{key(requirements, key_parts)}.extra.json"
    try:
        extra = json.loads(file.read_text())
    except (OSError, ValueError):
        return []
    return [str(x) for x in extra] if isinstance(extra, list) else []


def learn(requirements: Iterable[str], key_parts: Sequence[str], extra: Iterable[str],
          root: Path | None = None) -> None:
    """Remember that the tool needs ``extra`` beyond ``requirements`` (say, a build
    backend's ``get_requires_for_build_wheel`` answer), so the next run asks for the
    environment that has them straight away."""
    root = root or cache_root()
    root.mkdir(parents=True, exist_ok=True)
    file = root / f"{key(requirements, key_parts)}.extra.json"
    partial = file.with_name(f".{file.name}.{uuid.uuid4().hex}")
    partial.write_text(json.dumps(sorted(set(extra))))
    os.replace(partial, file)


# --- internals ------------------------------------------------------------------------------


def _python(path: Path) -> Path:
    return path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _marker(path: Path) -> dict[str, Any]:
    try:
        data = json.loads((path / MARKER).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _valid(path: Path, name: str, running: Path | None = None) -> bool:
    """The marker names this key and the interpreter starts (one cheap process, spared
    when ``running``, an interpreter of this environment, is running already)."""
    if _marker(path).get("key") != name:
        return False
    if running is not None and running == _python(path) and running.is_file():
        return True
    try:
        proc = processes.run([str(_python(path)), "-I", "-S", "-c", ""],
                             capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _touch(path: Path) -> None:
    """Record the use, so a future clean-up can tell unused environments apart."""
    with contextlib.suppress(OSError):
        os.utime(path / MARKER)


def _discard(root: Path, path: Path) -> None:
    """Move a stale folder aside (atomic), then delete it and older leftovers."""
    if path.exists() or path.is_symlink():
        os.replace(path, root / f".trash-{path.name}-{uuid.uuid4().hex[:8]}")
    for old in root.glob(".trash-*"):
        shutil.rmtree(old, ignore_errors=True)


def _make(path: Path, reqs: Sequence[str], how: str, tmpdir: Path | None,
          echo: Callable[[str], None] | None) -> str:
    """Create the venv and install ``reqs``; returns the installer that did it."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("VIRTUAL_ENV", None)
    if tmpdir is not None:
        env.update(TMPDIR=str(tmpdir), TEMP=str(tmpdir), TMP=str(tmpdir))
    uv = uv_binary() if how == "uv" else None
    if uv is not None:
        try:
            _run([uv, "venv", "--quiet", "--python", sys.executable, str(path)], env, path.parent)
            if reqs:
                # Compiled once here (as pip does by default), not on every build.
                _run([uv, "pip", "install", "--quiet", "--compile-bytecode", "--python",
                      str(_python(path)), *reqs], env, path.parent)
            return "uv"
        except OSError as e:  # the binary cannot run on this platform: pip can
            if echo:
                echo(f"uv cannot run here ({e.strerror or e}); using pip")
            shutil.rmtree(path, ignore_errors=True)
    import importlib.util

    outer_pip = importlib.util.find_spec("pip") is not None
    venv = [sys.executable, "-m", "venv", *(["--without-pip"] if outer_pip else []), str(path)]
    _run(venv, env, path.parent)
    if reqs:
        pip = ([sys.executable, "-m", "pip", "--python", str(_python(path))] if outer_pip
               else [str(_python(path)), "-m", "pip"])
        _run([*pip, "install", "--quiet", *reqs], env, path.parent)
    return "pip"


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> None:
    proc = processes.run(cmd, capture_output=True, text=True, env=env, cwd=cwd,
                         stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        lines = [x for x in (proc.stderr + proc.stdout).splitlines() if x.strip()]
        detail = next((x for x in lines if "error" in x.lower()), lines[0] if lines else
                      f"exit status {proc.returncode}")
        raise BuildError(f"cannot make the isolated environment: {detail.strip()[:200]}",
                         "check network access to the package index, or set "
                         "build_isolation = false")
