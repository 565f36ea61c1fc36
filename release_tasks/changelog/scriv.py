"""scriv projects: ``scriv collect`` writes the section from the ``changelog.d`` fragments.

The same treatment as towncrier: scriv itself renders the entry (so the project's
categories, entry title template and format apply), the fragments are deleted in the
history commit and come back on rollback, ``--notes`` become one more fragment. scriv reads
its settings relative to the current directory, so it always runs in a subprocess started
in the project's root, never in this process.
"""

from __future__ import annotations

import configparser
import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from release_tasks.changelog.base import Entry, Format
from release_tasks.core import processes
from release_tasks.core.errors import HistoryError, UnsafePath
from release_tasks.vcs import paths

NOTES_FRAGMENT = "00000000_release_notes"
# Asks scriv (in the project's folder) where things are and what the entry would say.
_QUERY = """
import json, sys
from scriv.scriv import Scriv
s = Scriv()
frags = s.fragments_to_combine()
log = s.changelog()
draft = log.entry_text(s.combine_fragments(frags)) if frags else ""
print(json.dumps({"directory": s.config.fragment_directory, "changelog": s.config.changelog,
                  "format": s.config.format, "skip": s.config.skip_fragments,
                  "fragments": [str(f.path) for f in frags], "draft": draft}))
"""


def configured(root: Path) -> bool:
    """scriv settings: ``[tool.scriv]``, ``[scriv]`` in setup.cfg/tox.ini, or scriv.ini."""
    from release_tasks.core.config import read_toml

    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "scriv" in read_toml(pyproject).get("tool", {}):
        return True
    for name in ("setup.cfg", "tox.ini"):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(root / name, encoding="utf-8")
        except configparser.Error:
            continue
        if parser.has_section("scriv") or parser.has_section("tool.scriv"):
            return True
    return (root / "changelog.d" / "scriv.ini").is_file()


def _run(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return processes.run([sys.executable, *argv], cwd=root, capture_output=True, text=True)


@functools.lru_cache(maxsize=8)
def settings(root: Path) -> dict[str, Any]:
    """scriv's settings for the project (they do not change during a release)."""
    return query(root)


def fragments(root: Path) -> list[Path]:
    """The fragments ``scriv collect`` would take (its own rule: ``*.rst``/``*.md``)."""
    found = settings(root)
    folder = root / found["directory"]
    return sorted(p for pattern in ("*.rst", "*.md") for p in folder.glob(pattern)
                  if not p.relative_to(root).match(found["skip"]))


def query(root: Path) -> dict[str, Any]:
    proc = _run(root, "-c", _QUERY)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise HistoryError(f"scriv cannot read its settings: {detail[-1] if detail else ''}",
                           "fix the [tool.scriv] settings")
    return dict(json.loads(proc.stdout))


def _in_tree(root: Path, found: dict[str, Any]) -> Path:
    """The fragment folder inside the work tree (the notes fragment is made there, the
    fragments are deleted), each fragment and the changelog tracked files of it: a folder
    or file linked elsewhere is refused (see vcs/paths.py)."""
    folder = root / paths.folder_in_tree(root, root / found["directory"])
    paths.creatable_in_tree(root, root / found["changelog"])
    paths.writable_files(root, fragments(root))
    return folder


class Scriv(Format):
    name = "scriv"

    def detect(self, root: Path, path: Path | None) -> bool:
        return configured(root)

    def file(self, root: Path, path: Path | None) -> Path | None:
        return root / settings(root)["changelog"]

    def problems(self, root: Path, path: Path, entry: Entry) -> list[str]:
        try:
            found = settings(root)
        except HistoryError as e:
            return [str(e)]
        folder = found["directory"]
        if not (root / folder).is_dir():
            return [f"scriv's fragment directory {folder} does not exist (create it, or fix "
                    "fragment_directory in the scriv settings)"]
        try:
            _in_tree(root, found)
        except UnsafePath as e:
            return [str(e)]
        if entry.notes is None and not fragments(root):
            return [f"no changelog fragments in {folder}/ to release (`scriv create` makes one, "
                    "or pass --notes)"]
        return []

    def pending(self, root: Path, path: Path) -> bool:
        return (root / settings(root)["directory"]).is_dir() and bool(fragments(root))

    def write(self, root: Path, path: Path, entry: Entry) -> list[str]:
        found = settings(root)
        folder = _in_tree(root, found)
        changelog = paths.creatable_in_tree(root, root / found["changelog"]).as_posix()
        existing = fragments(root)
        extra = None
        if entry.notes:
            extra = folder / f"{NOTES_FRAGMENT}.{found['format']}"
            paths.write_file(extra, entry.notes.strip() + "\n")
        try:
            proc = _run(root, "-m", "scriv", "collect", "--keep", "--no-add", "--no-edit",
                        "--version", entry.version)
        finally:
            if extra is not None:
                extra.unlink(missing_ok=True)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise HistoryError(f"scriv collect failed: {detail[-1] if detail else ''}",
                               "run `scriv collect --keep` to see why")
        for fragment in existing:
            fragment.unlink()
        return [changelog, *(f.relative_to(root).as_posix() for f in existing)]

    def preview(self, root: Path, path: Path, entry: Entry) -> str:
        text = str(query(root)["draft"]).strip()
        return text + ("\n\n(and the given notes)" if entry.notes else "")
