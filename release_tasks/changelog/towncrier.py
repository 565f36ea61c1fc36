"""towncrier projects: the section is rendered by towncrier itself from the news fragments.

So the project's own template, title format, fragment types and issue links apply, exactly
as ``towncrier build`` would write them. Its configuration is read with towncrier's own
loader (``[tool.towncrier]`` in pyproject.toml, or towncrier.toml); the build runs as
``python -m towncrier build --keep``, and the fragments are then deleted here so that the
history commit takes their removal and a rollback (``git reset --keep`` or checkout of
HEAD) brings them back.

towncrier is always told the name and version (``--name``, ``--version``), so it never
imports the checkout's package to learn them; the name is the one towncrier itself would
use (its ``name``, else ``[project] name``, else its ``package`` titled). ``--notes`` become
one more fragment (see :mod:`release_tasks.changelog.newsfragments` for its type and issue);
with neither notes nor fragments, each commit since the last release becomes one. The
pre-flight renders ``towncrier build --draft`` with them in a copy of the towncrier files,
so a template that cannot take them stops the release before anything changes.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from release_tasks.changelog import newsfragments
from release_tasks.changelog.base import Entry, Format
from release_tasks.core import processes
from release_tasks.core.errors import HistoryError, UnsafePath
from release_tasks.vcs import paths

NOTES_FRAGMENT = "release-notes"  # after the project's orphan prefix: +release-notes.feature


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


def _in_tree(root: Path, config: Any) -> Path:
    """The fragment folder inside the work tree (this release's fragments are made there,
    the others deleted), each fragment and the news file tracked files of it: a folder or
    file linked elsewhere is refused (see vcs/paths.py)."""
    folder = fragment_dir(root, config)
    inside = paths.folder_in_tree(root, folder) if os.path.lexists(folder) \
        else paths.creatable_in_tree(root, folder)
    paths.creatable_in_tree(root, root / config.filename)
    paths.writable_files(root, fragments(root, config) if folder.is_dir() else [])
    return root / inside


def written_version(news: Path, own_title: str, entry: Entry) -> str:
    """The version as the news file writes it. Maintainers who run ``towncrier build
    --version v1.2.3`` leave headings that carry the tag's prefix (``## v7.6.1``) while
    the title format writes the bare ``{version}``: the new heading gets that prefix too,
    unless the title format or template adds it itself."""
    previous, tag = entry.previous_version, entry.previous_tag
    if not previous or not tag or tag == previous or not tag.endswith(previous):
        return entry.version
    prefix = tag[:-len(previous)]
    try:
        text = news.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return entry.version
    bare = re.compile(rf"(?<![\d.]){re.escape(previous)}(?![\w]|\.\d)")
    first = next((line for line in text.splitlines() if bare.search(line)), "")
    tagged = re.search(rf"(?<![\w.]){re.escape(tag)}(?![\w]|\.\d)", first)
    adds_prefix = re.search(re.escape(prefix) + r"\{\{?\s*(?:version|versiondata)", own_title)
    return prefix + entry.version if tagged and not adds_prefix else entry.version


def _own_title(config: Any) -> str:
    """What writes the heading: the title format and a template of the project's own."""
    title = config.title_format or ""
    if isinstance(config.template, str) and Path(config.template).is_file():
        title += Path(config.template).read_text(encoding="utf-8", errors="replace")
    return title


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
        existing = fragments(root, config) if folder.is_dir() else []
        if entry.notes is None and not existing and not entry.commits:
            first = newsfragments.choose_type(newsfragments.types_of(config), None, None)
            return [f"no news fragments in {_shown(root, folder)}/ to release (add one such "
                    f"as {_shown(root, folder)}/123.{first}.md, or pass --notes)"]
        try:
            _in_tree(root, config)
        except UnsafePath as e:
            return [str(e)]
        try:
            self._draft_in_copy(root, config, entry)
        except HistoryError as e:
            return [str(e)]
        return []

    def _ours(self, root: Path, config: Any, entry: Entry) -> list[newsfragments.Fragment]:
        """The fragments this release adds: the notes, or the commits' draft."""
        types = newsfragments.types_of(config)
        if entry.notes is not None:
            return [newsfragments.from_notes(entry.notes, types, entry.fragment_type)]
        if fragment_dir(root, config).is_dir() and fragments(root, config):
            return []
        return newsfragments.from_commits(entry.commits, types, entry.fragment_type)

    def _draft_in_copy(self, root: Path, config: Any, entry: Entry) -> str:
        """``towncrier build --draft`` with this release's fragments, in a copy of what
        towncrier reads (its config, template, fragments and news file): the checkout is
        left as it is."""
        with tempfile.TemporaryDirectory(prefix="release-tasks-towncrier-") as tmp:
            copy = Path(tmp)
            wanted = [root / n for n in ("pyproject.toml", "towncrier.toml", ".towncrier.toml")]
            wanted.append(root / config.filename)
            if isinstance(config.template, str):
                wanted.append(Path(config.template))
            for source in wanted:
                if source.is_file() and source.resolve().is_relative_to(root.resolve()):
                    target = copy / source.resolve().relative_to(root.resolve())
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
            folder = fragment_dir(root, config)
            mirror = copy / folder.relative_to(root)
            if folder.is_dir():
                shutil.copytree(folder, mirror, symlinks=True, dirs_exist_ok=True)
            ours = self._ours(root, config, entry)
            newsfragments.write_all(mirror, ours, config.orphan_prefix + NOTES_FRAGMENT)
            try:
                return self._build(copy, config, entry, draft=True)
            except HistoryError as e:
                if ours and not any(f.issue for f in ours):
                    raise HistoryError(
                        f"{e.message} (with this release's notes as a news fragment)",
                        "if the towncrier template needs an issue number, give it with the "
                        "notes: --notes '#123: what changed'") from None
                raise

    def pending(self, root: Path, path: Path) -> bool:
        config = _config(root)
        return bool(config and fragment_dir(root, config).is_dir() and fragments(root, config))

    def _build(self, root: Path, config: Any, entry: Entry, draft: bool) -> str:
        name = config.name or (config.package.title() if config.package else "")
        version = written_version(root / config.filename, _own_title(config), entry)
        argv = [sys.executable, "-m", "towncrier", "build", "--name", name,
                "--version", version, "--date", entry.date, "--dir", str(root),
                "--draft" if draft else "--keep"]
        proc = processes.run(argv, cwd=root, capture_output=True, text=True)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise HistoryError(f"towncrier build failed: {detail[-1] if detail else ''}",
                               "run `towncrier build --draft` to see why")
        return proc.stdout

    def write(self, root: Path, path: Path, entry: Entry) -> list[str]:
        config = _config(root)
        folder = _in_tree(root, config)
        news = root / paths.creatable_in_tree(root, root / config.filename)
        made_folder = not folder.exists()
        existing = fragments(root, config) if not made_folder else []
        ours = self._ours(root, config, entry)
        entry.drafted = entry.notes is None and bool(ours)
        extra = newsfragments.write_all(folder, ours, config.orphan_prefix + NOTES_FRAGMENT) \
            if ours else []
        try:
            self._build(root, config, entry, draft=False)
        finally:
            for fragment in extra:
                fragment.unlink(missing_ok=True)
            if made_folder and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        for fragment in existing:
            fragment.unlink()
        return [_shown(root, news), *(_shown(root, f) for f in existing)]

    def preview(self, root: Path, path: Path, entry: Entry) -> str:
        return self._draft_in_copy(root, _config(root), entry).strip()
