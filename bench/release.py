"""How fast is a release? `fab release` against the same steps by hand and zest.releaser.

    python bench/release.py [--reps 5]

Creates a sample package (setup.py, setup.cfg [bumpversion], HISTORY.rst, Sphinx docs),
starts a local pypiserver and a webhook receiver, then times, alternating within each
repetition so that machine noise hits all of them alike:

  a) `fab release --yes` with docs and Slack, on the default isolated build;
  b) the same steps by hand, as separate commands: bump-my-version, python -m build,
     twine check, twine upload, sphinx-build, copying the docs, posting to the webhook;
  c) zest.releaser's `fullrelease --no-input`, when it is installed (it builds no docs).

Also `fab --list` with `from release_tasks import *` against an empty fabfile, and
`fab release --dry-run`. Prints medians and the ratios a/b, a/c.
"""

from __future__ import annotations

import argparse
import datetime
import os
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

BIN = Path(sys.executable).parent
EDITOR = """#!{python}
import re, sys
path = sys.argv[-1]
text = open(path).read()
text = re.sub(r"(\\d+\\.\\d+\\.\\d+ \\(\\d{{4}}-\\d\\d-\\d\\d\\)\\n\\++\\n)", r"\\1\\n* Faster.\\n",
              text, count=1)
open(path, "w").write(text)
"""


def sample(work: Path, n: int, kind: str, pypi: PyPIServer) -> Path:
    """A fresh cookiecutter-style package named after its run, so runs never collide."""
    folder = work / f"{kind}-{n}"
    folder.mkdir()
    name = f"bench_{kind}_{n}"
    proj = make_project(folder, "cookiecutter", name=name, tool_cfg=f"repository = {pypi.url}\n")
    cfg = proj.read("setup.cfg").replace("build_isolation = false\n", "")
    cfg += "\n[zest.releaser]\ncreate-wheel = yes\npush-changes = no\n"
    proj.write("setup.cfg", cfg)
    proj.write("MANIFEST.in", "include *.rst\nrecursive-include docs *\n")
    if kind == "c":  # zest.releaser starts from its own resting state: a .dev0 version
        for f in ("setup.py", f"{name}/__init__.py"):
            proj.write(f, proj.read(f).replace("0.2.0", "0.2.1.dev0"))
        history = proj.read("HISTORY.rst")
        proj.write("HISTORY.rst", history.replace(
            "0.2.0 (", "0.2.1 (unreleased)\n++++++++++++++++++\n\n* Faster.\n\n0.2.0 (", 1))
    proj.commit("Bench settings")
    return proj.path


def by_hand(proj: Path, env: dict[str, str], receiver: Receiver, site: Path,
            pypi: PyPIServer) -> float:
    """What a person types for the same release, each step its own command."""
    today = datetime.date.today().isoformat()
    history = (
        "import sys; p='HISTORY.rst'; t=open(p).read(); "
        f"title='0.2.1 ({today})'; "
        "i=t.index('0.2.0 ('); open(p,'w').write(t[:i]+title+'\\n'+'+'*len(title)+"
        "'\\n\\n* Faster.\\n\\n'+t[i:])")
    post = ("import json, sys, urllib.request; urllib.request.urlopen(urllib.request.Request("
            f"{receiver.url!r}, json.dumps({{'text': 'Deployed 0.2.1'}}).encode(), "
            "{'Content-Type': 'application/json'}))")
    twine = str(BIN / "twine")
    start = time.perf_counter()
    run(proj, env, [sys.executable, "-c", history])
    run(proj, env, ["git", "commit", "-qam", "Changelog for 0.2.1"])
    run(proj, env, [str(BIN / "bump-my-version"), "bump", "patch"])
    run(proj, env, [sys.executable, "-m", "build", "--outdir", "dist", "."])
    files = sorted(str(p) for p in (proj / "dist").glob("*0.2.1*"))
    run(proj, env, [twine, "check", *files])
    run(proj, env, [twine, "upload", "--repository-url", pypi.url, *files])
    run(proj, env, [sys.executable, "-m", "sphinx", "-b", "html", "-q", "docs", "build/html"])
    run(proj, env, ["cp", "-r", "build/html", str(site / proj.parent.name)])
    run(proj, env, [sys.executable, "-c", post])
    return time.perf_counter() - start


def run(cwd: Path, env: dict[str, str], cmd: list[str]) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed in {cwd}:\n{proc.stdout[-3000:]}")


def timed(cmds: list[list[str]], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    for cmd in cmds:
        run(cwd, env, cmd)
    return time.perf_counter() - start


def check_released(pypi: PyPIServer, receiver: Receiver, site: Path, n: int,
                   zest: bool) -> None:
    """Each contender really did the work: files on the index, docs, a message."""
    files = set(pypi.files())
    for kind in ("a", "b", "c") if zest else ("a", "b"):
        for f in (f"bench_{kind}_{n}-0.2.1.tar.gz", f"bench_{kind}_{n}-0.2.1-py3-none-any.whl"):
            if f not in files:
                raise SystemExit(f"{kind}) did not upload {f}")
    if not (site / f"bench_a_{n}" / "0.2.1" / "index.html").is_file():
        raise SystemExit("a) shipped no docs")
    if not (site / f"b-{n}" / "index.html").is_file():
        raise SystemExit("b) copied no docs")
    texts = " ".join(str(p) for p in receiver.payloads())
    if f"bench_a_{n}" not in texts:
        raise SystemExit("a) told no one")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    zest = shutil.which("fullrelease", path=str(BIN)) or shutil.which("fullrelease")
    work = Path(tempfile.mkdtemp(prefix="release-tasks-bench-"))
    home = work / "home"
    home.mkdir()
    site = work / "site"
    site.mkdir()
    env = {**os.environ, **GIT_ENV, "HOME": str(home), "CI": "true",
           "PATH": f"{BIN}:{os.environ['PATH']}", "TWINE_USERNAME": "u", "TWINE_PASSWORD": "p",
           "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR",
                                           str(Path.home() / ".cache" / "pip"))}
    for var in ("SLACK_WEBHOOK_URL", "NO_COLOR", "XDG_DATA_HOME"):
        env.pop(var, None)
    pypi = PyPIServer(work / "packages")
    receiver = Receiver()
    editor = work / "editor.py"
    editor.write_text(EDITOR.format(python=sys.executable))
    editor.chmod(0o755)
    times: dict[str, list[float]] = {"a: fab release": [], "b: by hand": []}
    if zest:
        times["c: zest.releaser"] = []
    try:
        # One warm-up of each, not counted: fills the pip/uv caches and the OS page cache.
        for n in range(args.reps + 1):
            proj = sample(work, n, "a", pypi)
            a_env = {**env, "EDITOR": str(editor), "SLACK_WEBHOOK_URL": receiver.url,
                     "RELEASE_TASKS_DEBUG": "1"}
            (proj / "setup.cfg").write_text((proj / "setup.cfg").read_text().replace(
                "[release_tasks]\n",
                f"[release_tasks]\ndocs_target = {site}/{{name}}/{{version}}\n"))
            subprocess.run(["git", "commit", "-qam", "docs target"], cwd=proj, env=env,
                           check=True)
            a = timed([[str(BIN / "fab"), "release", "--yes"]], proj, a_env)
            b = by_hand(sample(work, n, "b", pypi), env, receiver, site, pypi)
            c = None
            if zest:
                zproj = sample(work, n, "c", pypi)
                c = timed([[zest, "--no-input"]], zproj,
                          {**env, "TWINE_REPOSITORY_URL": pypi.url})
            check_released(pypi, receiver, site, n, zest is not None)
            if n == 0:
                continue
            times["a: fab release"].append(a)
            times["b: by hand"].append(b)
            if c is not None:
                times["c: zest.releaser"].append(c)
            print(f"rep {n}: " + "  ".join(f"{k.split(':')[0]}={v[-1]:.2f}s"
                                            for k, v in times.items()), flush=True)
        listing = {"fab --list, from release_tasks import *": [], "fab --list, empty fabfile": []}
        empty = work / "empty"
        empty.mkdir()
        (empty / "fabfile.py").write_text("from invoke import task\n\n@task\ndef hello(c):\n"
                                          "    pass\n")
        proj = sample(work, 99, "list", pypi)
        dry: list[float] = []
        for _ in range(max(args.reps, 5) * 2):
            listing["fab --list, from release_tasks import *"].append(
                timed([[str(BIN / "fab"), "--list"]], proj, env))
            listing["fab --list, empty fabfile"].append(
                timed([[str(BIN / "fab"), "--list"]], empty, env))
            dry.append(timed([[str(BIN / "fab"), "release", "--dry-run"]], proj,
                             {**env, "EDITOR": str(editor)}))
    finally:
        pypi.close()
        receiver.close()
    med = {k: statistics.median(v) for k, v in {**times, **listing}.items()}
    print(f"\nmedians over {args.reps} repetitions (machine: {os.cpu_count()} cores)")
    for k, v in med.items():
        print(f"  {k:<42} {v:6.2f} s")
    print(f"  {'fab release --dry-run':<42} {statistics.median(dry):6.2f} s")
    a = med["a: fab release"]
    print(f"\n  a/b = {a / med['b: by hand']:.2f}   (target <= 0.55)")
    if "c: zest.releaser" in med:
        print(f"  a/c = {a / med['c: zest.releaser']:.2f}   (target <= 0.70)")
    ratio = med["fab --list, from release_tasks import *"] / med["fab --list, empty fabfile"]
    print(f"  fab --list ratio = {ratio:.2f}   (target <= 1.15)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
