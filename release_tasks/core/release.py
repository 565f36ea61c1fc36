"""The shared state of one release: what was asked, what is known, what was done."""

from __future__ import annotations

import datetime
import functools
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_tasks.core.config import Config
from release_tasks.core.errors import ReleaseError
from release_tasks.core.journal import Journal
from release_tasks.core.ui import Ui
from release_tasks.vcs import git


@dataclass
class Options:
    """What the user asked for on the command line."""

    part: str | None = None
    new_version: str | None = None
    notes: str | None = None
    notes_file: str | None = None
    dry_run: bool = False
    yes: bool = False
    resume: bool = False
    skip: frozenset[str] = frozenset()
    push: bool | None = None


@dataclass
class Report:
    """Pre-flight findings: errors stop the release, warnings are shown."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        if text not in self.errors:
            self.errors.append(text)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def ok(self, text: str) -> None:
        self.passed.append(text)

    def guard(self, fn: Any, *args: Any) -> Any:
        """Run a check; a ReleaseError it raises becomes a reported problem."""
        try:
            return fn(*args)
        except ReleaseError as e:
            self.error(str(e))
            return None


class Release:
    """Everything the steps share. Expensive facts are computed on first use only."""

    def __init__(self, root: Path, config: Config, ui: Ui, options: Options | None = None,
                 version: str | None = None) -> None:
        self.root = root
        self.config = config
        self.ui = ui
        self.options = options or Options()
        self._version = version
        self.current: str | None = None
        self.date = datetime.date.today().isoformat()
        self.dist_dir = root / "dist"
        self.dists: list[Path] = []
        # Set when the build step ends (built or failed): the docs wait for its wheel.
        self.dists_done = threading.Event()
        self.docs_html: Path | None = None
        self.docs_location: str | None = None
        self.uploaded: list[str] = []
        self.skipped_uploads: list[str] = []
        self.warnings: list[str] = []
        self.history_backup: str | None = None
        self.commits: dict[str, str] = {}  # step name -> the commit it made
        self.tag_created = False
        # A new release (not a resume, not a step alone): its version must be new everywhere.
        self.fresh = False
        self.journal: Journal | None = None
        self._export: Path | None = None
        self._export_lock = threading.Lock()

    # --- facts -----------------------------------------------------------------------------

    @functools.cached_property
    def name(self) -> str:
        from release_tasks.core import project

        return project.name(self.root)

    @functools.cached_property
    def scheme(self) -> Any:
        from release_tasks.versioning import bumpversion as version

        return version.detect(self.root)

    @property
    def version(self) -> str:
        if self._version is None:
            raise ReleaseError("the release version is not known yet")
        return self._version

    @version.setter
    def version(self, value: str) -> None:
        self._version = value

    @property
    def has_version(self) -> bool:
        return self._version is not None

    @property
    def tag(self) -> str:
        return str(self.scheme.tag_name(self.version))

    @functools.cached_property
    def history_path(self) -> Path:
        from release_tasks.changelog import history

        return history.find(self.root, self.config.history_file)

    @functools.cached_property
    def repo(self) -> Any:
        from release_tasks.publish import index

        return index.resolve(self.config.repository, self.config.index_url)

    @functools.cached_property
    def docs_source(self) -> Any:
        """The docs (Sphinx or MkDocs) and their config file; None when there are none."""
        from release_tasks.docs import find

        return find.find(self.root, self.config.docs_dir, self.config.docs_builder)

    @functools.cached_property
    def docs_env(self) -> Any:
        """Which environment builds the docs, and why (not made yet)."""
        from release_tasks.docs import env

        return env.choose(self.docs_source, self.config.docs_isolation)

    @property
    def docs_target(self) -> str:
        from release_tasks.docs import sphinx as docs

        template = self.config.docs_target or docs.default_target()
        return docs.expand(template, self.name, self.version)

    @functools.cached_property
    def webhook(self) -> str | None:
        from release_tasks.notify import slack as notify

        return notify.webhook_url(self.config)

    @property
    def push(self) -> bool:
        return self.options.push if self.options.push is not None else self.config.push

    @property
    def branch(self) -> str | None:
        return git.branch(self.root)

    def push_command(self) -> str:
        branch = self.branch or "HEAD"
        return f"git push --atomic {self.config.remote} {branch} {self.tag}"

    def export(self) -> Path:
        """The tagged tree, exported once and shared by the dist and docs builds."""
        from release_tasks.build.builder import export

        with self._export_lock:
            if self._export is None:
                tmp = Path(tempfile.mkdtemp(prefix="release-tasks-"))
                self._export = export(self.root, self.tag, tmp / "src")
            return self._export

    def cleanup(self) -> None:
        if self._export is not None:
            shutil.rmtree(self._export.parent, ignore_errors=True)
            self._export = None
