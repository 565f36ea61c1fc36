"""How fast is a release? `fab release` against the same steps done by hand, two ways.

    python bench/release.py [--reps 3] [--venv PATH]

Installs release_tasks the way users get it (``pip install release_tasks``: no extras)
into a fresh venv (or uses ``--venv``), creates a small package per run (pyproject.toml,
``[tool.bumpversion]``, CHANGELOG.md, Sphinx docs), starts a local pypiserver and a
webhook receiver, then times, alternating within each repetition (and rotating the
order) so that machine noise hits all of them alike:

  a) ``fab release --yes``: history, bump, tag, build, upload, docs, Slack stand-in;
  u) the modern hand path: ``uv version --bump patch``, git commit + tag, ``uv build``,
     ``uv publish``, ``sphinx-build``, copying the docs, ``curl`` to the webhook;
  c) the classic hand path: ``bump-my-version``, ``python -m build``, ``twine check``,
     ``twine upload``, ``sphinx-build``, copying the docs, posting to the webhook.

The first repetition warms the caches and is not counted (so the build environment of
release_tasks is cached from then on, as on a user's second release). Also times
``fab release --dry-run`` and ``fab --list`` with ``from release_tasks import *`` against
an empty fabfile. Prints medians, ratios against the targets, and per-step medians.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.projects import GIT_ENV, make_project  # noqa: E402
from tests.servers import PyPIServer, Receiver  # noqa: E402

EDITOR = """#!{python}
import sys
path = sys.argv[-1]
lines = open(path).read().split("\\n")
at = next(i for i, line in enumerate(lines) if line.startswith("## "))
lines[at + 1:at + 1] = ["", "- Faster."]
open(path, "w").write("\\n".join(lines))
"""
# What a person does to the changelog by hand: the same edit, one command.
HISTORY = ("p = 'CHANGELOG.md'; t = open(p).read(); i = t.index('## 1.4.2'); "
           "open(p, 'w').write(t[:i] + '## 1.4.3 ({today})\\n\\n- Faster.\\n\\n' + t[i:])")
TARGETS = {"a/u": 0.50, "a/c": 0.30, "build": 0.6, "dry": 0.6, "list": 1.05}


class Bench:
    def __init__(self, work: Path, venv: Path, pypi: PyPIServer, receiver: Receiver) -> None:
        self.work, self.pypi, self.receiver = work, pypi, receiver
        self.bin = venv / "bin"
        self.site = work / "site"
        self.site.mkdir(exist_ok=True)
        home = work / "home"
        home.mkdir(exist_ok=True)
        self.env = {**os.environ, **GIT_ENV, "HOME": str(home), "CI": "true",
                    "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
                    "TWINE_USERNAME": "u", "TWINE_PASSWORD": "p",
                    "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR",
                                                    str(Path.home() / ".cache" / "pip")),
                    "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR",
                                                   str(Path.home() / ".cache" / "uv"))}
        for var in ("SLACK_WEBHOOK_URL", "NO_COLOR", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                    "VIRTUAL_ENV", "RELEASE_TASKS_DEBUG", "PYTHONDONTWRITEBYTECODE"):
            self.env.pop(var, None)
        self.editor = work / "editor.py"
        self.editor.write_text(EDITOR.format(python=self.bin / "python"))
        self.editor.chmod(0o755)

    def sample(self, n: int, kind: str) -> Path:
        """A fresh package named after its run, so runs never collide on the index."""
        folder = self.work / f"{kind}-{n}"
        folder.mkdir()
        name = f"bench_{kind}_{n}"
        cfg = (f'repository = "{self.pypi.url}"\n'
               f'docs_target = "{self.site}/{{name}}/{{version}}"\n')
        proj = make_project(folder, "modern", name=name, tool_cfg=cfg)
        proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
            "build_isolation = false\n", ""))
        proj.commit("Bench settings")
        return proj.path

    def run(self, cwd: Path, cmd: list[str], env: dict[str, str] | None = None) -> str:
        proc = subprocess.run(cmd, cwd=cwd, env=env or self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[:3]} failed in {cwd}:\n{proc.stdout[-3000:]}")
        return proc.stdout

    def steps(self, proj: Path, steps: list[tuple[str, list[list[str]]]]) -> dict[str, float]:
        """Run each named group of commands; the time of each, and the total."""
        times: dict[str, float] = {}
        for name, cmds in steps:
            start = time.perf_counter()
            for cmd in cmds:
                self.run(proj, cmd)
            times[name] = time.perf_counter() - start
        times["total"] = sum(times.values())
        return times

    def fab(self, n: int) -> dict[str, float]:
        proj = self.sample(n, "a")
        env = {**self.env, "EDITOR": str(self.editor), "SLACK_WEBHOOK_URL": self.receiver.url}
        start = time.perf_counter()
        out = self.run(proj, [str(self.bin / "fab"), "release", "--yes"], env)
        times = {"total": time.perf_counter() - start}
        line = next((x for x in out.splitlines() if x.strip().startswith("timings")), "")
        for name, secs in re.findall(r"(\w+) ([\d.]+)s", line):
            times[name] = float(secs)
        return times

    def by_uv(self, n: int) -> dict[str, float]:
        proj = self.sample(n, "u")
        # The venv's uv (a dependency of release_tasks), or this interpreter's, for a venv
        # of an older release_tasks that did not bring uv.
        uv = next(str(d / "uv") for d in (self.bin, Path(sys.executable).parent)
                  if (d / "uv").exists())
        today = datetime.date.today().isoformat()
        return self.steps(proj, [
            ("history", [[str(self.bin / "python"), "-c", HISTORY.format(today=today)]]),
            ("bump", [[uv, "version", "--bump", "patch", "--frozen"]]),
            ("commit+tag", [["git", "commit", "-qam", "Release 1.4.3"],
                            ["git", "tag", "-a", "1.4.3", "-m", "1.4.3"]]),
            ("build", [[uv, "build", "-q", "--out-dir", "dist"]]),
            ("upload", [[uv, "publish", "-q", "--publish-url", self.pypi.url, "-u", "u",
                         "-p", "p", "dist/*1.4.3*"]]),
            ("docs", [[str(self.bin / "sphinx-build"), "-b", "html", "-q", "docs",
                       "build/html"],
                      ["cp", "-r", "build/html", str(self.site / proj.parent.name)]]),
            ("notify", [["curl", "-sf", "-X", "POST", "-H", "Content-Type: application/json",
                         "-d", json.dumps({"text": "Deployed 1.4.3"}), self.receiver.url]]),
        ])

    def classic(self, n: int) -> dict[str, float]:
        proj = self.sample(n, "c")
        py = str(self.bin / "python")
        today = datetime.date.today().isoformat()
        files = [f"dist/bench_c_{n}-1.4.3.tar.gz", f"dist/bench_c_{n}-1.4.3-py3-none-any.whl"]
        post = ("import json, urllib.request; urllib.request.urlopen(urllib.request.Request("
                f"{self.receiver.url!r}, json.dumps({{'text': 'Deployed 1.4.3'}}).encode(), "
                "{'Content-Type': 'application/json'}))")
        return self.steps(proj, [
            ("history", [[py, "-c", HISTORY.format(today=today)],
                         ["git", "commit", "-qam", "Changelog for 1.4.3"]]),
            ("bump", [[str(self.bin / "bump-my-version"), "bump", "--commit", "--tag",
                       "patch"]]),
            ("build", [[py, "-m", "build", "--outdir", "dist", "."]]),
            ("upload", [[str(self.bin / "twine"), "check", *files],
                        [str(self.bin / "twine"), "upload", "--repository-url", self.pypi.url,
                         *files]]),
            ("docs", [[str(self.bin / "sphinx-build"), "-b", "html", "-q", "docs",
                       "build/html"],
                      ["cp", "-r", "build/html", str(self.site / proj.parent.name)]]),
            ("notify", [[py, "-c", post]]),
        ])

    def check_released(self, n: int) -> None:
        """Each contender really did the work: files on the index, docs, a message."""
        files = set(self.pypi.files())
        for kind in "auc":
            for f in (f"bench_{kind}_{n}-1.4.3.tar.gz",
                      f"bench_{kind}_{n}-1.4.3-py3-none-any.whl"):
                if f not in files:
                    raise SystemExit(f"{kind}) did not upload {f}")
        docs = [self.site / f"bench_a_{n}" / "1.4.3", self.site / f"u-{n}", self.site / f"c-{n}"]
        for folder in docs:
            if not (folder / "index.html").is_file():
                raise SystemExit(f"no docs in {folder}")
        texts = " ".join(str(p) for p in self.receiver.payloads())
        if f"bench_a_{n}" not in texts or texts.count("Deployed 1.4.3") < 2 * n + 2:
            raise SystemExit("a message is missing")


def default_install(work: Path) -> Path:
    """A venv with ``pip install release_tasks`` and nothing else (uv does the install)."""
    venv = work / "venv"
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    # Byte-compiled, as `pip install` leaves it.
    subprocess.run([uv, "pip", "install", "-q", "--compile-bytecode", "--python",
                    str(venv / "bin" / "python"), str(ROOT)], check=True)
    return venv


def median_steps(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = [k for k in runs[0] if all(k in r for r in runs)]
    return {k: statistics.median(r[k] for r in runs) for k in keys}


def verdict(value: float, target: float) -> str:
    return f"(target <= {target:g}: {'met' if value <= target else 'NOT met'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--venv", type=Path, help="a venv with release_tasks installed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="release-tasks-bench-"))
    venv = args.venv or default_install(work)
    pypi = PyPIServer(work / "packages")
    receiver = Receiver()
    bench = Bench(work, venv, pypi, receiver)
    contenders = {"a: fab release": bench.fab, "u: uv by hand": bench.by_uv,
                  "c: classic by hand": bench.classic}
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in contenders}
    try:
        for n in range(args.reps + 1):
            order = list(contenders)
            order = order[n % 3:] + order[:n % 3]
            result = {k: contenders[k](n) for k in order}
            bench.check_released(n)
            if n == 0:
                continue  # warm-up: caches filled, not counted
            for k, times in result.items():
                runs[k].append(times)
            print(f"rep {n}: " + "  ".join(f"{k.split(':')[0]}={v['total']:.2f}s"
                                            for k, v in result.items()), flush=True)
        listing: dict[str, list[float]] = {"with": [], "empty": []}
        empty = work / "empty"
        empty.mkdir()
        (empty / "fabfile.py").write_text("from invoke import task\n\n\n@task\n"
                                          "def hello(c):\n    pass\n")
        proj = bench.sample(99, "list")
        fab = str(venv / "bin" / "fab")
        dry: list[float] = []
        for _ in range(max(args.reps, 5) * 2):
            for key, where in (("with", proj), ("empty", empty)):
                start = time.perf_counter()
                bench.run(where, [fab, "--list"])
                listing[key].append(time.perf_counter() - start)
            start = time.perf_counter()
            bench.run(proj, [fab, "release", "--dry-run"], {**bench.env,
                                                             "EDITOR": str(bench.editor)})
            dry.append(time.perf_counter() - start)
    finally:
        pypi.close()
        receiver.close()
    med = {k: median_steps(v) for k, v in runs.items()}
    print(f"\nmedians over {args.reps} repetitions (machine: {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f})")
    for k, steps in med.items():
        detail = " · ".join(f"{s} {v:.2f}" for s, v in steps.items() if s != "total")
        print(f"  {k:<22} {steps['total']:6.2f} s   {detail}")
    a = med["a: fab release"]["total"]
    au = a / med["u: uv by hand"]["total"]
    ac = a / med["c: classic by hand"]["total"]
    build = med["a: fab release"].get("build", float("nan"))
    dry_med = statistics.median(dry)
    ratio = statistics.median(listing["with"]) / statistics.median(listing["empty"])
    print(f"\n  a/u = {au:.2f}   {verdict(au, TARGETS['a/u'])}")
    print(f"  a/c = {ac:.2f}   {verdict(ac, TARGETS['a/c'])}")
    print(f"  build step, environment cached = {build:.2f} s   {verdict(build, TARGETS['build'])}")
    print(f"  fab release --dry-run = {dry_med:.2f} s   {verdict(dry_med, TARGETS['dry'])}")
    print(f"  fab --list = {statistics.median(listing['with']):.2f} s vs empty fabfile "
          f"{statistics.median(listing['empty']):.2f} s: ratio {ratio:.2f}   "
          f"{verdict(ratio, TARGETS['list'])}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
