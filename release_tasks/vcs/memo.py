"""Git's answers to the questions a run asks more than once, asked of git once.

A release asks the same things of several checks and steps: the branch (the repository
check, bump-my-version's context, the journal, the push command), whether the tag exists
(the tag's check, the journal, the tag step), the editor (its check, then the edit), HEAD.
Each answer costs a git process. Within :func:`remembering`, :mod:`release_tasks.vcs.git`
keeps the answers of the read-only commands listed here and forgets them all as soon as a
command that may change the repository runs through it, or :func:`forget` is called (the
run does, after anything outside it may have changed the repository: the user's editor,
a project's hooks, a prompt). Outside :func:`remembering` nothing is kept.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from pathlib import Path

# Commands that only read refs, config or the index (never the work tree's files, which
# the run itself edits without git).
READS = frozenset({"rev-parse", "var", "for-each-ref", "ls-files", "cat-file", "merge-base",
                   "check-ref-format"})
# Commands that change nothing but whose answer is not kept: it depends on the work tree or
# a remote, or it is asked once.
LOOKS = frozenset({"status", "describe", "ls-remote", "log", "show", "diff", "ls-tree",
                   "rev-list", "name-rev", "shortlog"})
Answer = tuple[int, str, str]  # exit status, stdout, stderr

_current: contextvars.ContextVar[dict[tuple[str, ...], Answer] | None] = \
    contextvars.ContextVar("release_tasks_git_memo", default=None)


def _looks(args: tuple[str, ...]) -> bool:
    if not args:
        return False
    if args[0] in LOOKS:
        return True
    return args[0] == "tag" and ("--list" in args or "-l" in args or "--merged" in args)


def _reads(args: tuple[str, ...]) -> bool:
    if not args:
        return False
    if args[0] in READS:
        return True
    if args[0] == "symbolic-ref":  # with a value after the name, it sets the ref
        return args[1:] == ("-q", "--short", "HEAD")
    if args[0] == "config":
        return "--get" in args
    return args[:2] == ("remote", "get-url")


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """Keep answers for this block (and the threads it starts with processes.thread)."""
    if _current.get() is not None:
        yield
        return
    token = _current.set({})
    try:
        yield
    finally:
        _current.reset(token)


def recall(root: Path, args: tuple[str, ...]) -> Answer | None:
    """The answer kept for ``git -C root args``; None if none is (and, for a command that
    may change the repository, every kept answer is forgotten)."""
    answers = _current.get()
    if answers is None or _looks(args):
        return None
    if not _reads(args):
        answers.clear()
        return None
    return answers.get((str(root), *args))


def keep(root: Path, args: tuple[str, ...], answer: Answer) -> None:
    answers = _current.get()
    if answers is None or _looks(args):
        return
    if _reads(args):
        answers[(str(root), *args)] = answer
    else:  # written: what was read while it ran may be stale already
        answers.clear()


def forget() -> None:
    """Something outside the run may have changed the repository: ask git again."""
    answers = _current.get()
    if answers is not None:
        answers.clear()
