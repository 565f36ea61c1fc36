"""The build backend's own metadata of the work tree (its name and version), asked cheaply.

Only the backend knows a version it computes (``__version__`` made from a tuple, a file
read by setup.py), so it is asked through PEP 517 ``prepare_metadata_for_build_wheel``:
in the cached isolated build environment the build itself uses (envcache: made once, then
reused), on a copy of the tracked files (setuptools writes ``*.egg-info`` next to the
sources, and the user's tree is not ours to write in). The answer is kept per digest of
the tracked files' contents, so asking again about the same tree costs one ``git ls-files``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from email.parser import HeaderParser
from pathlib import Path

from release_tasks.core import processes
from release_tasks.core.datadir import cache_dir

_ATTEMPTS = 3  # the backend may ask for more requirements once or twice
_TIMEOUT = 300  # seconds; a backend that hangs cannot tell us anything


def _git(root: Path, *args: str) -> bytes:
    proc = processes.run(["git", "-C", str(root), *args], capture_output=True,
                         stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise OSError(proc.stderr.decode("utf-8", "replace").strip() or "git failed")
    return bytes(proc.stdout)


def tracked(root: Path) -> list[str]:
    return [p for p in _git(root, "ls-files", "-z").decode("utf-8", "replace").split("\0")
            if p and (root / p).is_file()]


def tree_digest(root: Path) -> str:
    """What the backend sees: the index's blobs, plus the content of tracked files changed
    since (the work tree is what is released, and a dirty tree is refused anyway)."""
    digest = hashlib.sha256(_git(root, "ls-files", "-s", "-z"))
    changed = _git(root, "diff", "--name-only", "-z").decode("utf-8", "replace").split("\0")
    for rel in sorted(filter(None, changed)):
        path = root / rel
        digest.update(rel.encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    return digest.hexdigest()[:32]


def _cache_file(root: Path) -> Path:
    return cache_dir() / "metadata" / f"{tree_digest(root)}.json"


def metadata(root: Path, installer_choice: str = "auto") -> dict[str, str] | None:
    """``{"name": ..., "version": ...}`` as the backend builds them, or None when it cannot
    tell (no backend environment can be made, the backend fails). Failures are not kept:
    the next run asks again."""
    try:
        cache = _cache_file(root)
    except OSError:
        return None
    try:
        kept = json.loads(cache.read_text())
        if isinstance(kept, dict) and kept.get("version"):
            return {str(k): str(v) for k, v in kept.items()}
    except (OSError, ValueError):
        pass
    try:
        with tempfile.TemporaryDirectory(prefix="release-tasks-meta-") as tmp:
            found = _ask(root, Path(tmp), installer_choice)
    except Exception:  # any backend or environment failure means: it cannot tell us
        return None
    if found is None:
        return None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f".{cache.name}.{uuid.uuid4().hex}")
        partial.write_text(json.dumps(found))
        os.replace(partial, cache)
    except OSError:
        pass
    return found


def _copy(root: Path, dest: Path) -> None:
    for rel in tracked(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)


def _ask(root: Path, tmp: Path, installer_choice: str) -> dict[str, str] | None:
    from release_tasks.build import envcache
    from release_tasks.build.builder import build_system

    src, out, scratch = tmp / "src", tmp / "meta", tmp / "tmp"
    for folder in (src, out, scratch):
        folder.mkdir()
    _copy(root, src)
    table = build_system(src)
    requires, parts = list(table["requires"]), ["build", table["build-backend"]]
    result_file = scratch / "result.json"
    for _attempt in range(_ATTEMPTS):
        extra = envcache.learned(requires, parts)
        env = envcache.environment([*requires, *extra], key_parts=parts,
                                   installer_choice=installer_choice, tmpdir=scratch)
        variables = {**os.environ, **env.environ(), "TMPDIR": str(scratch),
                     "TEMP": str(scratch), "TMP": str(scratch),
                     "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        cmd = [str(env.python), str(Path(__file__).with_name("hooks.py")), "--metadata",
               table["build-backend"], json.dumps(table.get("backend-path", [])), str(src),
               str(out), str(result_file)]
        proc = processes.run(cmd, cwd=src, capture_output=True, stdin=subprocess.DEVNULL,
                             timeout=_TIMEOUT, env=variables)
        if proc.returncode != 0:
            return None
        result = json.loads(result_file.read_text())
        if "missing" in result:
            envcache.learn(requires, parts, sorted({*extra, *result["missing"]}))
            continue
        text = Path(result["metadata"]).read_text(encoding="utf-8", errors="replace")
        headers = HeaderParser().parsestr(text)
        name, version = headers.get("Name"), headers.get("Version")
        if not version or (version == "0.0.0" and name == "UNKNOWN"):
            return None
        return {"name": str(name or ""), "version": str(version)}
    return None
