"""``__version_info__ = (1, 2, 3)`` tuples beside the version: bumped with it. A named
tuple's call (pyparsing's ``version_info(3, 1, 2, "final", 1)``) has its leading numbers
rewritten, the rest (release level, serial) left as written."""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.versioning import pep440
from release_tasks.versioning.base import Found, Place, read_text
from release_tasks.versioning.module import candidates

_TUPLE = re.compile(r"^(__version_info__|VERSION_INFO|version_info)\s*=\s*\(([\d,\s]+)\)", re.M)
_CALL = re.compile(r"^(__version_info__|VERSION_INFO)\s*=\s*[A-Za-z_][\w.]*\(\s*"
                   r"(\d+(?:\s*,\s*\d+)*)\s*,\s*['\"](?:final|alpha|beta|candidate|a|b|rc)"
                   r"['\"]", re.M)


def places(root: Path, current: str) -> list[Place]:
    parsed = pep440.parse(current)
    if parsed is None:
        return []
    found = []
    for rel in candidates(root):
        for name, numbers in _TUPLE.findall(read_text(root / rel)):
            values = tuple(int(n) for n in re.findall(r"\d+", numbers))
            if values == parsed.release:
                found.append(Place(rel, f"{rel} {name}",
                                   search=rf"^({name}\s*=\s*\()[\d,\s]+(\))",
                                   replace=r"\g<1>{new_tuple}\g<2>", regex=True))
        for name, numbers in _CALL.findall(read_text(root / rel)):
            values = tuple(int(n) for n in re.findall(r"\d+", numbers))
            if values == parsed.release:
                found.append(Place(rel, f"{rel} {name}",
                                   search=rf"^({name}\s*=\s*[A-Za-z_][\w.]*\(\s*)"
                                   r"\d+(?:\s*,\s*\d+)*",
                                   replace=r"\g<1>{new_tuple}", regex=True))
    return found


class VersionInfo:
    name = "__version_info__ tuple"

    def detect(self, root: Path) -> bool:
        return True

    def read(self, root: Path, current: str) -> Found:
        return Found(current, self.name, places(root, current))


SOURCE = VersionInfo()
