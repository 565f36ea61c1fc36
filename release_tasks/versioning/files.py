"""The shared ``write`` of every source whose version lives in files."""

from __future__ import annotations

from pathlib import Path

from release_tasks.versioning.base import Found
from release_tasks.versioning.scheme import write_places


class FileSource:
    """A source whose version is written in files: ``write`` goes through bump-my-version."""

    name = "files"

    def write(self, root: Path, found: Found, new: str) -> list[str]:
        return write_places(root, found.current, new, found.places)
