"""One release as it runs: its plan (``core.plan``), the results its steps made
(``core.results``), the journal, the UI and what the engine started early."""

from __future__ import annotations

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
from release_tasks.core.plan import Options, Plan
from release_tasks.core.prepared import Prepared
from release_tasks.core.results import Results
from release_tasks.core.ui import Ui
from release_tasks.vcs import git


@dataclass
class Report:
    """Pre-flight findings: errors stop the release, warnings are shown."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    # Checks started in the background (a probe process, say), finished by settle().
    pending: list[Any] = field(default_factory=list)
    # What a check raised that is not a release's problem (checks.preflight raises it).
    raised: BaseException | None = None

    def later(self, finish: Any) -> None:
        """``finish()`` completes a check that runs beside the others; it is called (and
        what it raises reported) by :meth:`settle`, before anything is decided."""
        self.pending.append(finish)

    def settle(self) -> None:
        while self.pending:
            self.guard(self.pending.pop(0))

    def add(self, other: Report) -> None:
        """``other``'s findings after this one's."""
        for text in other.errors:
            self.error(text)
        for text in other.warnings:
            self.warn(text)
        self.passed += other.passed
        self.pending += other.pending

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
    """The run context of one release: the plan it carries out, read-only to the steps
    (its fields are also read as ``rel.version``, ``rel.root``...), and what the steps
    hand on as typed results. Expensive facts are computed on first use only."""

    def __init__(self, root: Path, config: Config, ui: Ui, options: Options | None = None,
                 version: str | None = None, facts: Mapping[str, Resolver] | None = None,
                 ) -> None:
        self.plan = Plan(root, config, options or Options(), version=version)
        self._facts: Mapping[str, Resolver] = facts or {}
        self._known: dict[str, Any] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._locks_lock = threading.Lock()
        self.ui = ui
        self.journal: Journal | None = None
        self._scratch: Path | None = None
        self._export_lock = threading.Lock()
        # What the steps returned (core.results), for the steps that declared they need it.
        self.results = Results()
        self._prepared: dict[str, Prepared] = {}  # started by the engine (Step.prepare)
        # SSH host keys trusted (ssh_trust_unknown_hosts) during this release only, so the
        # upload talks to the host its pre-flight checked: see ssh.connection.PinnedKeys.
        self.host_keys: dict[str, tuple[str, str]] = {}

    def replan(self, **changes: Any) -> None:
        """The pipeline's decisions (the versions, the options...), made before the steps
        run: the plan is replaced, never changed in place."""
        self.plan = self.plan.but(**changes)

    # --- the plan, read as the steps always have ---------------------------------------------

    @property
    def root(self) -> Path:
        return self.plan.root

    @property
    def config(self) -> Config:
        return self.plan.config

    @property
    def options(self) -> Options:
        return self.plan.options

    @property
    def current(self) -> str | None:
        return self.plan.current

    @property
    def date(self) -> str:
        return self.plan.date

    @property
    def part_reason(self) -> str | None:
        return self.plan.part_reason

    @property
    def fresh(self) -> bool:
        return self.plan.fresh

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    # --- facts -----------------------------------------------------------------------------
    # What the project and its config say (the version scheme, the history file, where the
    # release goes): each is worked out by the pipeline's resolver on first use, as most runs
    # need only some of them, and kept. A resolver that raises is asked again next time.

    def _fact(self, key: str, default: Resolver | None = None) -> Any:
        """``key``, worked out once by the pipeline's resolver (else by ``default``)."""
        if key in self._known:
            return self._known[key]
        with self._working_out(key):  # the checks run side by side: each fact once
            if key in self._known:
                return self._known[key]
            resolve = self._facts.get(key, default)
            if resolve is None:
                raise ReleaseError(f"the release cannot tell its {key.replace('_', ' ')}")
            value = self._known[key] = resolve(self)
            return value

    def _working_out(self, key: str) -> threading.RLock:
        """The lock held while ``key`` is worked out (one per fact: facts do not depend on
        each other in a circle, so threads working out different ones never wait in one)."""
        with self._locks_lock:
            return self._locks.setdefault(key, threading.RLock())

    def known(self, key: str) -> Any:
        """A fact already worked out, or None: for messages that must not work it out."""
        return self._known.get(key)

    def learn(self, key: str, value: Any) -> None:
        """A fact a check worked out better than its resolver (the docs environment, made
        now): the plan then shows it."""
        self._known[key] = value

    @property
    def name(self) -> str:
        if self.plan.name is not None:
            return self.plan.name
        return str(self._fact("name"))

    @property
    def scheme(self) -> Any:
        return self._fact("scheme")

    @property
    def version(self) -> str:
        if self.plan.version is None:
            raise ReleaseError("the release version is not known yet")
        return self.plan.version

    @property
    def has_version(self) -> bool:
        return self.plan.version is not None

    @property
    def tag(self) -> str:
        if self.plan.tag is not None:
            return self.plan.tag
        return str(self.scheme.tag_name(self.version))

    @property
    def history_since(self) -> Any:
        """The last release's tag and the commits since, for the history section: worked
        out once, so the check and the run see one history."""
        return self._fact("history_since")

    @property
    def history_path(self) -> Path:
        if self.plan.targets.history_path is not None:
            return self.plan.targets.history_path
        return Path(self._fact("history_path"))

    @property
    def repo(self) -> Any:
        """Where the release goes (the first, when there are several): a publish backend,
        resolved once (it finds the index's simple page itself, on first need, and keeps
        it)."""
        return self._fact("repo")

    @property
    def repos(self) -> list[Any]:
        """Every repository the release goes to, the first being :attr:`repo` (the one the
        install line names): the ``repository`` setting may list several."""
        return list(self._fact("repos"))

    @property
    def docs_source(self) -> Any:
        """The docs (Sphinx or MkDocs) and their config file; None when there are none."""
        return self._fact("docs_source")

    @property
    def docs_env(self) -> Any:
        """Which environment builds the docs, and why (not made yet)."""
        return self._fact("docs_env")

    @property
    def docs_target(self) -> str:
        """Not kept but in the plan: it expands the version, which a single step may learn
        late."""
        if self.plan.targets.docs_target is not None:
            return self.plan.targets.docs_target
        return str(self._facts["docs_target"](self))

    @property
    def docs_targets(self) -> list[str]:
        """Every docs target, expanded (the first is :attr:`docs_target`); not kept either."""
        if self.plan.targets.docs_targets:
            return list(self.plan.targets.docs_targets)
        return [str(t) for t in self._facts["docs_targets"](self)]

    @property
    def webhook(self) -> str | None:
        value = self._fact("webhook")
        return None if value is None else str(value)

    @property
    def push(self) -> bool:
        return self.options.push if self.options.push is not None else self.config.push

    # What git says about the work tree does not change during a release: asked once.

    @property
    def branch(self) -> str | None:
        """The branch checked out (None: HEAD is detached)."""
        return self._fact("branch", lambda rel: git.branch(rel.root))

    @property
    def upstream(self) -> tuple[str, str] | None:
        """The remote and branch the checked-out branch tracks, if any."""
        return self._fact("upstream", lambda rel: git.upstream_of(rel.root, rel.branch)
                          if rel.branch else None)

    @property
    def editor(self) -> str:
        """The editor command git would run (GIT_EDITOR, core.editor, VISUAL, EDITOR)."""
        return str(self._fact("editor", lambda rel: git.editor(rel.root)))

    def pushed_branch(self) -> tuple[str, str] | None:
        """The branch and where it goes on ``remote``: the branch it tracks there (read
        from git, whatever the remote's name), else the same name. None when detached."""
        branch = self.branch
        if branch is None:
            return None
        upstream = self.upstream
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
