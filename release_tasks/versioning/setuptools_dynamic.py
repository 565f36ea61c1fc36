"""setuptools' pyproject form: ``[tool.setuptools.dynamic] version = {attr = "pkg.__version__"}``
(followed to its file) or ``{file = "VERSION"}`` (a text file that is the version)."""

from __future__ import annotations

from pathlib import Path

from release_tasks.core.errors import VersionError
from release_tasks.versioning.base import Found, Place, read_text
from release_tasks.versioning.files import FileSource
from release_tasks.versioning.gittags import pyproject
from release_tasks.versioning.pyfile import module_file, read_assignment

LABEL = "[tool.setuptools.dynamic] version"


def _entry(root: Path) -> dict:
    data = pyproject(root)
    if "version" not in data.get("project", {}).get("dynamic", []):
        return {}
    entry = data.get("tool", {}).get("setuptools", {}).get("dynamic", {}).get("version", {})
    return entry if isinstance(entry, dict) else {}


def _file(entry: dict) -> str | None:
    files = entry.get("file")
    files = [files] if isinstance(files, str) else files
    return str(files[0]) if isinstance(files, list) and len(files) == 1 else None


class SetuptoolsDynamic(FileSource):
    name = LABEL

    def detect(self, root: Path) -> bool:
        entry = _entry(root)
        if "attr" in entry:
            return module_file(root, str(entry["attr"]).rsplit(".", 1)[0]) is not None
        rel = _file(entry)
        return rel is not None and (root / rel).is_file()

    def read(self, root: Path) -> Found:
        entry = _entry(root)
        if "attr" in entry:
            dotted, attribute = str(entry["attr"]).rsplit(".", 1)
            rel = module_file(root, dotted)
            assert rel is not None
            return read_assignment(root, rel, f"{LABEL} attr", names=(attribute,))
        rel = _file(entry)
        assert rel is not None
        current = read_text(root / rel).strip()
        if not current or "\n" in current:
            raise VersionError(f"{rel} ({LABEL} file) holds more than a version",
                               "keep only the version in it")
        return Found(current, f"{LABEL} file → {rel}",
                     [Place(rel, rel, search="{current_version}")])


SOURCE = SetuptoolsDynamic()
