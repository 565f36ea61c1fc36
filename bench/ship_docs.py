"""Benchmark: shipping a 2,000-file docs tree over SSH, one archive versus a copy per file.

    .venv/bin/python bench/ship_docs.py [--files 2000] [--reps 5] [--server openssh|asyncssh|both]
                                        [--dir /dev/shm]

Starts its own SSH server(s) on 127.0.0.1 (tests/sshserver.py: OpenSSH's sshd where
installed, asyncssh's server otherwise or as well) with a throwaway HOME, then ships the
same tree, alternating the methods in every repetition so that drift hits all alike:

- ``ship_docs``: release_tasks.docs.ship_ssh.ship_docs end to end (pack, one connection, put one
  archive, unpack remotely, switch ``latest``);
- ``sftp per file``: one Fabric connection, one SFTP ``put`` per file (what copying a tree
  with Fabric's ``Connection.put`` amounts to);
- ``scp -r``: OpenSSH's client, against sshd.

Prints the median of each method and how many times slower the per-file copies are. The
goal for ship_docs is under 3 s for 2,000 files on loopback.

On loopback a round trip costs almost nothing, so on a slow disk creating 2,000 files
dominates every method alike; ``--dir /dev/shm`` takes the disk out and shows what the
protocol costs. Over a real network each per-file round trip adds the link's latency,
which the single archive pays once.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from release_tasks.core.config import Config  # noqa: E402
from release_tasks.core.release import Release  # noqa: E402
from release_tasks.core.ui import Ui  # noqa: E402
from release_tasks.docs import ship_ssh  # noqa: E402
from release_tasks.pipeline.assembly import assemble  # noqa: E402
from release_tasks.publish import scp  # noqa: E402
from release_tasks.ssh import connection  # noqa: E402
from tests import sshserver  # noqa: E402

GOAL = 3.0


def make_tree(root: Path, files: int) -> tuple[int, int]:
    """A Sphinx-shaped tree: pages, their sources, a search index, static assets."""
    rng = random.Random(1234)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 10)))
             for _ in range(3000)]
    (root / "_static").mkdir(parents=True)
    count = total = 0

    def write(path: Path, text: str) -> None:
        nonlocal count, total
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        count += 1
        total += len(text)

    for name, size in (("basic.css", 15_000), ("alabaster.css", 12_000),
                       ("searchtools.js", 20_000), ("doctools.js", 5_000),
                       ("pygments.css", 5_000), ("searchindex.js", 300_000)):
        write(root / ("" if name == "searchindex.js" else "_static") / name,
              " ".join(rng.choices(words, k=size // 6)))
    page = 0
    while count < files:
        section = f"section{page // 50}"
        text = " ".join(rng.choices(words, k=rng.randint(600, 3000)))
        write(root / section / f"page{page}.html",
              f"<html><head><title>page {page}</title></head><body><p>{text}</p></body></html>")
        if count < files:
            write(root / "_sources" / section / f"page{page}.rst.txt", text[: len(text) // 2])
        page += 1
    return count, total


def ship_archive(rel: Release, html: Path, dest: Path) -> None:
    ship_ssh.ship_docs(rel, html, f"ssh://127.0.0.1{dest}/pkg/1.0.0", None)


def sftp_per_file(html: Path, dest: Path) -> None:
    target = connection.parse(f"ssh://127.0.0.1{dest}", "bench")
    conn = connection.connect(target)
    try:
        sftp = conn.sftp()
        for path in [dest, *[dest / d.relative_to(html) for d in sorted(html.rglob("*"))
                             if d.is_dir()]]:
            scp._makedirs(sftp, str(path))
        for path in sorted(html.rglob("*")):
            if path.is_file():
                sftp.put(str(path), str(dest / path.relative_to(html)))
    finally:
        conn.close()


def scp_recursive(home: Path, html: Path, dest: Path) -> None:
    ssh_dir = home / ".ssh"
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["scp", "-q", "-r", "-F", str(ssh_dir / "config"), "-o", "BatchMode=yes",
                    "-o", f"UserKnownHostsFile={ssh_dir / 'known_hosts'}", str(html),
                    f"127.0.0.1:{dest}"], check=True)


def count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def run(kind: str, work: Path, html: Path, files: int, reps: int) -> dict[str, list[float]]:
    home = work / f"home-{kind}"
    home.mkdir()
    os.environ["HOME"] = str(home)
    server = sshserver.start(kind, home, work / f"sshd-{kind}")
    rel = assemble(work, Config(), Ui(quiet=True), version="1.0.0")
    methods: dict[str, Callable[[Path], Path]] = {
        "ship_docs": lambda d: (ship_archive(rel, html, d), d / "pkg" / "1.0.0")[1],
        "sftp per file": lambda d: (sftp_per_file(html, d), d)[1],
    }
    if shutil.which("scp") and kind == "openssh":
        # Against asyncssh's SFTP server OpenSSH 9's scp copies all but exits 1: sshd only.
        methods["scp -r"] = lambda d: (scp_recursive(home, html, d), d)[1]
    times: dict[str, list[float]] = {name: [] for name in methods}
    try:
        for rep in range(reps):
            order = list(methods)
            if rep % 2:
                order.reverse()
            for name in order:
                dest = work / f"dest-{kind}-{rep}-{name.replace(' ', '-')}"
                started = time.perf_counter()
                landed = methods[name](dest)
                times[name].append(time.perf_counter() - started)
                shipped = count_files(landed)
                if shipped != files:
                    raise SystemExit(f"{name} landed {shipped} files, not {files}")
                shutil.rmtree(dest)
            print(f"  {kind} rep {rep + 1}: " + ", ".join(
                f"{name} {times[name][-1]:.2f}s" for name in methods), flush=True)
    finally:
        server.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--server", choices=("openssh", "asyncssh", "both"), default="both")
    parser.add_argument("--dir", default=None, help="where the trees are written "
                        "(default: the system's temporary folder)")
    args = parser.parse_args()
    kinds = ["openssh", "asyncssh"] if args.server == "both" else [args.server]
    if not sshserver.sshd_available():
        if args.server == "openssh":
            raise SystemExit("OpenSSH sshd is not installed (apt-get install openssh-server)")
        kinds = ["asyncssh"]
    with tempfile.TemporaryDirectory(prefix="bench-ship-docs-", dir=args.dir) as tmp:
        work = Path(tmp)
        html = work / "html"
        files, size = make_tree(html, args.files)
        print(f"docs tree: {files} files, {size / 1e6:.1f} MB in {work.parent}; "
              f"{args.reps} repetitions, methods alternating")
        results = {kind: run(kind, work, html, files, args.reps) for kind in kinds}
    print()
    print(f"{'server':<10} {'method':<15} {'median':>8} {'min':>8} {'max':>8} {'vs ship_docs':>13}")
    failed = False
    for kind, times in results.items():
        base = statistics.median(times["ship_docs"])
        for name, values in times.items():
            median = statistics.median(values)
            ratio = "" if name == "ship_docs" else f"{median / base:.1f}x slower"
            print(f"{kind:<10} {name:<15} {median:>7.2f}s {min(values):>7.2f}s "
                  f"{max(values):>7.2f}s {ratio:>13}")
        failed |= base >= GOAL
    goal = "met" if not failed else "NOT met"
    print(f"\ngoal: ship_docs of {args.files} files under {GOAL:.0f} s on loopback: {goal}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
