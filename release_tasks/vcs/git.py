"""Git, always with an explicit repository root and an argv list.

Nothing here relies on the current directory: ``fab`` does not chdir to the fabfile's
folder, so every call names the repository it works on.
"""

from __future__ import annotations

import functools
import os
import posixpath
from pathlib import Path

from release_tasks.core import processes
from release_tasks.core.errors import GitError, NotAGitRepository

# Git must never stop to ask a question in the middle of a release. Paths we pass are
# file names, never patterns: "[draft].md" or "*.txt" must mean that one file.
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C",
        "GIT_LITERAL_PATHSPECS": "1"}


def environment() -> dict[str, str]:
    """The environment every git command runs with (no prompts, stable messages)."""
    return {**os.environ, **_ENV}


def run_git(root: Path, *args: str, check: bool = True, input: str | None = None) -> str:
    """Run ``git -C root args...`` and return its stdout, stripped of the final newline."""
    proc = processes.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        input=input,
        env={**os.environ, **_ENV},
    )
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit status {proc.returncode}"
        raise GitError(f"git {args[0]} failed: {reason}")
    return proc.stdout.rstrip("\n")


def ok(root: Path, *args: str) -> bool:
    """True when the git command succeeds (for yes/no questions like "does this ref exist")."""
    return processes.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        env={**os.environ, **_ENV},
    ).returncode == 0


def find_root(start: Path) -> Path:
    """The top of the git work tree containing ``start``."""
    proc = processes.run(
        ["git", "-C", str(start), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        env={**os.environ, **_ENV},
    )
    if proc.returncode != 0:
        raise NotAGitRepository(f"{start} is not inside a git repository")
    return Path(proc.stdout.strip())


@functools.lru_cache(maxsize=64)
def git_common_dir(root: Path) -> Path:
    """The folder every worktree of the repository shares (``.git`` of the main checkout):
    what must be one for all worktrees at once (the release lock, the journal) lives
    there. git answers relative to ``root`` for the main worktree, absolute for others."""
    path = Path(run_git(root, "rev-parse", "--git-common-dir"))
    return (path if path.is_absolute() else root / path).resolve()


def rev_parse(root: Path, rev: str) -> str | None:
    """The object ``rev`` names (a tag's own object for an annotated tag), or None."""
    sha = run_git(root, "rev-parse", "-q", "--verify", rev, check=False)
    return sha or None


def head(root: Path) -> str:
    return run_git(root, "rev-parse", "HEAD")


def has_commits(root: Path) -> bool:
    return ok(root, "rev-parse", "--verify", "-q", "HEAD")


def branch(root: Path) -> str | None:
    """The checked-out branch, or None on a detached HEAD."""
    name = run_git(root, "symbolic-ref", "-q", "--short", "HEAD", check=False)
    return name or None


def tracked(root: Path, paths: list[str]) -> set[str]:
    """Those of ``paths`` (relative to ``root``, posix) that git tracks: one question for
    all of them."""
    if not paths:
        return set()
    out = run_git(root, "ls-files", "-z", "--", *paths, check=False)
    return {p for p in out.split("\0") if p} & set(paths)


def dirty_files(root: Path) -> list[str]:
    """Tracked files with uncommitted changes (staged or not). Untracked files don't count.

    ``-z``: without it git quotes a name with a space or a non-ASCII letter
    (``"a b.txt"``, ``"\\303\\251.txt"``), and that quoted string is no file to commit or
    check out. A rename lists both its new and its old name.
    """
    out = run_git(root, "status", "--porcelain=v1", "-z", "--untracked-files=no")
    return _relative(root, _parse_status_z(out))


@functools.lru_cache(maxsize=64)
def prefix(root: Path) -> str:
    """Where ``root`` sits inside its work tree (``libs/acme-core/``; '' at the top): a
    package of a monorepo is released from its own folder, while some git answers name
    paths from the top of the work tree."""
    return run_git(root, "rev-parse", "--show-prefix")


def _relative(root: Path, paths: list[str]) -> list[str]:
    """Paths git gave from the top of the work tree, made relative to ``root`` (those
    outside it start with ``../``), so they can be handed back to git run in ``root``."""
    inner = prefix(root)
    if not inner:
        return paths
    return [p[len(inner):] if p.startswith(inner) else posixpath.relpath(p, inner)
            for p in paths]


def from_top(root: Path, paths: list[str]) -> list[str]:
    """Paths relative to ``root`` named from the top of the work tree, for messages: in a
    monorepo another package's file reads ``packages/acme-web/x.py``, as ``git status``
    at the top shows it, not ``../acme-web/x.py``."""
    inner = prefix(root)
    return [posixpath.normpath(inner + p) for p in paths] if inner else paths


def _parse_status_z(out: str) -> list[str]:
    """The paths in ``git status --porcelain=v1 -z`` output, in git's order.

    Each entry is ``XY path`` ended by NUL; a rename or copy (``R``/``C``) is followed by
    one more NUL-ended field, its original path.
    """
    fields = out.split("\0")
    paths: list[str] = []
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:])
        if "R" in entry[:2] or "C" in entry[:2]:
            if i < len(fields) and fields[i]:
                paths.append(fields[i])
            i += 1
    return paths


def tag_exists(root: Path, tag: str) -> bool:
    return ok(root, "rev-parse", "-q", "--verify", f"refs/tags/{tag}")


def tags(root: Path) -> list[str]:
    return run_git(root, "tag", "--list").split()


def tag_target(root: Path, tag: str) -> str:
    """The commit a tag points at."""
    return run_git(root, "rev-parse", f"{tag}^{{commit}}")


def remote_url(root: Path, remote: str) -> str | None:
    url = run_git(root, "remote", "get-url", remote, check=False)
    return url or None


def remote_has_tag(root: Path, remote: str, tag: str) -> bool:
    out = run_git(root, "ls-remote", "--tags", remote, f"refs/tags/{tag}", check=False)
    return bool(out.strip())


def upstream(root: Path) -> str | None:
    """The upstream of the current branch (``origin/main``), if one is set."""
    name = run_git(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}",
                   check=False)
    return name or None


def upstream_of(root: Path, branch: str) -> tuple[str, str] | None:
    """The remote and the branch there (``("team/origin", "main")``) that ``branch``
    tracks, as git records them: not split from ``team/origin/main``, which remote names
    with a slash make ambiguous. None when it tracks nothing on a remote."""
    out = run_git(root, "for-each-ref", "--format=%(upstream:remotename)%00%(upstream:remoteref)",
                  f"refs/heads/{branch}", check=False)
    remote, _, ref = out.partition("\0")
    if not remote or not ref.startswith("refs/heads/"):
        return None
    return remote, ref.removeprefix("refs/heads/")


def commit(root: Path, paths: list[str], message: str) -> str:
    """Commit exactly ``paths`` (nothing else that may be staged) and return the new HEAD."""
    run_git(root, "add", "--", *paths)
    run_git(root, "commit", "--quiet", "-m", message, "--", *paths)
    return head(root)


def tag(root: Path, name: str, message: str, sign: bool = False) -> None:
    # verbatim: release notes may have "#" headings that git's default cleanup strips.
    run_git(root, "tag", "--annotate" if not sign else "--sign", "--cleanup=verbatim",
            "-m", message, name)


def delete_tag(root: Path, name: str) -> None:
    run_git(root, "tag", "--delete", name)


def reset_keep(root: Path, rev: str) -> None:
    """Move the branch back to ``rev`` keeping the user's uncommitted work.

    ``--keep`` refuses (instead of overwriting) when a locally modified file would change,
    which is exactly the guarantee a rollback needs.
    """
    run_git(root, "reset", "--quiet", "--keep", rev)


def is_ancestor(root: Path, ancestor: str, descendant: str) -> bool:
    return ok(root, "merge-base", "--is-ancestor", ancestor, descendant)


def editor(root: Path) -> str:
    """The editor git itself would use: GIT_EDITOR, core.editor, VISUAL, EDITOR, then vi."""
    return run_git(root, "var", "GIT_EDITOR", check=False).strip()
