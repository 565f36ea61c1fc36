"""Opening the user's editor on a file, the way git does."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from release_tasks.core import processes
from release_tasks.core.errors import EditorError
from release_tasks.vcs import git


def command(root: Path) -> str:
    """The editor command git would run: GIT_EDITOR, core.editor, VISUAL, EDITOR, vi."""
    return git.editor(root)


def problem(root: Path, cmd: str | None = None) -> str | None:
    """Why the editor (``cmd``, else the one git would run) cannot be started, or None
    when it can."""
    cmd = command(root) if cmd is None else cmd
    if not cmd or cmd == ":":
        return "no editor is configured (VISUAL, EDITOR or git's core.editor)"
    try:
        program = shlex.split(cmd)[0]
    except ValueError:
        return f"the editor command {cmd!r} cannot be parsed"
    if shutil.which(program) is None and not Path(program).is_file():
        return f"the editor {program!r} is not installed"
    return None


def edit(root: Path, path: Path, cmd: str | None = None) -> None:
    """Open ``path`` in the editor (``cmd``, else the one git would run) and wait; raise
    EditorError if it fails.

    Like git, the command goes through the shell (so ``code --wait`` works) with the file
    passed as an argument, never pasted into the command line.
    """
    cmd = command(root) if cmd is None else cmd
    reason = problem(root, cmd)
    if reason:
        raise EditorError(reason, "set EDITOR, or pass --notes/--notes-file")
    proc = processes.run(["sh", "-c", f'{cmd} "$@"', cmd, str(path)], cwd=root)
    if proc.returncode != 0:
        raise EditorError(f"the editor ({cmd}) exited with status {proc.returncode}",
                          "fix the editor, or pass --notes")
