"""The journal of the release in progress, kept under ``.git/`` (never in the work tree).

It is the one truth about an unfinished release. Every change is announced in it before
it is made (the files a step is about to edit, the message of a commit about to be made,
the scratch folders about to be created), so after any interrupt, even SIGKILL,
``fab rollback`` and ``fab release --resume`` know exactly what may exist and undo or
finish it.

It lives in the repository's common git dir, which all its worktrees share, beside the
lock: one release runs at a time across worktrees, and a release started in one worktree
is finished or undone from that worktree only (it records which). A journal that exists
but cannot be read is an error, never "no journal": guessing would release over an
unfinished release.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from release_tasks.core.digest import sha256
from release_tasks.core.errors import (
    JournalUnreadable,
    ReleaseElsewhere,
    ReleaseError,
    UnsafePath,
)
from release_tasks.core.results import Built, DocsBuilt, Shipped, Uploaded
from release_tasks.vcs import git

_LOCK = threading.RLock()


def state_dir(root: Path) -> Path:
    """Our private folder in the repository's common git dir (shared by its worktrees):
    journal, lock, kept notes."""
    return git.git_common_dir(root) / "release_tasks"


def notes_path(root: Path, version: str) -> Path:
    """Where the notes typed for ``version`` are kept when its release fails."""
    return state_dir(root) / f"notes-{version}.txt"


def check_kept_notes(root: Path, version: str) -> None:
    """Pre-flight: the kept notes are read back into the history and written on a
    failure, so a link planted at their name would do either to a file elsewhere."""
    path = notes_path(root, version)
    if path.is_symlink():
        raise UnsafePath(f"{path} is a symbolic link; the release neither reads nor writes "
                         "kept notes through one", f"delete it: rm {path}")


def kept_notes(root: Path, version: str) -> Path | None:
    """The notes kept for ``version`` by a failed release, if there are (a regular file)."""
    path = notes_path(root, version)
    return path if path.is_file() and not path.is_symlink() else None


def keep_notes(root: Path, version: str, text: str) -> Path:
    """Keep the notes typed for ``version``: written beside and renamed into place, so a
    link planted at the name is replaced, never written through."""
    path = notes_path(root, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".notes-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.replace(tmp, path)
    return path


@dataclass
class Journal:
    path: Path
    version: str = ""
    current: str = ""
    tag: str = ""
    start_head: str = ""
    branch: str | None = None
    done: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)  # announced before each step runs
    failed: str | None = None
    finished: bool = False
    release_head: str | None = None  # HEAD after the local steps (the tagged commit)
    commits: dict[str, str] = field(default_factory=dict)  # step -> commit it made
    tag_created: bool = False
    dists: list[str] = field(default_factory=list)
    dist_hashes: dict[str, str] = field(default_factory=dict)  # path -> sha256 when built
    docs_html: str | None = None
    docs_location: str | None = None
    # Each docs target of a list -> "staged" or "switched", for a resume to go on from.
    docs_hosts: dict[str, str] = field(default_factory=dict)
    uploaded: list[str] = field(default_factory=list)
    # Repository (as shown) -> the files of this release it holds, recorded as each
    # repository's upload ends: a rollback names them, whichever repository failed.
    uploaded_to: dict[str, list[str]] = field(default_factory=dict)
    # The options the release was started with, so --resume carries on the same way.
    skip: list[str] = field(default_factory=list)
    push: bool | None = None
    name: str = ""
    # Announced before the change is made (see the module docstring).
    touched: list[str] = field(default_factory=list)  # tracked files a step may edit
    commit_messages: list[str] = field(default_factory=list)  # commits a step may make
    scratch: list[str] = field(default_factory=list)  # temporary folders of ours
    tag_preexisted: bool = False
    worktree: str = ""  # the work tree the release runs in (a repository may have several)
    # What the tag this release made pointed at (tag object, commit): only that is undone.
    tag_object: str = ""
    tag_commit: str = ""

    @classmethod
    def location(cls, root: Path) -> Path:
        inner = git.prefix(root).strip("/")
        if not inner:
            return state_dir(root) / "journal.json"
        # A package in a folder of a monorepo: each package's release has its own journal.
        return state_dir(root) / f"journal-{inner.replace('/', '--')}.json"

    @classmethod
    def load(cls, root: Path) -> Journal | None:
        """The journal, or None when there is none; one that cannot be read raises."""
        path = cls.location(root)
        if not path.exists():
            return None
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise unreadable(path, "not valid JSON" if isinstance(e, ValueError)
                             else e.strerror or str(e)) from None
        if not isinstance(data, dict):
            raise unreadable(path, f"a JSON {type(data).__name__}, not an object")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "path"}
        hints = typing.get_type_hints(cls)
        for key, value in known.items():
            if not _fits(value, hints[key]):
                hint = hints[key]
                shape = str(hint) if typing.get_args(hint) else hint.__name__
                raise unreadable(path, f"{key} is not a {shape}")
        return cls(path=path, **known)

    def elsewhere(self, root: Path) -> str | None:
        """The worktree this journal's release was made in, when it is not ``root``."""
        if not self.worktree or Path(self.worktree).resolve() == root.resolve():
            return None
        return self.worktree

    def checked_here(self, root: Path) -> Journal:
        """This journal, if its release was made in ``root``: one made in another worktree
        is refused, since its branch and files are that worktree's."""
        where = self.elsewhere(root)
        if where is None:
            return self
        state = "unfinished" if not self.finished else "not rolled back"
        if Path(where).is_dir():
            hint = "finish or roll it back there (`fab release --resume` or `fab rollback`)"
        else:
            hint = ("that worktree is gone: `fab release --discard-journal` sets its journal "
                    "aside")
        raise ReleaseElsewhere(f"a release of {self.version} is {state} in {where}", hint)

    def record_tag(self, tag_object: str, commit: str) -> None:
        """Where the tag this release made points: a rollback deletes it only if it still
        points there (someone may have made a tag of that name since)."""
        with _LOCK:
            self.tag_created = True
            self.tag_object = tag_object
            self.tag_commit = commit
            self.release_head = commit
            self.save()

    def save(self) -> None:
        """Write atomically; steps running in parallel both save, hence the lock and a
        temporary file of each writer's own."""
        with _LOCK:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = asdict(self)
            data.pop("path")
            fd, tmp = tempfile.mkstemp(prefix=".journal-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2)
            os.replace(tmp, self.path)

    def record_dists(self, paths: list[Path]) -> None:
        """The files this release built, with their hashes: --resume uploads only these."""
        with _LOCK:
            self.dists = [str(p) for p in paths]
            self.dist_hashes = {str(p): sha256(p) for p in paths}
            self.save()

    def built_files(self) -> list[Path] | None:
        """The built files, if every one is still there unchanged; else None."""
        if not self.dists:
            return None
        paths = [Path(p) for p in self.dists]
        for path in paths:
            if not path.is_file() or self.dist_hashes.get(str(path)) != sha256(path):
                return None
        return paths

    def mark_started(self, steps: list[str]) -> None:
        with _LOCK:
            self.started = [*self.started, *(s for s in steps if s not in self.started)]
            self.save()

    def mark_done(self, step: str) -> None:
        with _LOCK:
            self._mark_done(step)

    def _mark_done(self, step: str) -> None:
        if step not in self.done:
            self.done.append(step)
        if self.failed == step:
            self.failed = None
        self.save()

    def announce(self, *, touched: list[str] | None = None, commit: str | None = None,
                 scratch: str | None = None) -> None:
        """Record a change before making it, so that a kill in between is undoable."""
        with _LOCK:
            for path in touched or []:
                if path not in self.touched:
                    self.touched.append(path)
            if commit is not None and commit not in self.commit_messages:
                self.commit_messages.append(commit)
            if scratch is not None and scratch not in self.scratch:
                self.scratch.append(scratch)
            self.save()

    def record_docs_host(self, target: str, state: str) -> None:
        """Where the docs stand on one target of several: "staged" (hidden, complete) or
        "switched" (what readers see)."""
        with _LOCK:
            self.docs_hosts = {**self.docs_hosts, target: state}
            self.save()

    def irreversible_done(self, irreversible: Iterable[str]) -> bool:
        """Has anything left this machine (an upload, shipped docs, a message)?
        ``irreversible``: the names of the steps that do (``Step.irreversible``)."""
        return bool(set(irreversible) & {*self.done, *self.started, self.failed}) or \
            bool(self.uploaded) or \
            bool(self.docs_location)

    def record(self, result: object) -> None:
        """A step's result (core.results), for --resume to hand to the steps after it."""
        with _LOCK:
            if isinstance(result, Built):
                self.record_dists(list(result.dists))
                return
            if isinstance(result, DocsBuilt):
                self.docs_html = str(result.html)
            elif isinstance(result, Uploaded):
                self.uploaded = list(dict.fromkeys([*result.files, *result.skipped]))
                for where, files, skipped in result.each:
                    self._reached(where, [*files, *skipped])
            elif isinstance(result, Shipped):
                self.docs_location = result.location
            else:
                return
            self.save()

    def record_reached(self, where: str, files: list[str]) -> None:
        """``files`` are on repository ``where`` now (put there, or found there), said as
        soon as that repository is done: the others may still fail."""
        with _LOCK:
            self._reached(where, files)
            self.uploaded = [*self.uploaded, *(f for f in files if f not in self.uploaded)]
            self.save()

    def _reached(self, where: str, files: list[str]) -> None:
        held = self.uploaded_to.setdefault(where, [])
        held.extend(f for f in files if f not in held)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def _fits(value: Any, hint: Any) -> bool:
    """Does a value read from JSON have the field's declared type?"""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if origin is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            _fits(k, args[0]) and _fits(v, args[1]) for k, v in value.items())
    return isinstance(value, hint)


def unreadable(path: Path, reason: str) -> JournalUnreadable:
    return JournalUnreadable(
        f"the release journal {path} cannot be read ({reason})",
        "nothing was changed; `fab rollback` shows what git holds of the unfinished "
        "release, `fab release --discard-journal` sets the journal aside and releases")


def set_aside(root: Path, say: Callable[[str], None] | None = None) -> Path | None:
    """``--discard-journal``: move away a journal that cannot be read (or whose worktree is
    gone), never deleting it; returns where it went. A journal that can be read is refused:
    ``--resume`` and ``rollback`` know what to do with it."""
    path = Journal.location(root)
    if not path.exists():
        return None
    try:
        journal = Journal.load(root)
    except JournalUnreadable:
        journal = None
    if journal is not None:
        if journal.finished:
            return None
        where = journal.elsewhere(root)
        if where is None or Path(where).is_dir():
            raise ReleaseError(
                f"the journal of the release of {journal.version} can be read: it is not "
                "set aside", f"`fab release --resume` or `fab rollback` in {where or root}")
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.discarded-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.discarded-{stamp}-{n}")
    os.replace(path, aside)
    if say is not None:
        say(f"The journal that could not be used is set aside as {aside}")
    return aside
