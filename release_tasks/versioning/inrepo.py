"""bump-my-version, told which repository it works for.

Left to itself, bump-my-version reads its SCM facts (the latest tag, the commit, the
branch: template fields and ``BVHOOK_*`` variables) with git in the current folder, and
runs the project's hooks there, printing as it goes. A release names its repository
instead of changing the process's folder (``fab`` does not start in the project's root,
and other threads run meanwhile): the facts are read with git in ``root`` and put on the
config's own ``scm_info``, and the hooks run in ``root`` with their output captured, the
way bump-my-version's ``run_hooks`` runs them (its public environment and placeholder
helpers, argv unless the project allows shell hooks).
"""

from __future__ import annotations

import copy
import re
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_tasks.core.errors import VersionError
from release_tasks.vcs import git

if TYPE_CHECKING:
    from bumpversion.config.models import Config as BVConfig


def with_facts(root: Path, bv: BVConfig, current_from_file: bool = True) -> BVConfig:
    """``bv`` with the SCM facts of ``root``; when the config file gave no current version,
    the one bump-my-version would take (``[project] version``, else the latest tag)."""
    from bumpversion.config import check_current_version

    info = facts(root, bv)
    update: dict[str, Any] = {"scm_info": info}
    if not current_from_file:
        unset = bv.model_copy(update={"scm_info": info, "current_version": None})
        update["current_version"] = check_current_version(unset)
    return bv.model_copy(update=update)


def facts(root: Path, bv: BVConfig) -> Any:
    """bump-my-version's ``SCMInfo`` as its git tool fills it in, read in ``root``."""
    from bumpversion.scm.models import SCMConfig

    info = copy.copy(bv.scm_info)
    pattern = str(bv.tag_name).replace("{new_version}", "*")
    described = git.run_git(root, "describe", "--dirty", "--tags", "--long", "--abbrev=40",
                            f"--match={pattern}", check=False)
    fields: dict[str, Any] = dict.fromkeys(("commit_sha", "short_commit_sha", "current_version",
                                            "current_tag", "dirty"))
    fields["distance_to_latest_tag"] = 0
    if described:
        words = described.split("-")
        fields["dirty"] = words[-1] == "dirty"
        if fields["dirty"]:
            words.pop()
        fields["commit_sha"] = words.pop().removeprefix("g")
        fields["short_commit_sha"] = fields["commit_sha"][:7]
        fields["distance_to_latest_tag"] = int(words.pop())
        tag = "-".join(words)
        fields["current_tag"] = tag
        version = SCMConfig.from_config(bv).get_version_from_tag(tag)
        fields["current_version"] = version or tag.lstrip("v")
    branch = git.branch(root) or ""
    fields.update(branch_name=branch, repository_root=root,
                  short_branch_name=re.sub(r"[^a-zA-Z0-9]*", "", branch).lower()[:20])
    for name, value in fields.items():
        setattr(info, name, value)
    return info


def run_hooks(root: Path, bv: BVConfig, stage: str, current: Any, new: Any = None,
              where: str = "the bumpversion config") -> None:
    """The project's ``setup``, ``pre_commit`` or ``post_commit`` hooks (declared in
    ``where``), in ``root``."""
    from bumpversion import hooks

    scripts = list(getattr(bv, f"{stage}_hooks") or [])
    if not scripts:
        return
    if stage == "setup":
        env = hooks.get_setup_hook_env(bv, current)
    elif stage == "pre_commit":
        env = hooks.get_pre_commit_hook_env(bv, current, new)
    else:
        env = hooks.get_post_commit_hook_env(bv, current, new)
    env["PWD"] = str(root)
    if not bv.allow_shell_hooks:
        scripts = hooks.format_hooks(scripts, hooks.hook_context(bv, current, new))
    for script in scripts:
        shell = hooks.has_shell_syntax(script)
        if shell and not bv.allow_shell_hooks:
            raise VersionError(f"a bump-my-version hook failed: {script!r} uses shell syntax",
                               f"set allow_shell_hooks = true in {where}, or make it one "
                               "command")
        try:
            done = subprocess.run(script if shell else shlex.split(script), shell=shell,
                                  cwd=root, env=env, capture_output=True, text=True,
                                  encoding="utf-8", errors="replace", check=False,
                                  stdin=subprocess.DEVNULL)
        except OSError as e:
            raise VersionError(f"a bump-my-version hook failed: {script!r}: "
                               f"{e.strerror or e}", f"fix the hook in {where}") from None
        if done.returncode != 0:
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()
            detail = f": {said[-1][:160]}" if said else ""
            raise VersionError(f"a bump-my-version hook failed: {script!r} exited with "
                               f"{done.returncode}{detail}", f"fix the hook in {where}")
