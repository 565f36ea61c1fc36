"""Sphinx ``conf.py``: literal ``release = "1.2.3"`` and ``version = "1.2"`` (the short
X.Y form too). Only ever bumped along with another source, never a source by itself."""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.versioning import pep440
from release_tasks.versioning.base import Found, Place, read_text

FOLDERS = ("", "docs/", "doc/", "docs/source/", "doc/source/")
_ASSIGN = re.compile(r"""^(release|version)\s*=\s*['"]([^'"]+)['"]""", re.M)


def places(root: Path, current: str) -> list[Place]:
    parsed = pep440.parse(current)
    short = ".".join(str(n) for n in (*parsed.release, 0)[:2]) if parsed else None
    found = []
    for folder in FOLDERS:
        rel = f"{folder}conf.py"
        if not (root / rel).is_file():
            continue
        for name, value in _ASSIGN.findall(read_text(root / rel)):
            field = "version" if value == current else "short" if value == short else None
            if field is None:
                continue
            found.append(Place(rel, f"{rel} {name}",
                               search=rf"^({name}\s*=\s*['\"])" + f"{{current_{field}}}"
                               + r"(['\"])",
                               replace=r"\g<1>" + f"{{new_{field}}}" + r"\g<2>", regex=True))
    return found


class SphinxConf:
    name = "Sphinx conf.py"

    def detect(self, root: Path) -> bool:
        return any((root / f"{folder}conf.py").is_file() for folder in FOLDERS)

    def read(self, root: Path, current: str) -> Found:
        return Found(current, self.name, places(root, current))


SOURCE = SphinxConf()
