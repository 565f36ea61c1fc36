"""towncrier projects: the section is rendered by towncrier itself from the news fragments.

So the project's own template, title format, fragment types and issue links apply, exactly
as ``towncrier build`` would write them. Its configuration is read with towncrier's own
loader (``[tool.towncrier]`` in pyproject.toml, or towncrier.toml); the build runs as
``python -m towncrier build --keep``, and the fragments are then deleted here so that the
history commit takes their removal and a rollback (``git reset --keep`` or checkout of
HEAD) brings them back. ``--notes`` become one more fragment, of the first type.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from release_tasks.changelog.base import Entry, Format
from release_tasks.core.errors import HistoryError

NOTES_FRAGMENT = "+release-notes"


def _config(root: Path) -> Any | None:
    """towncrier's Config for the project, or None when it has no towncrier settings."""
    from release_tasks.core.config import read_toml

    toml = root / "towncrier.toml"
    if not toml.is_file():
        toml = root / "pyproject.toml"
        if not toml.is_file() or "towncrier" not in read_toml(toml).get("tool", {}):
            return None
    from click import ClickException
    from towncrier._settings.load import load_config

    try:
        return load_config(str(root))
    except (ClickException, ValueError) as e:
        message = getattr(e, "message", str(e)).splitlines()[0]
        raise HistoryError(f"the towncrier configuration is invalid: {message}",
                           "fix [tool.towncrier] (see `towncrier check`)") from None


def fragment_dir(root: Path, config: Any) -> Path:
    from towncrier._builder import FragmentsPath

    return Path(FragmentsPath(str(root), config)(""))


def fragments(root: Path, config: Any) -> list[Path]:
    from towncrier._builder import find_fragments

    _, files = find_fragments(str(root), config, strict=False)
    return sorted(Path(name) for name, _category in files)


def _shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


class Towncrier(Format):
    name = "towncrier"

    def detect(self, root: Path, path: Path | None) -> bool:
        try:
            return _config(root) is not None
        except HistoryError:
            return True  # it is configured, only wrongly: problems() says how

    def file(self, root: Path, path: Path | None) -> Path | None:
        config = _config(root)
        return root / config.filename if config is not None else path

    def problems(self, root: Path, path: Path, entry: Entry) -> list[str]:
        try:
            config = _config(root)
        except HistoryError as e:
            return [str(e)]
        folder = fragment_dir(root, config)
        if not folder.is_dir():
            key = "directory" if config.directory else "package"
            return [f"towncrier's fragment directory {_shown(root, folder)} does not exist "
                    f"(create it, or fix {key} in the towncrier config)"]
        if entry.notes is None and not fragments(root, config):
            first = next(iter(config.types), "misc")
            return [f"no news fragments in {_shown(root, folder)}/ to release (add one such "
                    f"as {_shown(root, folder)}/123.{first}.md, or pass --notes)"]
        return []

    def pending(self, root: Path, path: Path) -> bool:
        config = _config(root)
        return bool(config and fragment_dir(root, config).is_dir() and fragments(root, config))

    def _build(self, root: Path, entry: Entry, draft: bool) -> str:
        argv = [sys.executable, "-m", "towncrier", "build", "--version", entry.version,
                "--date", entry.date, "--dir", str(root), "--draft" if draft else "--keep"]
        proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise HistoryError(f"towncrier build failed: {detail[-1] if detail else ''}",
                               "run `towncrier build --draft` to see why")
        return proc.stdout

    def _notes_fragment(self, root: Path, config: Any, notes: str) -> Path:
        first = next(iter(config.types), "misc")
        path = fragment_dir(root, config) / f"{NOTES_FRAGMENT}.{first}"
        path.write_text(notes.strip() + "\n", encoding="utf-8")
        return path

    def write(self, root: Path, path: Path, entry: Entry) -> list[str]:
        config = _config(root)
        news = root / config.filename
        existing = fragments(root, config)
        extra = self._notes_fragment(root, config, entry.notes) if entry.notes else None
        try:
            self._build(root, entry, draft=False)
        finally:
            if extra is not None:
                extra.unlink(missing_ok=True)
        for fragment in existing:
            fragment.unlink()
        return [_shown(root, news), *(_shown(root, f) for f in existing)]

    def preview(self, root: Path, path: Path, entry: Entry) -> str:
        text = self._build(root, entry, draft=True).strip()
        if entry.notes:
            config = _config(root)
            text += (f"\n\n(and the given notes, as a {next(iter(config.types), 'misc')} "
                     "fragment)")
        return text
