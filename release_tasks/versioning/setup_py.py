"""setup.py: a ``version="1.2.3"`` literal, a ``VERSION = "1.2.3"`` constant it uses, or
the ``__version__`` of a file it ``exec``s (requests' ``__version__.py``)."""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks.core.project import exec_files
from release_tasks.versioning.base import Found, Place, assigned_version, read_text
from release_tasks.versioning.files import FileSource
from release_tasks.versioning.pyfile import read_assignment

_KEYWORD = re.compile(r"""\bversion\s*=\s*(['"])(?P<version>\d[^'"]*)\1""")
_CONSTANT_NAMES = ("VERSION", "version", "__version__")
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
