"""setup.py: a ``version="1.2.3"`` literal, a ``VERSION = "1.2.3"`` constant it uses, or
the ``__version__`` of a file it ``exec``s (requests' ``__version__.py``)."""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.versioning.base import FileSource, Found, Place, assigned_version, read_text
from release_tasks.versioning.pyfile import read_assignment

_KEYWORD = re.compile(r"""\bversion\s*=\s*(['"])(?P<version>\d[^'"]*)\1""")
_CONSTANT_NAMES = ("VERSION", "version", "__version__")
_JOIN = re.compile(r"""(?:os\.path\.join|Path)\(([^)]*)\)|(['"])([\w./-]+\.py)\2""")


def exec_files(root: Path, text: str) -> list[str]:
    """Python files setup.py reads to ``exec`` (or ``open``) for the version."""
    found = []
    for line in text.splitlines():
        if "exec" not in line and "open(" not in line and "read" not in line:
            continue
        for m in _JOIN.finditer(line):
            if m.group(3):
                candidates = [m.group(3)]
            else:
                literals = re.findall(r"""['"]([\w./-]+)['"]""", m.group(1))
                candidates = ["/".join(literals)] if literals else []
            for rel in candidates:
                if rel.endswith(".py") and (root / rel).is_file() and rel != "setup.py":
                    found.append(rel)
    return sorted(set(found))


class SetupPy(FileSource):
    name = "setup.py version"

    def detect(self, root: Path) -> bool:
        try:
            self.read(root)
        except (LookupError, OSError):
            return False
        return True

    def read(self, root: Path) -> Found:
        path = root / "setup.py"
        if not path.is_file():
            raise LookupError("no setup.py")
        text = read_text(path)
        m = _KEYWORD.search(text)
        if m:
            return Found(m.group("version"), "setup.py version=", [Place(
                "setup.py", "setup.py version=",
                search=r"(\bversion\s*=\s*['\"]){current_version}(['\"])",
                replace=r"\g<1>{new_version}\g<2>", regex=True)])
        constant = assigned_version(text, _CONSTANT_NAMES)
        if constant and re.match(r"\d", constant):
            found = read_assignment(root, "setup.py", "setup.py", names=_CONSTANT_NAMES)
            found.label = "setup.py " + found.places[0].label.split(" ", 1)[1]
            return found
        for rel in exec_files(root, text):
            if assigned_version(read_text(root / rel)):
                return read_assignment(root, rel, "setup.py exec", names=("__version__",))
        raise LookupError("no literal version in setup.py")


SOURCE = SetupPy()
