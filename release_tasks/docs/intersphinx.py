"""An intersphinx inventory that cannot be reached: a network condition, not a docs fault.

A strict build (``-W``) fails on every warning, and Sphinx warns when another project's
``objects.inv`` cannot be fetched. That says nothing about the docs being released, so it
alone never fails the build: the inventories Sphinx cached at the last successful build
(kept in the doctrees folder, which is otherwise cleared) are used again, with
``intersphinx_cache_limit = -1`` (public: "cache for ever"); without a cached copy, the
build is what it is without those links. Either way one line says so. Any other warning
still fails a strict build.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

# Where Sphinx (8.2 and later) keeps the raw inventories it fetched, inside the doctrees.
CACHE = "__intersphinx_cache__"
_FAILED = "failed to reach any of the inventories"
_NEEDED = "inventory for external cross-reference not found"
_ONE = re.compile(r"intersphinx inventory '([^']+)' not fetchable")
_UNRESOLVED = re.compile(r"reference target not found: .*\[ref\.\w+\]")

Rerun = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def clear(folder: Path) -> None:
    """Empty ``folder`` for a full build, keeping Sphinx's inventory cache in it."""
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.name == CACHE:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "WARNING" in line]


def unreachable(stderr: str) -> bool:
    """Some inventory could not be fetched."""
    return any(_network(line) for line in _warnings(stderr))


def _network(line: str) -> bool:
    return _FAILED in line or bool(_ONE.search(line))


def _only_network(stderr: str) -> bool:
    """Every warning is an unreachable inventory, or a link that needed one."""
    return all(_network(line) or _NEEDED in line for line in _warnings(stderr))


def others(output: str) -> str:
    """``output`` without the warnings the network caused: the ones that matter (with an
    inventory out of reach, a reference nitpicky found no target for is one of those,
    unless nothing else is left)."""
    kept = [line for line in output.splitlines() if not _network(line) and _NEEDED not in line]
    if unreachable(output):
        fewer = [line for line in kept if not _UNRESOLVED.search(line)]
        kept = fewer if any("WARNING" in line or "ERROR" in line for line in fewer) else kept
    return "\n".join(kept)


def _urls(stderr: str) -> str:
    urls = list(dict.fromkeys(_ONE.findall(stderr)))
    # user:password@ never shown
    shown = [re.sub(r"(?<=://)[^/@\s]+@", "", url) for url in urls]
    return ", ".join(shown) or "an intersphinx inventory"


def without_network(proc: subprocess.CompletedProcess[str], rerun: Rerun, doctrees: Path,
                    outdir: Path, say: Callable[[str], None] | None
                    ) -> subprocess.CompletedProcess[str]:
    """The strict build ``proc`` failed only for unreachable inventories: go on without
    the network, and say how in one line."""
    urls = _urls(proc.stderr)
    cached = doctrees / CACHE
    if cached.is_dir() and any(cached.iterdir()):
        clear(doctrees)
        clear(outdir)
        again = rerun(["-D", "intersphinx_cache_limit=-1"])
        if again.returncode == 0:
            _say(say, f"intersphinx: {urls} unreachable; used the inventories cached by the "
                      "last successful build")
            return again
        proc = again
    if not _only_network(proc.stderr) and _only_unresolved(proc.stderr):
        # nitpicky: each reference the inventory would resolve is a warning of its own.
        clear(doctrees)
        clear(outdir)
        again = rerun(["-D", "nitpicky=0"])
        if _only_network(again.stderr) and (outdir / "index.html").is_file():
            _say(say, f"intersphinx: {urls} unreachable and never cached; built without it "
                      "and without nitpicky's checks, which need it (its links are plain "
                      "text)")
            return subprocess.CompletedProcess(again.args, 0, again.stdout, again.stderr)
        return proc
    if not _only_network(proc.stderr) or not (outdir / "index.html").is_file():
        return proc
    _say(say, f"intersphinx: {urls} unreachable and never cached; built without it (its "
              "links are plain text)")
    return subprocess.CompletedProcess(proc.args, 0, proc.stdout, proc.stderr)


def _only_unresolved(stderr: str) -> bool:
    """Every warning is the network's, or a reference nitpicky found no target for."""
    return all(_network(line) or _NEEDED in line or _UNRESOLVED.search(line)
               for line in _warnings(stderr))


def _say(say: Callable[[str], None] | None, line: str) -> None:
    if say is not None:
        say(line)
