"""Zero-configuration releases of real PyPI projects: success rate and time per project.

    python bench/realworld.py [--jobs 2] [--docs] [--only NAME ...]

Each project's sdist (downloaded from PyPI once, cached like the tests do) becomes a git
repository tagged at its released version with a one-line fabfile, exactly as in
tests/test_realprojects.py. Then `fab release --yes --skip-docs --notes ...` runs with
nothing else: no config, no flags beyond those. With ``--docs`` the docs are built and
shipped too (to the default local folder), in the environment the project declares or
one inferred from its docs config. A project that fails is tried again with
`--skip-history` to tell "no history file" apart from real failures. Prints one line per
project, the cause of each failure, and the zero-config success rate.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.realworld import GIT_ENV, MORE, PROJECTS, Real, checkout, wheel_version  # noqa: E402


def _bench(name: str, version: str, new: str, tag_prefix: str = "") -> Real:
    """A project released by the benchmark only: its header's source is printed, not
    asserted (the tests' projects assert theirs)."""
    return Real(name, version, new, source="", tag_prefix=tag_prefix)


# Chosen from the most used packages for their variety: every build backend (setuptools
# with setup.py, setup.cfg or pyproject only, hatchling, flit-core, pdm-backend,
# poetry-core), every version source (git tags through setuptools_scm and hatch-vcs,
# static pyproject, hatch and flit module paths, setup.cfg attr:, files read by setup.py,
# computed __version__), towncrier (pytest, pip, attrs, semver), Keep a Changelog, and
# Sphinx or MkDocs docs.
BENCH_ONLY = [
    _bench("pytest", "8.1.1", "8.1.2"),
    _bench("urllib3", "2.2.1", "2.2.2"),
    _bench("pydantic", "2.6.4", "2.6.5", tag_prefix="v"),
    _bench("idna", "3.6", "3.7"),
    _bench("isort", "5.13.2", "5.13.3"),
    _bench("python-dateutil", "2.9.0.post0", "2.9.1"),
    _bench("pycodestyle", "2.11.1", "2.11.2"),
    _bench("mkdocs", "1.5.3", "1.5.4"),
    _bench("charset-normalizer", "3.3.2", "3.3.3"),
    _bench("jinja2", "3.1.3", "3.1.4"),
    _bench("itsdangerous", "2.1.2", "2.1.3"),
    _bench("werkzeug", "3.0.1", "3.0.2"),
    _bench("flask", "3.0.2", "3.0.3"),
    _bench("colorama", "0.4.6", "0.4.7"),
    _bench("tqdm", "4.66.2", "4.66.3", tag_prefix="v"),
    _bench("pyparsing", "3.1.2", "3.1.3"),
    _bench("decorator", "5.1.1", "5.1.2"),
    _bench("toml", "0.10.2", "0.10.3"),
    _bench("platformdirs", "4.2.0", "4.2.1"),
    _bench("filelock", "3.13.1", "3.13.2"),
    _bench("cachetools", "5.3.3", "5.3.4"),
    _bench("more-itertools", "10.2.0", "10.2.1"),
    _bench("zipp", "3.17.0", "3.17.1", tag_prefix="v"),
    _bench("tabulate", "0.9.0", "0.9.1", tag_prefix="v"),
    _bench("termcolor", "2.4.0", "2.4.1"),
    _bench("markdown-it-py", "3.0.0", "3.0.1", tag_prefix="v"),
    _bench("pygments", "2.17.2", "2.18.0"),  # CHANGES names it: "Version 2.18.0 (unreleased)"
    _bench("h11", "0.14.0", "0.14.1", tag_prefix="v"),
    _bench("anyio", "4.3.0", "4.3.1"),
    _bench("python-dotenv", "1.0.1", "1.0.2", tag_prefix="v"),
    _bench("semver", "3.0.2", "3.0.3"),
    _bench("arrow", "1.3.0", "1.3.1"),
    _bench("humanize", "4.9.0", "4.9.1"),
    _bench("markupsafe", "2.1.5", "2.1.6"),
    _bench("pip", "24.0", "24.1"),
]

FAB = str(Path(sys.executable).parent / "fab")
NOTE = "Released by bench/realworld.py."


def release(real: Real, parent: Path, *flags: str, docs: bool = False) -> tuple[int, str, float]:
    home = parent / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **GIT_ENV, "HOME": str(home), "EDITOR": "false",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
           "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"),
           "UV_CACHE_DIR": str(Path.home() / ".cache" / "uv")}
    env.pop("SLACK_WEBHOOK_URL", None)
    path = checkout(real, parent)
    started = time.monotonic()
    skip = [] if docs else ["--skip-docs"]
    proc = subprocess.run([FAB, "release", "--yes", *skip, "--notes", NOTE, *flags],
                          cwd=path, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=900, check=False)
    elapsed = time.monotonic() - started
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        wheels = sorted((path / "dist").glob("*.whl"))
        built = wheel_version(wheels[0]) if wheels else "no wheel"
        if built != real.new:
            return 1, f"built {built}, expected {real.new}", elapsed
    return proc.returncode, out, elapsed


def source_of(out: str) -> str:
    """What the header line says the version came from."""
    match = re.search(r"\(version from (.*)\)$", out.splitlines()[0] if out else "")
    return match.group(1).replace(" (no bumpversion config)", "") if match else "?"


def one(real: Real, docs: bool = False) -> tuple[Real, str, float, str, str]:
    with tempfile.TemporaryDirectory(prefix="realworld-") as tmp:
        code, out, elapsed = release(real, Path(tmp) / "zero", docs=docs)
        source = source_of(out)
        if code == 0:
            return real, "ok", elapsed, "", source
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        detail = " | ".join(line for line in lines
                            if line.startswith("- ") or "failed:" in line)[:300]
        detail = detail or (lines[-1] if lines else f"exit status {code}")
        if "no history file found" in out:
            code2, out2, elapsed2 = release(real, Path(tmp) / "skip", "--skip-history",
                                            docs=docs)
            source = source_of(out2)
            if code2 == 0:
                return real, "ok with --skip-history", elapsed2, detail, source
        return real, "FAILED", elapsed, detail, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--docs", action="store_true", help="build and ship the docs too")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    projects = [p for p in PROJECTS + MORE + BENCH_ONLY if not args.only or p.name in args.only]
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda real: one(real, args.docs), projects))
    print(f"{'project':<22} {'source':<42} {'result':<24} {'time':>6}")
    for real, status, elapsed, why, source in results:
        print(f"{real.id:<22} {source[:42]:<42} {status:<24} {elapsed:>5.1f}s")
        if why and status != "ok":
            print(f"    {why}")
    zero = sum(status == "ok" for _, status, *_ in results)
    flag = sum(status == "ok with --skip-history" for _, status, *_ in results)
    times = [elapsed for _, status, elapsed, *_ in results if status.startswith("ok")]
    print(f"\nzero-config success: {zero}/{len(results)} ({100 * zero / len(results):.0f}%); "
          f"with --skip-history as well: {zero + flag}/{len(results)}")
    if times:
        print(f"time per released project: median {sorted(times)[len(times) // 2]:.1f}s, "
              f"max {max(times):.1f}s (jobs={args.jobs})")


if __name__ == "__main__":
    main()
