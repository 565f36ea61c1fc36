"""What a release will need from git, proven before anything changes.

A release that fails at its commit or tag has already cost the user their editing:
signing that cannot sign, a hook that refuses, a tag name git rejects, a version file git
has been told to ignore. Each is checked here without changing the repository (a signed
check leaves only an unreferenced object, which git's gc removes).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from release_tasks.core import processes
from release_tasks.vcs import git


def _config_true(root: Path, key: str) -> bool:
    return git.run_git(root, "config", "--type=bool", "--get", key, check=False) == "true"


def signing_problem(root: Path, sign_tags: bool) -> str | None:
    """Signing is on (commits, tags) but does not work: say why."""
    commits = _config_true(root, "commit.gpgsign")
    tags = sign_tags or _config_true(root, "tag.gpgsign")
    if not (commits or tags):
        return None
    proc = processes.run(
        ["git", "-C", str(root), "commit-tree", "-S", "-m", "release signing check",
         "HEAD^{tree}"], capture_output=True, text=True,
        env=git.environment())
    if proc.returncode == 0:
        return None
    what = " and ".join(x for x, on in (("commits", commits), ("tags", tags)) if on)
    lines = [x.strip() for x in proc.stderr.splitlines() if x.strip()]
    detail = next((x for x in lines if "gpg" in x.lower() or "sign" in x.lower()),
                  lines[-1] if lines else f"exit status {proc.returncode}")
    return (f"{what} are to be signed but signing fails ({detail}): fix the signing key "
            "(user.signingkey, gpg-agent), or turn signing off for this repository")


def _hooks(root: Path) -> Path:
    """The folder git runs hooks from (core.hooksPath or the git dir's hooks/)."""
    folder = Path(git.run_git(root, "rev-parse", "--git-path", "hooks"))
    return folder if folder.is_absolute() else root / folder


def hook_problems(root: Path, message: str) -> list[str]:
    """Run the hooks that can refuse a commit (pre-commit, commit-msg) as a dry commit."""
    problems: list[str] = []
    hooks = _hooks(root)
    present = [h for h in ("pre-commit", "commit-msg") if os.path.lexists(hooks / h)]
    if not present:  # nothing to run: no git process for each
        return problems
    with tempfile.TemporaryDirectory(prefix="release-tasks-") as tmp:
        msg = Path(tmp) / "COMMIT_EDITMSG"
        msg.write_text(message + "\n", encoding="utf-8")
        for hook, args in (("pre-commit", []), ("commit-msg", [str(msg)])):
            if hook not in present:
                continue
            proc = processes.run(
                ["git", "-C", str(root), "hook", "run", "--ignore-missing", hook, "--", *args],
                capture_output=True, text=True, env=git.environment(),
                stdin=subprocess.DEVNULL)
            if proc.returncode in (0, 129):  # 129: a git without `git hook run`
                continue
            lines = [x.strip() for x in (proc.stderr + proc.stdout).splitlines() if x.strip()]
            said = f": {lines[-1][:160]}" if lines else ""
            problems.append(f"the {hook} hook refuses a commit{said} (fix the hook or what "
                            f"it checks; the release commits would fail after the editor)")
    return problems


def tag_name_problem(root: Path, tag: str) -> str | None:
    """A tag name git would refuse (or read as an option, like ``-1.2.3``)."""
    if tag.startswith("-") or not git.ok(root, "check-ref-format", f"refs/tags/{tag}"):
        return f"{tag!r} is not a valid git tag name (fix tag_name in the bumpversion config)"
    return None


def hidden_changes(root: Path, paths: list[str]) -> list[str]:
    """Files git was told not to look at (assume-unchanged, skip-worktree)."""
    if not paths:
        return []
    out = git.run_git(root, "ls-files", "-v", "-z", "--", *paths, check=False)
    problems = []
    for entry in out.split("\0"):
        if len(entry) < 3:
            continue
        flag, path = entry[0], entry[2:]
        if flag.islower():
            problems.append(f"{path} is marked assume-unchanged, so its new version would not "
                            f"be committed (`git update-index --no-assume-unchanged {path}`)")
        elif flag == "S":
            problems.append(f"{path} is marked skip-worktree, so its new version would not be "
                            f"committed (`git update-index --no-skip-worktree {path}`)")
    return problems
