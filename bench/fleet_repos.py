"""Benchmark: the upload step to 3 repositories against 1, in one run.

    .venv/bin/python bench/fleet_repos.py [--reps 5] [--size-mb 1] [--latency-ms 0]

Starts three real pypiserver indexes on 127.0.0.1 (tests/servers.py) and runs the upload
step itself (``steps.upload.Upload.run``: the pre-upload listing, the upload, the read-back
of each index's simple page) with ``repository`` set to the first index alone, then to all
three (and to all three one at a time, for comparison). Every repetition uploads a new
version (an index never takes a file twice), and the runs alternate so that drift hits
them alike. Prints the median of each and the ratio; the aim is 3 repositories in at most
1.5x the time of one, which holds when they are worked on side by side rather than one
after another. ``--latency-ms`` puts a proxy before each index that holds every request
that long: on loopback the indexes' own work (parsing and writing the upload) competes for
the machine's cores, while over a network the waiting dominates.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.server
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from release_tasks.core.config import Config  # noqa: E402
from release_tasks.core.release import Options, Release  # noqa: E402
from release_tasks.core.results import Built  # noqa: E402
from release_tasks.core.ui import Ui  # noqa: E402
from release_tasks.pipeline.assembly import FACTS  # noqa: E402
from release_tasks.publish import fleet  # noqa: E402
from release_tasks.steps.upload import Upload  # noqa: E402
from tests.servers import PyPIServer, Served, forward  # noqa: E402

GOAL = 1.5
# "three in turn": the same three with one worker, to show what side by side saves.
KINDS = ("one", "three", "three in turn")
NAME = "benchpkg"


def make_wheel(folder: Path, version: str, size: int) -> Path:
    """A valid pure-Python wheel carrying ``size`` bytes of incompressible data."""
    info = f"{NAME}-{version}.dist-info"
    files = {f"{NAME}/__init__.py": b"VALUE = 1\n",
             f"{NAME}/data.bin": os.urandom(size),
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\n"
                                 .encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n"}
    record = []
    for member, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(f"{member},sha256={digest.decode()},{len(data)}")
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = folder / f"{NAME}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for member, data in files.items():
            z.writestr(member, data)
    return path


class Distant(Served):
    """A proxy in front of an index that holds every request ``delay`` seconds before
    passing it on: the round trip of an index across a network, not on loopback."""

    def __init__(self, upstream: str, delay: float) -> None:
        up = urllib.parse.urlsplit(upstream)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _pass(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if size else None
                time.sleep(delay)
                forward(self, up, body)

            do_GET = do_POST = _pass

            def log_message(self, *args: object) -> None:
                pass

        self._serve(Handler)
        self.url = f"http://127.0.0.1:{self.port}/"


class Handle:
    """What the upload step reports its progress to (the UI's step line)."""

    note = ""

    def update(self, text: str) -> None:
        pass


def upload_once(root: Path, repository: str | tuple[str, ...], wheel: Path,
                version: str) -> float:
    facts = {**FACTS, "name": lambda rel: NAME}
    rel = Release(root, Config(repository=repository), Ui(quiet=True), Options(),
                  version=version, facts=facts)
    rel.results.provide(Built((wheel,)))
    started = time.perf_counter()
    Upload().run(rel, Handle())
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="hold each request this long, as a distant index would")
    args = parser.parse_args()
    parallel = fleet.PARALLEL
    with tempfile.TemporaryDirectory(prefix="bench-fleet-repos-") as tmp:
        base = Path(tmp)
        servers = [PyPIServer(base / f"index{n}" / "packages") for n in range(3)]
        proxies = [Distant(s.url, args.latency_ms / 1000) for s in servers] \
            if args.latency_ms else []
        try:
            urls = [p.url for p in proxies] or [s.url for s in servers]
            times: dict[str, list[float]] = {k: [] for k in KINDS}
            for rep in range(args.reps + 1):  # the first of each is a warm-up, not counted
                order = KINDS if rep % 2 else KINDS[::-1]
                for n, kind in enumerate(order):
                    version = f"1.{rep}.{n}"
                    folder = base / "dist" / version
                    folder.mkdir(parents=True)
                    wheel = make_wheel(folder, version, int(args.size_mb * 1024 * 1024))
                    place: str | tuple[str, ...] = urls[0] if kind == "one" else tuple(urls)
                    fleet.PARALLEL = 1 if kind == "three in turn" else parallel
                    took = upload_once(base, place, wheel, version)
                    if rep:
                        times[kind].append(took)
        finally:
            for server in [*proxies, *servers]:
                server.close()
    medians = {k: statistics.median(v) for k, v in times.items()}
    ratio = medians["three"] / medians["one"]
    latency = f", {args.latency_ms:g} ms per request" if args.latency_ms else ", loopback"
    print(f"upload of a {args.size_mb:g} MB wheel{latency}, median of {args.reps}:")
    print(f"  1 repository                  {medians['one']:.3f} s")
    print(f"  3 repositories                {medians['three']:.3f} s")
    print(f"  3 repositories, one at a time {medians['three in turn']:.3f} s "
          f"({medians['three in turn'] / medians['one']:.2f}x)")
    print(f"  ratio 3 : 1                   {ratio:.2f}x (aim: at most {GOAL}x) "
          f"{'ok' if ratio <= GOAL else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
