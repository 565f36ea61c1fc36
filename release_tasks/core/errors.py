"""One exception class per way a release can fail.

Each error carries a one-line ``message`` naming the problem and a ``hint`` naming the fix.
Tasks turn them into ``invoke.Exit`` at the boundary, so a user never sees a traceback for
something they can fix.
"""

from __future__ import annotations

import errno
import os
import shutil


class ReleaseError(Exception):
    """A failure the user can act on."""

    hint = ""
    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(ReleaseError):
    """The release_tasks or bumpversion configuration is invalid."""


class NotAGitRepository(ReleaseError):
    hint = "run it from a git checkout of the package"


class GitError(ReleaseError):
    """A git command failed unexpectedly."""


class DirtyTree(ReleaseError):
    hint = "commit or stash your changes first; the release never touches them"


class UnsafePath(ReleaseError):
    """A file the release would write is not a tracked regular file of the work tree."""

    hint = ("the release writes only files git tracks inside the repository: replace the "
            "link or folder by the file itself, or commit the file")


class TagExists(ReleaseError):
    hint = "pick another version with --part/--new-version, or delete the tag"


class VersionError(ReleaseError):
    """Unknown part, unparseable or non-increasing version."""


class HistoryError(ReleaseError):
    """The history file is missing, unreadable, or its new section is empty."""


class EditorError(ReleaseError):
    """The editor could not be started or exited non-zero."""


class BuildError(ReleaseError):
    """Building the sdist/wheel or checking their metadata failed."""


class BuildTimeout(BuildError):
    """A build (PEP 517 or docs) ran past ``build_timeout``: stopped, rather than hanging
    the release for ever."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} took longer than build_timeout={seconds:g} s",
                         "raise it in [tool.release_tasks] or fix the hang")


class UploadError(ReleaseError):
    """The index refused the upload or could not be reached."""


class IndexUnreachable(ReleaseError):
    """The package index could not be read."""

    hint = "check the repository URL and that the index is running"


class DocsError(ReleaseError):
    """Building or shipping the documentation failed."""


class SSHError(ReleaseError):
    """An SSH connection or remote command failed."""


class NotifyError(ReleaseError):
    """The chat webhook refused the message or could not be reached."""


class PushError(ReleaseError):
    """Pushing the release to the remote failed."""


class Aborted(ReleaseError):
    """The user declined, or could not be asked."""


class DiskFull(ReleaseError):
    """A write failed because the file system (or the user's quota) is full."""

    hint = "free some space there"


_FULL = (errno.ENOSPC, errno.EDQUOT)
# How a child process says it: Python's and C's strerror, and git's own words.
_FULL_WORDS = (*(os.strerror(code) for code in _FULL), "Out of diskspace")


def disk_full(error: BaseException | str, where: os.PathLike[str] | str, undone: str = "",
              hint: str | None = None) -> DiskFull | None:
    """The one-line :class:`DiskFull` for ``error`` if it is a full disk, else None.

    One place for every writer (docs copy, dists, the tag's checkout, the build backend): a
    full disk surfaces as an ``OSError``, inside ``shutil.copytree``'s list of every file
    that failed, or in a child process's output (``error`` as text); the user needs one
    line naming where, not that list. ``undone`` says what was put back, so the line also
    says what state things are in.
    """
    full = isinstance(error, OSError) and error.errno in _FULL
    if isinstance(error, str):
        full = any(words in error for words in _FULL_WORDS)
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        texts = [str(entry[-1]) for entry in error.args[0] if isinstance(entry, tuple)]
        full = any(words in text for text in texts for words in _FULL_WORDS)
    if not full:
        return None
    return DiskFull(f"no space left on {os.fspath(where)}" + (f"; {undone}" if undone else ""),
                    hint)


class ReleaseLocked(ReleaseError):
    """Another release (or step) is running in the same repository."""


class NothingToResume(ReleaseError):
    hint = "start a new release with `fab release`"


class PreflightFailed(ReleaseError):
    """Several problems found before anything changed; ``problems`` lists them."""

    def __init__(self, problems: list[str]) -> None:
        count = len(problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} found before anything changed:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
        self.problems = problems

    def __str__(self) -> str:
        return self.message


class JournalUnreadable(ReleaseError):
    """The journal of a release exists but cannot be trusted (truncated, not ours)."""


class ReleaseElsewhere(ReleaseError):
    """The journal belongs to a release made in another worktree of the repository."""
