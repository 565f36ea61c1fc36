"""How fast is a monorepo's release? ``fab release --changed`` of ten changed packages
against the same ten released one by one with ``fab release --package X``.

    python bench/monorepo.py [--members 10] [--fab PATH]

Makes a uv workspace of ``--members`` packages (setuptools, a static version, a
CHANGES.rst; each one tagged as released, then changed), twice: one copy is released in
one run, the other package by package, one run after the other; a third copy times a
single package's release. Everything goes to the embedded default index, in a temporary
HOME. Prints the times and the ratios (the aim: the whole run within 3x one package).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.projects import GIT_ENV  # noqa: E402
from tests.test_workspace import ROOT_UV, _member, make_repo  # noqa: E402


def workspace(where: Path, count: int) -> Path:
    where.mkdir(parents=True)
    members = {f"packages/pkg-{i:02d}": _member(f"pkg-{i:02d}", "1.0.0", [])
               for i in range(count)}
    proj = make_repo(where, ROOT_UV, members)
    for folder in members:
        proj.write(f"{folder}/src/{folder.split('/')[1].replace('-', '_')}/change.py", "X = 1\n")
    proj.commit("Change every package")
    return proj.path


def timed(fab: str, cwd: Path, env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    proc = subprocess.run([fab, "release", "--yes", "--notes", "- Changed.", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"fab release {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return elapsed


def _env(where: Path) -> dict[str, str]:
    """A HOME of its own (so its own default index) for each scenario."""
    home = where / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, **GIT_ENV, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    env.pop("SLACK_WEBHOOK_URL", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--fab", default=str(Path(sys.executable).parent / "fab"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-monorepo-") as tmp:
        work = Path(tmp)
        one_repo = workspace(work / "one", args.members)
        one = timed(args.fab, one_repo, _env(work / "one"), "--package", "pkg-00")
        run_repo = workspace(work / "run", args.members)
        together = timed(args.fab, run_repo, _env(work / "run"), "--changed")
        singles_repo = workspace(work / "singles", args.members)
        singles = sum(timed(args.fab, singles_repo, _env(work / "singles"), "--package",
                            f"pkg-{i:02d}") for i in range(args.members))
    print(f"one package (--package)        {one:6.1f} s")
    print(f"{args.members} packages, one run (--changed) {together:6.1f} s")
    print(f"{args.members} packages, one by one          {singles:6.1f} s")
    print(f"--changed / one package          {together / one:5.2f}x (aim: at most 3x)")
    print(f"--changed / one by one           {together / singles:5.2f}x")


if __name__ == "__main__":
    main()
