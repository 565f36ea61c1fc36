"""The environment the docs are built in: the project's own, made with uv, or this one.

A project that declares what its docs need (see :mod:`release_tasks.docs.requirements`)
gets an isolated environment with exactly that, the builder, and the project itself, as
Read the Docs would make it. It is cached under the user cache folder by a hash of those
requirements and the Python version, so only the first release waits for it; each release
then installs its own freshly built wheel over it (``--no-deps``), so autodoc and
``importlib.metadata`` see the version being released. A project that declares nothing,
or sets ``docs_isolation = false``, builds in the running environment, as before.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from release_tasks.core import processes
from release_tasks.core.errors import DocsError
from release_tasks.core.worker import PlainRunner, Runner
from release_tasks.docs import infer, pythons, requirements
from release_tasks.docs.distributions import OLD_SETUPTOOLS, distribution
from release_tasks.docs.find import DocsSource
from release_tasks.docs.output import short_paths

BUILDER_PACKAGES = {"sphinx": "sphinx", "mkdocs": "mkdocs"}

Echo = Callable[[str], None]


@dataclass(frozen=True)
class DocsEnv:
    """Where the builder runs, and why that one (for the plan and the messages)."""

    python: Path
    isolated: bool
    why: str
    path: Path | None = None  # the environment's folder, when isolated
    key: str = ""
    made_now: bool = False
    wants: requirements.Declared = dataclasses.field(
        default_factory=requirements.Declared, compare=False)
    inferred: bool = False  # nothing declared it: made from what the docs name

    @property
    def cached(self) -> bool:
        return self.path is not None and (self.path / MARKER).is_file()

    def describe(self) -> str:
        if not self.isolated:
            return f"the running environment ({self.why})"
        state = "made now, cached for next time" if self.made_now else (
            "cached" if self.cached else "to be made")
        if self.inferred:
            return f"a docs environment inferred from {self.why} ({state})"
        return f"the project's docs environment from {self.why} ({state})"

    @property
    def bin(self) -> Path:
        """The environment's scripts folder: on the PATH while the docs build, as the
        project's own commands run from MkDocs hooks and Sphinx extensions live there."""
        return self.python.parent


MARKER = "release-tasks-complete"


def cache_root() -> Path:
    """``~/.cache/release_tasks/docs-envs`` (honours XDG_CACHE_HOME)."""
    from release_tasks.core.datadir import cache_dir

    return cache_dir() / "docs-envs"


def extra_packages(source: DocsSource, wants: requirements.Declared) -> list[str]:
    """The builder, and a setuptools that still has ``pkg_resources``.

    Read the Docs' environments come with such a setuptools, and many docs rely on it
    without knowing: conf.py files and extensions (sphinx-tabs, old MkDocs plugins) that
    ``import pkg_resources``. Left out when the requirements choose a setuptools.
    """
    packages = [BUILDER_PACKAGES[source.builder]]
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in wants.files
             if f.is_file()] + list(wants.requirements)
    if not any(re.search(r"^\s*setuptools\b", t, re.M | re.I) for t in texts):
        packages.append(OLD_SETUPTOOLS)
    return packages


def choose(source: DocsSource, isolation: bool = True) -> DocsEnv:
    """Which environment builds these docs; nothing is made yet.

    Declared requirements make the project's own environment. Without a declaration, the
    docs' config says what they need: when this environment has all of it the docs build
    here, as before; otherwise an environment is inferred from it.
    """
    running = Path(sys.executable)
    if not isolation:
        return DocsEnv(running, False, "docs_isolation = false")
    wants = requirements.declared(source)
    inferred = False
    if not wants:
        named = infer.named(source)
        if all(_here(module) for module, _ in named) and _here(source.builder):
            return DocsEnv(running, False, "the project declares no docs requirements")
        dists = [d for d in (distribution(m, k) for m, k in named) if d]
        dists = list(dict.fromkeys(d for d in dists if d != source.builder))
        shown = ", ".join([source.builder, *dists])
        wants = requirements.Declared(requirements=tuple(dists),
                                      where=f"{source.relative()}: {shown}")
        inferred = True
    key = requirements.cache_key(source, wants, extra_packages(source, wants))
    path = cache_root() / f"{source.root.name}-{key}"
    return DocsEnv(_python(path), True, wants.where, path, key, wants=wants, inferred=inferred)


def _here(module: str) -> bool:
    """Importable in this environment (found, not imported)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _python(path: Path) -> Path:
    return path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _uv() -> str:
    try:
        from uv import find_uv_bin
    except ImportError:
        raise DocsError("uv is needed to make the docs environment, and it is not installed",
                        "pip install uv, or set docs_isolation = false to build in this "
                        "environment") from None
    return str(find_uv_bin())


def ensure(env: DocsEnv, source: DocsSource, echo: Echo | None = None) -> DocsEnv:
    """Make the environment unless the cache has it: requirements, then the project.

    The Python is the one Read the Docs is told to use (``build.tools.python``) when it is
    installed, else this one. Requirements that need a newer Python (a Sphinx that needs
    3.12) get an environment on a Python that satisfies them: one a version manager
    installed (see :mod:`release_tasks.docs.pythons`), else one uv finds or provides.
    """
    if not env.isolated or env.cached:
        return env
    assert env.path is not None
    wants = env.wants
    tmp = env.path.with_name(f".{env.path.name}-{os.getpid()}")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    declared = pythons.readthedocs(source.readthedocs)
    python_request = str(declared or sys.executable)
    tried = {python_request}
    needed = ""
    try:
        while True:
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                _make(tmp, python_request, wants, source, echo)
                break
            except _NeedsPython as e:
                # A path that fails is the one found for the spec: keep naming the spec.
                needed = e.spec if e.spec.startswith((">", "=", "~", "<", "!")) else needed
                installed = pythons.find(needed) if needed else None
                python_request = str(installed) if installed else needed or sys.executable
                if python_request in tried:
                    raise DocsError(
                        f"the docs requirements need Python {needed} (this is "
                        f"{platform.python_version()}), and uv can neither find nor fetch one",
                        f"install one (uv python install '{needed}'), or pin versions that "
                        "support this Python in the docs requirements") from None
                tried.add(python_request)
        (tmp / MARKER).write_text(env.why + "\n", encoding="utf-8")
        if env.path.exists():  # made meanwhile by another release: keep that one
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, env.path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dataclasses.replace(env, made_now=True)


class _NeedsPython(Exception):
    def __init__(self, spec: str) -> None:
        super().__init__(spec)
        self.spec = spec


def _make(tmp: Path, python_request: str, wants: requirements.Declared, source: DocsSource,
          echo: Echo | None) -> None:
    uv = _uv()
    python = _python(tmp)
    # Relocatable: it is made beside its place and moved there whole, and the scripts in
    # its bin/ (on the PATH while the docs build) must still run from there.
    try:
        _uv_run([uv, "venv", "-q", "--relocatable", "--python", python_request,
                 "--python-preference", "system", str(tmp)], source.root, echo)
    except DocsError:
        if python_request == sys.executable:
            raise
        raise _NeedsPython(python_request) from None
    with _clean_copy(source.root) as copy:
        # Requirements first, the project over them: a lock file that pins the
        # project's own older version must not decide which version the docs describe.
        files = [a for f in wants.files for a in ("-r", f.relative_to(source.root).as_posix())]
        _uv_run([uv, "pip", "install", "--python", str(python), *files, *wants.requirements,
                 *extra_packages(source, wants)], copy, echo, source.root, resolving=True)
        extras = f"[{','.join(wants.extras)}]" if wants.extras else ""
        _uv_run([uv, "pip", "install", "--python", str(python), f"{copy}{extras}"],
                copy, echo, source.root, resolving=True)


@contextlib.contextmanager
def _clean_copy(root: Path) -> Iterator[Path]:
    """A clone of the committed tree (with its tags), so that installing the project
    (``-e .`` lines, ``.[docs]``) never writes egg-info or build/ into the work tree."""
    with tempfile.TemporaryDirectory(prefix="release-tasks-docs-") as tmp:
        copy = Path(tmp) / root.name
        proc = processes.run(["git", "clone", "-q", "--shared", str(root), str(copy)],
                             capture_output=True, text=True)
        if proc.returncode != 0:  # not a git checkout (or no commit yet): use it as it is
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git", "build", "dist"))
        yield copy


def install_project(env: DocsEnv, what: Path, name: str, root: Path,
                    echo: Echo | None = None) -> None:
    """The wheel this release built (or the work tree) over the cached environment.

    ``--reinstall-package`` rather than ``--reinstall``: the latter refreshes every cached
    package and so asks the index again for each one.
    """
    if not env.isolated:
        return
    _uv_run([_uv(), "pip", "install", "--python", str(env.python), "--no-deps",
             "--reinstall-package", name, str(what)], root, echo)


def _uv_run(cmd: list[str], cwd: Path, echo: Echo | None, root: Path | None = None, *,
            resolving: bool = False) -> None:
    """``cmd``, its failure as one line; ``resolving``: a resolution that only a newer
    Python satisfies raises :class:`_NeedsPython`, for :func:`ensure` to try one."""
    import shlex

    if echo:
        echo("$ " + shlex.join(cmd))
    env = {**os.environ}
    env.pop("VIRTUAL_ENV", None)
    proc = processes.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        newer = re.findall(r"(?:does not satisfy|requires) Python\s*>=\s*([\d.]+)",
                           re.sub(r"\s+", " ", proc.stderr))
        versions = sorted(v for v in (tuple(int(n) for n in x.split(".") if n) for x in newer)
                          if v > sys.version_info[:len(v)])
        if versions and resolving:  # the oldest Python that some allowed version accepts
            raise _NeedsPython(f">={'.'.join(map(str, versions[0]))}")
        detail = uv_error(proc.stderr, cwd)
        if root is not None:
            detail = detail.replace(f"{root}{os.sep}", "")
        raise DocsError(f"cannot make the docs environment: {detail}",
                        "fix the docs requirements, or set docs_isolation = false "
                        "(or --skip-docs)")


def uv_error(stderr: str, root: Path) -> str:
    """uv's own error, made one line: the cause, and the requirements file's line."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).rstrip() for line in stderr.splitlines()]
    lines = [line for line in lines if line.strip()
             and not line.startswith(("Using ", "Resolved "))]
    picked = [line.strip() for line in lines if line.strip().startswith(
        ("error:", "cause:", "×", "╰─▶", "Caused by:"))]
    text = ": ".join(line.removeprefix("error:").removeprefix("cause:").strip(" ×╰─▶")
                    for line in picked or [x.strip() for x in lines[-3:]])
    where = re.search(r"in `([^`]+)` at position (\d+)", text)
    if where:  # uv counts characters; people count lines
        path = root / where.group(1)
        try:
            content = path.read_text(encoding="utf-8")
        except OSError:
            content = ""
        offset = int(where.group(2))
        number = content[:offset].count("\n") + 1
        bad = content[offset:].split("\n", 1)[0] if content else ""
        bad = content.splitlines()[number - 1] if content and not bad.strip() else bad
        text = text.replace(where.group(0), f"in {where.group(1)}, line {number}")
        text = f"{text} (the line: {bad.strip()})" if bad.strip() else text
    text = re.sub(r"\s+", " ", text.replace(f"{root}{os.sep}", "").replace(str(root), "."))
    return text.strip()[:300] or "uv failed"


@dataclass(frozen=True)
class Missing:
    module: str
    by: str
    kind: str = ""

    @property
    def package(self) -> str:
        return distribution(self.module, self.kind) or self.module.split(".")[0]


def path_env(env: DocsEnv) -> dict[str, str]:
    """``PATH`` with the environment's scripts first: what conf.py and hooks run is there."""
    return {"PATH": f"{env.bin}{os.pathsep}{os.environ.get('PATH', '')}"}


def probe(env: DocsEnv, source: DocsSource) -> list[Missing]:
    """Load the docs' config in ``env`` and import what it names; raise if the config fails."""
    return start_probe(env, source)()


def start_probe(env: DocsEnv, source: DocsSource,
                runner: Runner | None = None) -> Callable[[], list[Missing]]:
    """:func:`probe`, started: the probe runs beside whatever comes next; calling what this
    returns waits for it and gives (or raises) what :func:`probe` would. With ``runner``
    (the docs builder started early), in a fork of it: its interpreter and Sphinx are
    loaded; else, or when that cannot be, as a process of its own."""
    # Run as -c, like `python -m sphinx`: the docs folder first on sys.path, not ours.
    script = Path(__file__).with_name("probe.py").read_text(encoding="utf-8")
    argv = [source.builder, str(source.config)]
    plain = PlainRunner(env.python, env=path_env(env))
    started = (runner.check(script, argv, source.dir) if runner is not None else None) or \
        plain.check(script, argv, source.dir)

    def answer() -> list[Missing]:
        done = started()
        if done is None:  # the builder died: a process of its own, then
            done = plain.check(script, argv, source.dir)()
        assert done is not None
        return _probe_result(done, env, source)

    return answer


def _probe_result(proc: subprocess.CompletedProcess[str], env: DocsEnv,
                  source: DocsSource) -> list[Missing]:
    _, marker, payload = proc.stdout.rpartition("@@probe@@")
    if not marker:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise DocsError(f"cannot load {source.relative()} in {env.describe()}: {detail}",
                        "fix it, or --skip-docs")
    result = json.loads(payload)
    error = result.get("error")
    if error:
        where = Path(error["file"])
        shown = source.relative(where) if where.is_absolute() else where.as_posix()
        line = f", line {error['line']}" if error.get("line") else ""
        raise DocsError(f"{source.relative()} fails: {error['message']} ({shown}{line})",
                        "fix it, or --skip-docs")
    broken = result.get("broken") or []
    if broken:
        first = broken[0]
        raise DocsError(f"the docs' {first['by']} ({first['module']}) fails to import in "
                        f"{env.describe()}: {short_paths(first['message'])[:240]}",
                        "pin versions that work together in the docs requirements, "
                        "or --skip-docs")
    return [Missing(m["module"], m["by"], m.get("kind", "")) for m in result["missing"]]



def missing_problem(missing: Missing, env: DocsEnv, source: DocsSource) -> str:
    """The pre-flight line for a module the docs need and the environment lacks."""
    import shlex

    package = shlex.quote(missing.package)
    if env.inferred:
        fix = f"declare {package} in the docs requirements (docs/requirements.txt)"
    elif env.isolated:
        where = env.why.split(" (from ")[0].split(", ")[0]
        declare = f"declare {package} in {where}" if where.endswith(".txt") or " in " in where \
            else f"declare {package} in the docs requirements"
        fix = f"{declare} (pip install {package})"
    elif env.why.startswith("docs_isolation"):
        fix = f"pip install {package}"
    else:
        fix = f"pip install {package}, or declare it in docs/requirements.txt"
    return (f"the docs need {missing.module} ({missing.by} in {source.relative()}), which "
            f"{env.describe()} does not have: {fix}; or release with --skip-docs")
