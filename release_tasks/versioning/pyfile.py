"""A Python file that assigns the version: shared by the hatch, pdm, flit, setup.cfg
``attr:`` and package-file sources, which differ only in how they find that file."""

from __future__ import annotations

from pathlib import Path

from release_tasks.core.errors import VersionError
from release_tasks.versioning.base import Found, assigned_version, assignment_place, read_text

NAMES = ("__version__", "VERSION", "version")


def read_assignment(root: Path, rel: str, label: str, names: tuple[str, ...] = NAMES) -> Found:
    path = root / rel
    if not path.is_file():
        raise VersionError(f"{label} points to {rel}, which does not exist",
                           "fix the path, or set the version elsewhere")
    text = read_text(path)
    place = assignment_place(rel, text, names)
    current = assigned_version(text, names)
    if place is None or current is None:
        imported = _imported_from(root, rel, text, names)
        if imported is not None and imported != rel:
            found = read_assignment(root, imported, imported, names)
            return Found(found.current, f"{label} → {found.label}", found.places)
        raise VersionError(f"{rel} ({label}) has no literal {' or '.join(names)} = \"X.Y.Z\"",
                           "assign the version as a string literal there")
    return Found(current, place.label if label == rel else f"{label} → {place.label}",
                 [place])


def _imported_from(root: Path, rel: str, text: str, names: tuple[str, ...]) -> str | None:
    """The file a ``from ._version import __version__`` in ``rel`` takes the version from."""
    import re

    wanted = "|".join(re.escape(n) for n in names)
    match = re.search(rf"^from\s+(\.*)([\w.]*)\s+import\s+[^\n]*\b(?:{wanted})\b", text, re.M)
    if match is None:
        return None
    dots, module = match.group(1), match.group(2)
    if not dots:
        return module_file(root, module) if module else None
    package = Path(rel).parent
    for _ in range(len(dots) - 1):
        package = package.parent
    target = package / module.replace(".", "/") if module else package
    for candidate in (f"{target.as_posix()}.py", f"{target.as_posix()}/__init__.py"):
        if (root / candidate).is_file():
            return candidate
    return None


def module_file(root: Path, dotted: str) -> str | None:
    """``pkg.mod`` → ``pkg/mod.py`` or ``pkg/mod/__init__.py``, under the root or src/."""
    parts = dotted.split(".")
    for base in ("", "src/"):
        for candidate in (base + "/".join(parts) + ".py", base + "/".join(parts) + "/__init__.py"):
            if (root / candidate).is_file():
                return candidate
    return None
