"""Finding the history file where projects keep it.

The usual names (history, changes, changelog, news, release-notes, versionhistory,
versions; ``.rst``/``.md``/``.txt``/``.markdown`` or no suffix) are looked for in the
root, ``docs/``, ``doc/``, ``docs/source/`` and, for multi-language doc trees like
FastAPI's ``docs/en/docs/``, a little deeper under ``docs/``. When several exist, the one
whose headings name the current version wins: that is the file releases are written in.
"""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.core.errors import HistoryError

STEMS = ("history", "changes", "changelog", "news", "release-notes", "release_notes",
         "releasenotes", "versionhistory", "versions")
SUFFIXES = ("", ".rst", ".md", ".txt", ".markdown")
FOLDERS = ("", "docs", "doc", "docs/source", "doc/source")
_DEEP = ("docs/*", "docs/*/docs", "docs/en")  # docs/en/docs/release-notes.md and alike
_NAMES = {stem + suffix for stem in STEMS for suffix in SUFFIXES}


def candidates(root: Path) -> list[Path]:
    """Every history-like file, in order of preference (folder, then name)."""
    folders = [root / f for f in FOLDERS]
    for pattern in _DEEP:
        folders += sorted(p for p in root.glob(pattern) if p.is_dir())
    found: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        by_name = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
        for stem in STEMS:
            for suffix in SUFFIXES:
                path = by_name.get(stem + suffix)
                if path is not None and path not in found:
                    found.append(path)
    return found


def _heading_names(text: str, version: str) -> bool:
    """Does a heading-like line (md ``#``, an rst title, ``Version X``, ``**X**``, ``vX``)
    carry ``version``?"""
    lines = text.splitlines()
    pattern = re.compile(rf"(?<![\w.]){re.escape(version)}(?![\w]|\.\d)")
    for i, line in enumerate(lines):
        if not pattern.search(line):
            continue
        stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if stripped.startswith("#") or (nxt and len(set(nxt)) == 1 and nxt[0] in "=-~^*+#`'\""):
            return True
        if re.match(rf"^[*_\[]*(?:version\s+|release\s+|v)?{re.escape(version)}\b", stripped,
                    re.I):
            return True
    return False


def find(root: Path, configured: str | None = None, current: str | None = None) -> Path:
    """The project's history file: ``history_file`` if set, else the best candidate."""
    if configured:
        path = root / configured
        if not path.is_file():
            raise HistoryError(f"history file {configured} (history_file) does not exist",
                               "create it or fix history_file")
        return path
    found = candidates(root)
    if current and len(found) > 1:
        for path in found:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if _heading_names(text, current):
                return path
    if found:
        return found[0]
    raise HistoryError(
        "no history file found (looked for HISTORY, CHANGES, CHANGELOG and NEWS, RELEASE-NOTES "
        "and alike, .rst/.md/.txt, in the root, docs/ and doc/)",
        "create HISTORY.rst or CHANGELOG.md, or set history_file to yours, or release with "
        "--skip-history",
    )
