"""The shared state of one release: what was asked, what is known, what was done."""

from __future__ import annotations

import datetime
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_tasks.core.config import Config
from release_tasks.core.errors import ReleaseError
from release_tasks.core.journal import Journal
from release_tasks.core.prepared import Prepared
from release_tasks.core.results import Results
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
    discard_journal: bool = False  # set aside a journal that cannot be read


@dataclass
class Report:
    """Pre-flight findings: errors stop the release, warnings are shown."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    # Checks started in the background (a probe process, say), finished by settle().
    pending: list[Any] = field(default_factory=list)

    def later(self, finish: Any) -> None:
        """``finish()`` completes a check that runs beside the others; it is called (and
        what it raises reported) by :meth:`settle`, before anything is decided."""
        self.pending.append(finish)

    def settle(self) -> None:
        while self.pending:
            self.guard(self.pending.pop(0))

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


# How the pipeline works a fact out from the release (see Release._fact).
Resolver = Callable[..., Any]


class Release:
    """Everything the steps share. Expensive facts are computed on first use only."""

    def __init__(self, root: Path, config: Config, ui: Ui, options: Options | None = None,
                 version: str | None = None, facts: Mapping[str, Resolver] | None = None,
                 ) -> None:
        self.root = root
        self._facts: Mapping[str, Resolver] = facts or {}
        self._known: dict[str, Any] = {}
        self.config = config
        self.ui = ui
        self.options = options or Options()
        self._version = version
        self.current: str | None = None
        self.date = datetime.date.today().isoformat()
        self.dist_dir = root / "dist"
        self.dist_before: set[str] | None = None  # dist/ before the build, for the undo
        self.warnings: list[str] = []
        self.history_backup: str | None = None
        self.history_paths: list[str] = []  # what edit_history changed (fragments too)
        self.part_reason: str | None = None  # why --part auto chose the part it did
        # The last release's tag and the commits since, for the history section (edit_history)
        self.history_since: tuple[str | None, list[Any]] | None = None
        self.commits: dict[str, str] = {}  # step name -> the commit it made
        # step name -> (HEAD before its commit, the commit's subject): see CommitStep
        self.commit_bases: dict[str, tuple[str, str]] = {}
        self.crlf_files: set[str] = set()  # files that had CRLF endings before we edited them
        self.tag_created = False
        # A new release (not a resume, not a step alone): its version must be new everywhere.
        self.fresh = False
        self.journal: Journal | None = None
        self._scratch: Path | None = None
        self._export_lock = threading.Lock()
        # What the steps returned (core.results), for the steps that declared they need it.
        self.results = Results()
        self._prepared: dict[str, Prepared] = {}  # started by the engine (Step.prepare)
        # SSH host keys trusted (ssh_trust_unknown_hosts) during this release only, so the
        # upload talks to the host its pre-flight checked: see ssh.connection.PinnedKeys.
        self.host_keys: dict[str, tuple[str, str]] = {}

    # --- facts -----------------------------------------------------------------------------
    # What the project and its config say (the version scheme, the history file, where the
    # release goes): each is worked out by the pipeline's resolver on first use, as most runs
    # need only some of them, and kept. A resolver that raises is asked again next time.

    def _fact(self, key: str) -> Any:
        if key in self._known:
            return self._known[key]
        resolve = self._facts.get(key)
        if resolve is None:
            raise ReleaseError(f"the release cannot tell its {key.replace('_', ' ')}")
        value = self._known[key] = resolve(self)
        return value

    def known(self, key: str) -> Any:
        """A fact already worked out, or None: for messages that must not work it out."""
        return self._known.get(key)

    @property
    def name(self) -> str:
        return str(self._fact("name"))

    @property
    def scheme(self) -> Any:
        return self._fact("scheme")

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

    @property
    def history_path(self) -> Path:
        return Path(self._fact("history_path"))

    @property
    def repo(self) -> Any:
        """Where the release goes: a publish backend, resolved once (it finds the index's
        simple page itself, on first need, and keeps it)."""
        return self._fact("repo")

    @property
    def docs_source(self) -> Any:
        """The docs (Sphinx or MkDocs) and their config file; None when there are none."""
        return self._fact("docs_source")

    @property
    def docs_env(self) -> Any:
        """Which environment builds the docs, and why (not made yet)."""
        return self._fact("docs_env")

    @docs_env.setter
    def docs_env(self, value: Any) -> None:
        self._known["docs_env"] = value

    @property
    def docs_target(self) -> str:
        """Not kept: it expands the version, which a single step may learn late."""
        return str(self._facts["docs_target"](self))

    @property
    def webhook(self) -> str | None:
        value = self._fact("webhook")
        return None if value is None else str(value)

    @property
    def push(self) -> bool:
        return self.options.push if self.options.push is not None else self.config.push

    @property
    def branch(self) -> str | None:
        return git.branch(self.root)

    def pushed_branch(self) -> tuple[str, str] | None:
        """The branch and where it goes on ``remote``: the branch it tracks there (read
        from git, whatever the remote's name), else the same name. None when detached."""
        branch = self.branch
        if branch is None:
            return None
        upstream = git.upstream_of(self.root, branch)
        if upstream is not None and upstream[0] == self.config.remote:
            return branch, upstream[1]
        return branch, branch

    def push_command(self) -> str:
        import shlex

        pushed = self.pushed_branch()
        ref = "HEAD" if pushed is None else pushed[0] if pushed[0] == pushed[1] else \
            f"{pushed[0]}:{pushed[1]}"
        return shlex.join(["git", "push", "--atomic", self.config.remote, ref, self.tag])

    def own_dists(self) -> list[Path]:
        """This version's built files in dist/, whoever recorded them; none if unknown."""
        try:
            return list(self._fact("own_dists"))
        except ReleaseError:
            return []

    def scratch(self) -> Path:
        """This release's one temporary folder; everything temporary goes in it (the tag's
        checkout, staged dists, the build backend's own TMPDIR), so :meth:`cleanup` leaves
        nothing behind in the system temp dir, whatever the outcome."""
        with self._export_lock:
            if self._scratch is None:
                self._scratch = Path(tempfile.mkdtemp(prefix="release-tasks-"))
                self.announce_scratch(self._scratch)
            return self._scratch

    def announce_scratch(self, folder: Path) -> None:
        """Record a temporary folder of ours in the journal: if the release is killed, the
        next command (release, --resume or rollback) removes it."""
        if self.journal is not None:
            self.journal.announce(scratch=str(folder))

    def export(self) -> Path:
        """The tagged tree (a checkout with git metadata), in a folder of its own for each
        caller: the dist build writes into its tree (egg-info, build/) while the docs build
        imports from another, and a failed checkout never leaves a folder in the way of
        the next one."""
        folder = Path(tempfile.mkdtemp(prefix="src-", dir=self.scratch())) / "src"
        return Path(self._facts["checkout"](self, folder))

    def own_prepared(self, prepared: Prepared) -> None:
        self._prepared[prepared.name] = prepared

    def has_prepared(self, name: str) -> bool:
        return name in self._prepared

    def peek_prepared(self, name: str) -> Any:
        """What the engine started early for step ``name``, lent to its check (None if
        nothing): the step's run still takes it."""
        prepared = self._prepared.get(name)
        return None if prepared is None else prepared.peek()

    def take_prepared(self, name: str) -> Any:
        """What the engine started early for step ``name`` (None if nothing): the step
        owns it from now on."""
        prepared = self._prepared.pop(name, None)
        return None if prepared is None else prepared.take()

    def cleanup(self) -> None:
        while self._prepared:
            self._prepared.popitem()[1].close()
        with self._export_lock:
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
