"""Benchmark: a 2,000-file docs tree to 1 host and to 10 hosts, in one run.

    .venv/bin/python bench/fleet.py [--files 2000] [--hosts 10] [--reps 3] [--dir /dev/shm]

Starts OpenSSH's sshd on 127.0.0.2 ... 127.0.0.<hosts + 1> (tests/sshserver.py; each its
own host key in a throwaway HOME's known_hosts), then ships the same tree with
release_tasks.docs.fleet (both phases: stage everywhere, switch everywhere) to the first
host alone and to all of them, alternating in every repetition so that drift hits both
alike. Prints the median of each and the ratio; the aim is 10 hosts in at most 1.5x the
time of one (``max_parallel_hosts`` = 8 by default: the tenth host waits for a slot).

Every "host" is this machine, so 10 hosts write 10 trees to one disk: ``--dir /dev/shm``
takes the disk out and shows what the fleet costs in itself.

Other figures (the repositories of a fleet, say) plug in as one more function in
:data:`FIGURES`: it gets the parsed arguments and the started hosts, and returns lines.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ship_docs import make_tree  # noqa: E402

from release_tasks.core.config import Config  # noqa: E402
from release_tasks.core.release import Options  # noqa: E402
from release_tasks.core.ui import Ui  # noqa: E402
from release_tasks.docs import fleet  # noqa: E402
from release_tasks.pipeline.assembly import assemble  # noqa: E402
from tests import sshserver  # noqa: E402

GOAL = 1.5
Figure = Callable[[argparse.Namespace, list[sshserver.OpenSSHServer], Path], list[str]]


def busy_seconds() -> float:
    """CPU seconds this machine has spent busy (every process, every core: the hosts' sshd
    and tar included), from /proc/stat; 0 where there is none."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, *rest = (int(f) for f in fields)
    steal = rest[0] if rest else 0
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def ship_once(work: Path, html: Path, hosts: list[sshserver.OpenSSHServer], rep: int,
              max_parallel: int, cpu: list[float] | None = None) -> float:
    """Seconds to ship ``html`` to every host in ``hosts``, each into a folder of its own
    (and the machine's busy CPU seconds meanwhile, appended to ``cpu``)."""
    root = work / "proj"
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    version = f"1.0.{rep}"
    rel = assemble(root, Config(max_parallel_hosts=max_parallel), Ui(quiet=True),
                   Options(), version=version)
    targets = [(f"ssh://{h.address}{work}/site-{len(hosts)}-{h.address}/pkg/{version}", True)
               for h in hosts]
    start, busy = time.perf_counter(), busy_seconds()
    fleet.ship(rel, html, targets, True, lambda _: None)
    elapsed = time.perf_counter() - start
    if cpu is not None:
        cpu.append(busy_seconds() - busy)
    rel.cleanup()
    return elapsed


def docs_figure(args: argparse.Namespace, hosts: list[sshserver.OpenSSHServer],
                work: Path) -> list[str]:
    """1 host against all of them, alternating."""
    html = work / "html"
    files, size = make_tree(html, args.files)
    times: dict[int, list[float]] = {1: [], len(hosts): []}
    cpu: dict[int, list[float]] = {1: [], len(hosts): []}
    for rep in range(args.reps):
        for count in (1, len(hosts)) if rep % 2 == 0 else (len(hosts), 1):
            times[count].append(ship_once(work, html, hosts[:count], rep, args.max_parallel,
                                          cpu[count]))
        for site in work.glob("site-*"):
            shutil.rmtree(site)
    one, many = statistics.median(times[1]), statistics.median(times[len(hosts)])
    ratio = many / one
    return [f"docs: {files} files ({size / 1e6:.1f} MB), {args.reps} repetitions, "
            f"max_parallel_hosts={args.max_parallel}",
            f"  1 host:   {one:.2f}s (median of {', '.join(f'{t:.2f}' for t in times[1])})",
            f"  {len(hosts)} hosts: {many:.2f}s (median of "
            f"{', '.join(f'{t:.2f}' for t in times[len(hosts)])})",
            f"  ratio:    {ratio:.2f}x ({'within' if ratio <= GOAL else 'over'} the "
            f"{GOAL}x aim); one host after the other would be {len(hosts)}x",
            f"  CPU of the whole machine (the hosts' sshd and tar included): 1 host "
            f"{statistics.median(cpu[1]):.2f}s, {len(hosts)} hosts "
            f"{statistics.median(cpu[len(hosts)]):.2f}s; on {os.cpu_count()} cores, "
            f"{len(hosts)} hosts living on this machine cannot take less than "
            f"{statistics.median(cpu[len(hosts)]) / (os.cpu_count() or 1):.2f}s"]


# One function per figure; the repositories of a fleet add theirs here.
FIGURES: list[Figure] = [docs_figure]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--max-parallel", type=int, default=8)
    parser.add_argument("--dir", default=None, help="where the hosts' folders go")
    args = parser.parse_args()
    if not sshserver.sshd_available():
        print("OpenSSH sshd is not installed (apt-get install openssh-server)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-fleet-", dir=args.dir))
    home = work / "home"
    home.mkdir()
    os.environ["HOME"] = str(home)
    os.environ.pop("SSH_AUTH_SOCK", None)
    hosts = sshserver.start_fleet(home, work / "sshd", args.hosts)
    try:
        for figure in FIGURES:
            for line in figure(args, hosts, work):
                print(line)
    finally:
        for h in hosts:
            h.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
