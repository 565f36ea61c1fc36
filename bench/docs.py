"""How long do real projects' docs take to build, first (environment made) and cached?

    python bench/docs.py [--reps 3] [--projects blinker,click,pytest-cov,python-dotenv]
                         [--cold-uv]

For each project, its sdist from the package index (cached like the tests' ones) is made a
git checkout, and ``fab build_docs`` is timed twice per repetition:

- first: with an empty release_tasks cache, so the docs environment is made (uv's own
  download cache stays warm unless ``--cold-uv``: that measures making the environment,
  not the network);
- second: the same again, the environment found in the cache: what every later release
  pays (pre-flight import check, the project installed over the environment, the build).

Prints the median of each and the time the cache saves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.projects import GIT_ENV  # noqa: E402
from tests.test_realdocs import checkout  # noqa: E402

FAB = str(Path(sys.executable).parent / "fab")
PROJECTS = {
    "blinker": ("1.8.2", "1.8.2", None),
    "click": ("8.1.7", "8.1.7", None),
    "pytest-cov": ("5.0.0", "v5.0.0", None),
    # Its own pins no longer install a working set; the current releases of the same.
    "python-dotenv": ("1.1.1", "v1.1.1", "mdx_truly_sane_lists==1.3\nmkdocs==1.6.1\n"
                      "mkdocs-material==9.5.44\nmkdocstrings[python]==0.27.0\n"),
}


def timed(path: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run([FAB, "build_docs"], cwd=path, env=env, capture_output=True,
                          text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"fab build_docs failed in {path}:\n{proc.stdout}{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--projects", default=",".join(PROJECTS))
    parser.add_argument("--cold-uv", action="store_true",
                        help="an empty uv cache for each first build (downloads included)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as tmp:
        work = Path(tmp)
        for name in args.projects.split(","):
            version, tag, requirements = PROJECTS[name]

            def refresh(path: Path, text: str | None = requirements) -> None:
                if text:
                    (path / "requirements-docs.txt").write_text(text)

            folder = work / name
            folder.mkdir()
            path = checkout(folder, name, version, tag, edit=refresh)
            first, second = [], []
            for rep in range(args.reps):
                env = {**os.environ, **GIT_ENV, "CI": "true",
                       "XDG_CACHE_HOME": str(work / f"cache-{name}-{rep}")}
                if args.cold_uv:
                    env["UV_CACHE_DIR"] = str(work / f"uv-{name}-{rep}")
                first.append(timed(path, env))
                second.append(timed(path, env))
                print(f"  {name} rep {rep + 1}: first {first[-1]:.1f}s, "
                      f"cached {second[-1]:.1f}s", flush=True)
            rows.append((name, statistics.median(first), statistics.median(second)))
    print(f"\n{'project':<15} {'first':>8} {'cached':>8} {'saved':>8}")
    for name, first_s, second_s in rows:
        print(f"{name:<15} {first_s:>7.1f}s {second_s:>7.1f}s {first_s - second_s:>7.1f}s")


if __name__ == "__main__":
    main()
