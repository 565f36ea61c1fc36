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


_SKIP = {".git", ".hg", ".venv", "venv", ".tox", ".nox", "node_modules", "build", "dist",
         "site-packages", "_build", "site", "__pycache__"}
# A toctree or nav entry (its title or its target) that is the project's history.
_HISTORY_ENTRY = re.compile(r"change ?log|changes|history|\bnews\b|release[ _-]?notes|releases"
                            r"|what'?s[ _-]?new", re.I)
_TOCTREE_ENTRY = re.compile(r"^\s+(?:(?P<title>[^<\n]*?)\s*<(?P<target>[^>]+)>"
                            r"|(?P<bare>[^\s:][^\n]*))\s*$")
# A page that only pulls the real file in (``.. include:: ../CHANGES.rst``): not the history.
_INCLUDE_ONLY = re.compile(r"^\s*(\.\. include::|--8<--|```\{include\})", re.M)
_NAV_ENTRY = re.compile(r"^\s*-\s*(?:(?P<title>[^:\n]+):\s*)?(?P<target>[\w./-]+\.md)\s*$")


def docs_folders(root: Path, depth: int = 3) -> list[Path]:
    """Every folder holding a Sphinx ``conf.py`` or an ``mkdocs.yml`` (and the folder
    MkDocs reads), wherever the project keeps its docs (paramiko's ``sites/www``)."""
    found: list[Path] = []

    def walk(folder: Path, left: int) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return
        names = {p.name for p in entries}
        if "conf.py" in names and folder != root:
            found.append(folder)
        if "mkdocs.yml" in names:
            found.append(folder / _mkdocs_dir(folder / "mkdocs.yml"))
        for p in entries:
            if left and p.is_dir() and not p.is_symlink() and p.name not in _SKIP \
                    and not p.name.startswith("."):
                walk(p, left - 1)

    walk(root, depth)
    return [f for f in found if f.is_dir()]


def _mkdocs_dir(config: Path) -> str:
    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "docs"
    m = re.search(r"^docs_dir:\s*['\"]?([^'\"\n#]+?)['\"]?\s*$", text, re.M)
    return m.group(1) if m else "docs"


def _named_in_docs(folder: Path) -> list[Path]:
    """The files a toctree (or an MkDocs nav) names as the history: ``Changelog <changes>``,
    ``release-notes``, ``Release notes: news.md``."""
    found: list[Path] = []
    sources = sorted(folder.glob("*.rst")) + sorted(folder.glob("*.md"))
    nav = folder.parent / "mkdocs.yml"
    for source in [*sources, *([nav] if nav.is_file() else [])]:
        try:
            lines = source.read_text(encoding="utf-8", errors="replace").split("\n")
        except OSError:
            continue
        in_tree = False
        for line in lines:
            if source.name == "mkdocs.yml":
                m = _NAV_ENTRY.match(line)
                target = m and m["target"]
                base = folder
            else:
                if line.strip().startswith(".. toctree::"):
                    in_tree = True
                    continue
                if in_tree and line.strip() and not line[0].isspace():
                    in_tree = False
                m = _TOCTREE_ENTRY.match(line) if in_tree and ":" not in line.strip()[:1] \
                    else None
                target = m and (m["target"] or m["bare"])
                base = folder if target and target.startswith("/") else source.parent
            if not m or not target or not _HISTORY_ENTRY.search(f"{m['title'] or ''} {target}"):
                continue
            stem = base / target.strip().lstrip("/")
            for path in (stem, *(stem.with_name(stem.name + s) for s in (".rst", ".md", ".txt"))):
                if path.is_file() and path not in found:
                    if not _INCLUDE_ONLY.search(path.read_text(encoding="utf-8",
                                                              errors="replace")):
                        found.append(path)
                    break
    return found


def _readme(root: Path) -> Path | None:
    """A README that keeps the changelog as one of its sections."""
    from release_tasks.changelog import history

    for name in ("README.rst", "README.md", "README.markdown", "README.txt", "README"):
        path = root / name
        if path.is_file():
            try:
                if history.has_changelog_section(path):
                    return path
            except HistoryError:
                return None
    return None


def elsewhere(root: Path) -> list[Path]:
    """History files beyond the usual places: in any docs folder, named by the docs'
    toctree, or a README's own "Changelog" section, in that order."""
    found: list[Path] = []
    for folder in docs_folders(root):
        for stem in STEMS:
            for suffix in SUFFIXES:
                path = folder / (stem + suffix)
                if path.is_file() and path not in found:
                    found.append(path)
    for folder in docs_folders(root):
        found += [p for p in _named_in_docs(folder) if p not in found]
    readme = _readme(root)
    return [*found, *([readme] if readme else [])]


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
    found += [p for p in elsewhere(root) if p not in found]
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
