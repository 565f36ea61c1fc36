"""Zero-configuration releases of real PyPI projects: success rate and time per project.

    python bench/realworld.py [--jobs 2] [--only NAME ...]

Each project's sdist (downloaded from PyPI once, cached like the tests do) becomes a git
repository tagged at its released version with a one-line fabfile, exactly as in
tests/test_realprojects.py. Then `fab release --yes --skip-docs --notes ...` runs with
nothing else: no config, no flags beyond those (docs are another concern). A project
that fails is tried again with `--skip-history` to tell "no history file" apart from
real failures. Prints one line per project and the zero-config success rate.
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

FAB = str(Path(sys.executable).parent / "fab")
NOTE = "Released by bench/realworld.py."


def release(real: Real, parent: Path, *flags: str) -> tuple[int, str, float]:
    home = parent / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **GIT_ENV, "HOME": str(home), "EDITOR": "false",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
           "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"),
           "UV_CACHE_DIR": str(Path.home() / ".cache" / "uv")}
    env.pop("SLACK_WEBHOOK_URL", None)
    path = checkout(real, parent)
    started = time.monotonic()
    proc = subprocess.run([FAB, "release", "--yes", "--skip-docs", "--notes", NOTE, *flags],
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


def one(real: Real) -> tuple[Real, str, float, str, str]:
    with tempfile.TemporaryDirectory(prefix="realworld-") as tmp:
        code, out, elapsed = release(real, Path(tmp) / "zero")
        source = source_of(out)
        if code == 0:
            return real, "ok", elapsed, "", source
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        detail = " | ".join(line for line in lines
                            if line.startswith("- ") or "failed:" in line)[:300]
        detail = detail or (lines[-1] if lines else f"exit status {code}")
        if "no history file found" in out:
            code2, out2, elapsed2 = release(real, Path(tmp) / "skip", "--skip-history")
            source = source_of(out2)
            if code2 == 0:
                return real, "ok with --skip-history", elapsed2, detail, source
        return real, "FAILED", elapsed, detail, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    projects = [p for p in PROJECTS + MORE if not args.only or p.name in args.only]
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one, projects))
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
