"""Releases of real projects from their own git repositories, at the head of their default
branch: the state a maintainer releases from (fragments, Unreleased entries, docs config).

    python bench/realgit.py [--jobs 2] [--only NAME ...] [--docs-only | --skip-docs-only]

Needs the projects' mirrors: bare git repositories at ``/work/.mirror/OWNER+NAME/repo``
(full history and tags; override the folder with ``$REALGIT_MIRRORS``). Each mirror is
cloned once into a cache folder (``$RELEASE_TASKS_TEST_CACHE/realgit``, default
``~/.cache/release_tasks-tests/realgit``) and re-cloned whenever its mirror is present, so
the cache follows the mirror; without a mirror the cached clone is used as it is. A
project with neither is skipped. Submodules are checked out from their own mirrors
(``/work/.mirror/OWNER+NAME/repo`` for a ``github.com/OWNER/NAME`` URL) when there.

Each run works on a fresh local clone of the cached one, at the head of its default
branch, with a one-line ``fabfile.py`` committed as a user would, HOME and XDG_DATA_HOME
in a temp folder (so the index and docs go to the default local folders there) and
``EDITOR=true``. Then ``fab release --yes --notes ...`` runs twice: once with
``--skip-docs`` and once building and shipping the docs. Nothing is reached but the
package registries (for build and docs requirements). Prints one line per project and
run, OK or the failing step with its one-line error, and the success rate of each run.
A release refused because the project's towncrier template needs an issue number per
fragment is tried again with one (``--notes '#1: ...'``), as the error says.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

MIRRORS = Path(os.environ.get("REALGIT_MIRRORS") or "/work/.mirror")
CACHE = Path(os.environ.get("RELEASE_TASKS_TEST_CACHE")
             or Path.home() / ".cache" / "release_tasks-tests") / "realgit"
FAB = str(Path(sys.executable).parent / "fab")
NOTE = "Released by bench/realgit.py."
GIT_ENV = {"GIT_AUTHOR_NAME": "Rel Ease", "GIT_AUTHOR_EMAIL": "rel@example.invalid",
           "GIT_COMMITTER_NAME": "Rel Ease", "GIT_COMMITTER_EMAIL": "rel@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1"}

# Chosen across shapes: Unreleased sections (click, flask), towncrier (pluggy, structlog,
# attrs, pip-tools), Keep a Changelog with MkDocs (httpx), CHANGELOG.md (rich), plain
# rst changelogs (packaging), HISTORY.md (requests), git-tag versions through
# setuptools_scm / hatch-vcs (pluggy, filelock, pip-tools, attrs, structlog), poetry
# (tomlkit, rich), pdm (pdm-backend), MkDocs itself; then more of those shapes and a few
# others: towncrier with Sphinx (urllib3, pytest-xdist), MkDocs sites (starlette, typer,
# pydantic-settings), setuptools_scm with Sphinx (anyio), newsfragments (h11).
PROJECTS = [
    "pallets/click", "pallets/flask", "pytest-dev/pluggy", "hynek/structlog",
    "python-attrs/attrs", "encode/httpx", "Textualize/rich", "pypa/packaging",
    "psf/requests", "tox-dev/filelock", "jazzband/pip-tools", "python-poetry/tomlkit",
    "pdm-project/pdm-backend", "mkdocs/mkdocs", "pydantic/pydantic-settings",
    "urllib3/urllib3", "pytest-dev/pytest-xdist", "encode/starlette", "agronholm/anyio",
    "fastapi/typer", "pallets/jinja", "python-hyper/h11",
]


@dataclass(frozen=True)
class Outcome:
    """One project's run: OK, or the step that failed and its one-line error."""

    project: str
    run: str
    ok: bool
    step: str
    error: str
    seconds: float


def git(path: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, check=True)
    return proc.stdout.strip()


def cached_clone(project: str) -> Path | None:
    """The cached clone, refreshed from the mirror when there is one."""
    mirror = MIRRORS / project.replace("/", "+") / "repo"
    cached = CACHE / project.replace("/", "+")
    if mirror.is_dir():
        fresh = cached.with_name(cached.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(mirror), str(fresh)],
                       check=True, env={**os.environ, **GIT_ENV})
        shutil.rmtree(cached, ignore_errors=True)
        fresh.rename(cached)
    return cached if (cached / ".git").is_dir() else None


def checkout(cached: Path, parent: Path) -> Path:
    """A fresh clone at the head of the default branch, with the one-line fabfile."""
    path = parent / cached.name.split("+", 1)[1]
    subprocess.run(["git", "clone", "-q", str(cached), str(path)], check=True,
                   env={**os.environ, **GIT_ENV})
    submodules(path)
    (path / "fabfile.py").write_text("from release_tasks import *\n", encoding="utf-8")
    git(path, "add", "fabfile.py")
    git(path, "commit", "-q", "--no-verify", "-m", "Release with release_tasks")
    return path


def submodules(path: Path) -> None:
    """Check out the submodules from their mirrors, as a maintainer's clone has them; one
    without a mirror is left empty (the release then says so)."""
    if not (path / ".gitmodules").is_file():
        return
    redirects = []
    for mirror in MIRRORS.glob("*+*/repo"):
        owner, name = mirror.parent.name.split("+", 1)
        for url in (f"https://github.com/{owner}/{name}", f"git@github.com:{owner}/{name}"):
            for suffix in ("", ".git"):
                redirects += ["-c", f"url.{mirror}.insteadOf={url}{suffix}"]
    env = {**os.environ, **GIT_ENV}
    proc = subprocess.run(["git", "-c", "protocol.file.allow=always", *redirects,
                           "submodule", "update", "-q", "--init", "--recursive"], cwd=path,
                          check=False, capture_output=True, env=env)
    if proc.returncode != 0:  # a commit the mirror lacks: leave them as a plain clone has
        subprocess.run(["git", "submodule", "deinit", "-q", "-f", "--all"], cwd=path,
                       check=False, capture_output=True, env=env)


STEP = re.compile(r"^\W*(?:step\s+)?([a-z_]+)\b.*\bfailed\b", re.IGNORECASE)


def failure(out: str, code: int) -> tuple[str, str]:
    """The failing step and the one-line error, as the output names them."""
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith(("error", "- "))
              or "failed" in line.lower()]
    error = (errors[-1] if errors else (lines[-1] if lines else f"exit status {code}"))
    step = "?"
    for line in lines:
        match = STEP.match(line)
        if match:
            step = match.group(1)
    if "before anything changed" in out and step == "?":
        step = "pre-flight"
    return step, error[:240]


def release(project: str, cached: Path, run: str) -> Outcome:
    """The release; one whose towncrier template needs an issue number per fragment, as
    the error says, is tried again with one in the notes (a maintainer's choice)."""
    outcome = _release(project, cached, run, NOTE)
    if not outcome.ok and "--notes '#123: what changed'" in outcome.error:
        again = _release(project, cached, run, f"#1: {NOTE}")
        if again.ok:
            return Outcome(project, run, True, "", "with an issue number in --notes: "
                           + again.error, outcome.seconds + again.seconds)
    return outcome


def _release(project: str, cached: Path, run: str, note: str) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="realgit-") as tmp:
        parent = Path(tmp)
        home = parent / "home"
        home.mkdir()
        env = {**os.environ, **GIT_ENV, "HOME": str(home),
               "XDG_DATA_HOME": str(home / ".local" / "share"), "EDITOR": "true",
               "VISUAL": "true", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
               "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"),
               "UV_CACHE_DIR": str(Path.home() / ".cache" / "uv")}
        env.pop("SLACK_WEBHOOK_URL", None)
        path = checkout(cached, parent)
        flags = ["--skip-docs"] if run == "skip-docs" else []
        started = time.monotonic()
        try:
            proc = subprocess.run([FAB, "release", "--yes", *flags, "--notes", note],
                                  cwd=path, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=1200, check=False)
        except subprocess.TimeoutExpired:
            return Outcome(project, run, False, "?", "timed out", time.monotonic() - started)
        elapsed = time.monotonic() - started
        out = proc.stdout + proc.stderr
        if os.environ.get("REALGIT_VERBOSE"):
            print(f"===== {project} {run}\n{out}", flush=True)
        if proc.returncode == 0:
            header = next((line for line in out.splitlines() if line.startswith("Release ")),
                          "")
            return Outcome(project, run, True, "", header[:200], elapsed)
        step, error = failure(out, proc.returncode)
        return Outcome(project, run, False, step, error, elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=None, help="OWNER/NAME or NAME")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--skip-docs-only", action="store_true")
    which.add_argument("--docs-only", action="store_true")
    args = parser.parse_args()
    chosen = [p for p in PROJECTS if not args.only
              or p in args.only or p.split("/")[1] in args.only]
    clones: dict[str, Path] = {}
    for project in chosen:
        cached = cached_clone(project)
        if cached is None:
            print(f"{project:<26} skipped: no mirror under {MIRRORS} and no cached clone")
        else:
            clones[project] = cached
    runs = (["skip-docs"] if args.skip_docs_only else ["docs"] if args.docs_only
            else ["skip-docs", "docs"])
    jobs = [(project, run) for run in runs for project in clones]
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda job: release(job[0], clones[job[0]], job[1]), jobs))
    for run in runs:
        print(f"\n== fab release --yes{' --skip-docs' if run == 'skip-docs' else ''}")
        mine = [r for r in results if r.run == run]
        for r in mine:
            status = "OK" if r.ok else f"FAILED at {r.step}"
            print(f"{r.project:<26} {status:<24} {r.seconds:>6.1f}s")
            print(f"    {r.error}")
        ok = sum(r.ok for r in mine)
        if mine:
            print(f"success: {ok}/{len(mine)} ({100 * ok / len(mine):.0f}%)")


if __name__ == "__main__":
    main()
