"""setuptools' setup.cfg: ``version = attr: pkg.__version__`` (followed to its file) or a
literal ``version = 1.2.3`` under ``[metadata]``."""

from __future__ import annotations

from pathlib import Path

from release_tasks.core.config import setup_cfg
from release_tasks.versioning.base import Found, Place
from release_tasks.versioning.files import FileSource
from release_tasks.versioning.pyfile import module_file, read_assignment


def _version_option(root: Path) -> str | None:
    parser = setup_cfg(root)
    if parser is None or not parser.has_option("metadata", "version"):
        return None
    return parser.get("metadata", "version").strip()


class SetupCfg(FileSource):
    name = "setup.cfg version"

    def detect(self, root: Path) -> bool:
        value = _version_option(root)
        if value is None:
            return False
        if value.startswith("attr:"):
            dotted = value[5:].strip().rsplit(".", 1)[0]
            return module_file(root, dotted) is not None
        return not value.startswith("file:")

    def read(self, root: Path) -> Found:
        value = _version_option(root) or ""
        if value.startswith("attr:"):
            dotted, attribute = value[5:].strip().rsplit(".", 1)
            rel = module_file(root, dotted)
            assert rel is not None
            return read_assignment(root, rel, "setup.cfg version = attr:", names=(attribute,))
        return Found(value, "setup.cfg [metadata] version", [Place(
            "setup.cfg", "setup.cfg [metadata] version",
            search=r"^(version\s*=\s*){current_version}\s*$", replace=r"\g<1>{new_version}",
            regex=True)])


SOURCE = SetupCfg()
