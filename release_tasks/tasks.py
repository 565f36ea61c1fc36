"""The Fabric tasks, in release order. Each reads its flags and calls a plain function.

Heavy modules (bump-my-version, twine, sphinx, requests, rich) are imported inside the
task bodies, so ``fab --list`` stays as fast as with an empty fabfile.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from invoke import Exit, task

from release_tasks import fabric1

RELEASE_HELP = {
    "part": "version part to bump: major, minor, patch, or a part of your bumpversion "
            "config (default: patch), or auto (from the conventional commits since the last tag)",
    "new_version": "release exactly this version instead (e.g. 2.0.0rc1)",
    "dry_run": "show the full plan and run every check; change nothing",
    "yes": "do not ask for confirmation (CI=true implies it)",
    "resume": "continue an unfinished release from the step that failed",
    "push": "push the branch and tag to the remote at the end (one atomic push)",
    "notes": "the history notes for this version, instead of opening the editor",
    "notes_file": "read the history notes from this file instead of opening the editor",
    "skip_history": "do not add a history section",
    "skip_upload": "do not upload to the index",
    "skip_docs": "do not build or ship the docs",
    "skip_notify": "do not post to Slack",
    "verbose": "show the commands run (secrets redacted)",
    "quiet": "show only warnings, errors and the final line",
    "fresh_env": "make the isolated build environment anew instead of reusing the cached one",
    "discard_journal": "set aside (never delete) a release journal that cannot be read, "
                       "or whose worktree is gone, and go on",
    "package": "in a repository of several packages: release this one (its name or folder)",
    "changed": "in a repository of several packages: release every one changed since its "
               "last tag (and those pinning them exactly)",
}


def _members(c: Any, root: Path, cfg: Any, package: str | None, changed: bool,
             resume: bool = False, **overrides: Any) -> Any:
    """The config of each package of a monorepo (the root's, under the package's own),
    or None for a one-package repository released as always. Several packages and no
    choice: a one-line refusal, before anything changes."""
    if not package and not changed:
        from release_tasks.workspace.members import find

        found = find(root, tuple(cfg.packages))  # cheap, and [] unless members are declared
        if len(found) > 1 and not resume:
            from release_tasks.pipeline.members import refusal

            raise refusal(found)
        if not found:
            return None
    from release_tasks.core import config

    fabric_cfg = c.config.get("release_tasks") if hasattr(c.config, "get") else None
    fabric = dict(fabric_cfg) if fabric_cfg else None
    return lambda folder: config.load(folder, fabric, overrides, shared=root)


def _boundary(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our errors into a one-line message and a non-zero exit, never a traceback."""

    @functools.wraps(fn)
    def wrapper(c: Any, *args: Any, **kwargs: Any) -> Any:
        from release_tasks.core import interrupt, processes, redact
        from release_tasks.core.errors import ReleaseError

        try:
            # Every process the task starts is entered in this run's register: an
            # interrupt stops those, never the other children of fab.
            with processes.tracking():
                return fn(c, *args, **kwargs)
        except ReleaseError as e:
            raise Exit(f"✗ {redact.redact(str(e))}", code=e.exit_code) from None
        except interrupt.Terminated:
            raise Exit("✗ terminated (SIGTERM); nothing more was changed", code=143) from None
        except KeyboardInterrupt:
            raise Exit("✗ interrupted; nothing more was changed", code=130) from None
        except Exception as e:
            if os.environ.get("RELEASE_TASKS_DEBUG"):
                raise
            raise Exit(f"✗ unexpected error: {type(e).__name__}: {redact.redact(str(e))} "
                       "(set RELEASE_TASKS_DEBUG=1 for a traceback)", code=2) from None

    return wrapper


def _start(c: Any) -> Path:
    """The folder the task starts from: the fabfile's when fab loaded it (fab does not
    chdir there), else the cwd. The installed modules its own would shadow are loaded
    first, before anything of ours imports one of them."""
    from release_tasks.core import imports

    given = c.config.get(fabric1.PROJECT_KEY) if hasattr(c.config, "get") else None
    start = Path(given or os.getcwd())
    imports.own_dependencies(start)
    return start


def _setup(c: Any, verbose: bool = False, quiet: bool = False, start: Path | None = None,
           **overrides: Any) -> tuple[Path, Any, Any]:
    """Find the repository (from ``start``, else :func:`_start`'s folder), load the config
    once, make the UI."""
    start = start or _start(c)

    from release_tasks.core import config
    from release_tasks.core.ui import Ui
    from release_tasks.vcs import git

    root = git.find_root(start)
    fabric_cfg = c.config.get("release_tasks") if hasattr(c.config, "get") else None
    cfg = config.load(root, dict(fabric_cfg) if fabric_cfg else None, overrides)
    return root, cfg, Ui(verbose=verbose, quiet=quiet)


def _dry(c: Any, dry_run: bool) -> bool:
    """``--dry-run``, or invoke's own ``--dry``."""
    try:
        return bool(dry_run or c.config.run.dry)
    except AttributeError:
        return bool(dry_run)


@task(auto_shortflags=False,
      help={k: RELEASE_HELP[k] for k in ("part", "new_version", "verbose", "package",
                                         "changed")})
@_boundary
def check(c, part=None, new_version=None, verbose=False, package=None, changed=False):
    """Run every pre-flight check and list every problem; change nothing."""
    from release_tasks.core.release import Options
    from release_tasks.pipeline import run

    root, cfg, ui = _setup(c, verbose=verbose)
    options = Options(part=part, new_version=new_version)
    config_for = _members(c, root, cfg, package, changed)
    if config_for is not None:
        from release_tasks.pipeline import workspace

        workspace.check(root, cfg, config_for, ui, options,
                        package or (None if changed else "*"), changed)
        return
    run.check(root, cfg, ui, options)


@task(auto_shortflags=False,
      help={k: RELEASE_HELP[k] for k in ("part", "new_version", "notes", "notes_file",
                                         "dry_run")})
@_boundary
def edit_history(c, part=None, new_version=None, notes=None, notes_file=None, dry_run=False):
    """Add the next version's section to the history file, open the editor, commit."""
    from release_tasks.core.release import Options
    from release_tasks.pipeline import alone

    root, cfg, ui = _setup(c)
    options = Options(part=part, new_version=new_version, notes=notes, notes_file=notes_file,
                      dry_run=_dry(c, dry_run))
    alone.single(root, cfg, ui, "edit_history", options, next_version=True)


@task(auto_shortflags=False,
      help={k: RELEASE_HELP[k] for k in ("part", "new_version", "dry_run")})
@_boundary
def bump(c, part=None, new_version=None, dry_run=False):
    """Write the next version into the configured files and commit."""
    from release_tasks.core.release import Options
    from release_tasks.pipeline import alone

    root, cfg, ui = _setup(c)
    options = Options(part=part, new_version=new_version, dry_run=_dry(c, dry_run))
    alone.single(root, cfg, ui, "bump", options, next_version=True)


@task(auto_shortflags=False, help={"dry_run": RELEASE_HELP["dry_run"]})
@_boundary
def tag(c, dry_run=False):
    """Make the annotated tag of the current version."""
    from release_tasks.core.release import Options
    from release_tasks.pipeline import alone

    root, cfg, ui = _setup(c)
    alone.single(root, cfg, ui, "tag", Options(dry_run=_dry(c, dry_run)))


@task(auto_shortflags=False,
      help={k: RELEASE_HELP[k] for k in ("dry_run", "fresh_env")})
@_boundary
def build(c, dry_run=False, fresh_env=False):
    """Build sdist and wheel from the current version's tag, then twine check them."""
    from release_tasks.core.release import Options
    from release_tasks.pipeline import alone

    root, cfg, ui = _setup(c, fresh_env=True if fresh_env else None)
    alone.single(root, cfg, ui, "build", Options(dry_run=_dry(c, dry_run)))


@task(auto_shortflags=False,
      help={"dry_run": RELEASE_HELP["dry_run"],
            "repository": "upload here instead of the configured repository"})
@_boundary
def upload(c, repository=None, dry_run=False):
    """Upload the built files of the current version to the repository."""
    from release_tasks.core.release import Options
    from release_tasks.pipeline import alone

    root, cfg, ui = _setup(c, repository=repository)
    alone.single(root, cfg, ui, "upload", Options(dry_run=_dry(c, dry_run)))


@task(auto_shortflags=False, help={"dry_run": RELEASE_HELP["dry_run"]})
@_boundary
def build_docs(c, dry_run=False):
    """Build the HTML docs (Sphinx or MkDocs) with the current version."""
    from release_tasks.core.release import Options
    from release_tasks.pipeline import alone

    root, cfg, ui = _setup(c)
    alone.single(root, cfg, ui, "build_docs", Options(dry_run=_dry(c, dry_run)))


@task(auto_shortflags=False, iterable=["target"],
      help={"dry_run": RELEASE_HELP["dry_run"],
            "target": "ship here instead of docs_target (repeat it, or separate with "
                      "commas, for several)"})
@_boundary
def ship_docs(c, target=None, dry_run=False):
    """Copy the built docs to the docs target(s) (local folder or ssh://)."""
    from release_tasks.core.release import Options
    from release_tasks.pipeline import alone

    given = [target] if isinstance(target, str) else list(target or [])
    targets = [t.strip() for item in given for t in item.split(",") if t.strip()]
    root, cfg, ui = _setup(c, docs_target=targets or None)
    alone.single(root, cfg, ui, "ship_docs", Options(dry_run=_dry(c, dry_run)))


@task(positional=["version"], auto_shortflags=False,
      help={"version": "the version to announce (default: the current version)",
            "dry_run": "print the message (webhook URL redacted) instead of sending it"})
@_boundary
def notify_slack(c, version="", dry_run=False):
    """Post the release message to the team's Slack channel."""
    from release_tasks.core.release import Options
    from release_tasks.pipeline import alone

    root, cfg, ui = _setup(c)
    alone.single(root, cfg, ui, "notify_slack", Options(dry_run=_dry(c, dry_run)),
               version=version or None)


@task(auto_shortflags=False, help=RELEASE_HELP)
@_boundary
def release(c, part=None, new_version=None, dry_run=False, yes=False, resume=False, push=False,
            notes=None, notes_file=None, skip_history=False, skip_upload=False, skip_docs=False,
            skip_notify=False, verbose=False, quiet=False, fresh_env=False,
            discard_journal=False, package=None, changed=False):
    """Release: history, bump, tag, build, upload, docs, Slack. Pushing is left to you."""
    start = _start(c)
    from release_tasks.versioning import remote

    # bump-my-version's import is the longest of the checks: the Python that reads the
    # version starts first (a resume, or a choice of packages, works it out otherwise).
    versioning = None if resume or package or changed else remote.start()
    from release_tasks.core.release import Options
    from release_tasks.pipeline import run

    try:
        root, cfg, ui = _setup(c, verbose=verbose, quiet=quiet, start=start,
                               fresh_env=True if fresh_env else None)
        skip = {name for name, on in (("history", skip_history), ("upload", skip_upload),
                                      ("docs", skip_docs), ("notify", skip_notify)) if on}
        options = Options(part=part, new_version=new_version, notes=notes, notes_file=notes_file,
                          dry_run=_dry(c, dry_run), yes=yes, resume=resume,
                          skip=frozenset(skip), push=True if push else None,
                          discard_journal=discard_journal)
        config_for = _members(c, root, cfg, package, changed, resume,
                              fresh_env=True if fresh_env else None)
        if config_for is not None:
            from release_tasks.pipeline import workspace

            workspace.release(root, cfg, config_for, ui, options,
                              package or (None if changed else "*"), changed)
            return
        run.release(root, cfg, ui, options, versioning)
    finally:
        if versioning is not None:
            versioning.close()  # unless the release took it, and closed it at its end


@task(auto_shortflags=False, help={"discard_journal": RELEASE_HELP["discard_journal"],
                                   "package": "in a repository of several packages: the last "
                                              "run must be this package's alone"})
@_boundary
def rollback(c, discard_journal=False, package=None):
    """Undo the local part (commits, tag) of the last unfinished or unpushed release."""
    from release_tasks.pipeline import run

    root, cfg, ui = _setup(c)
    config_for = _members(c, root, cfg, package, False, resume=True)
    if config_for is not None:
        from release_tasks.pipeline import workspace

        workspace.rollback(root, cfg, config_for, ui, package)
        return
    run.rollback(root, cfg, ui, discard_journal=discard_journal)


@task(auto_shortflags=False)
@_boundary
def demo(c):
    """Release a throwaway sample package on the embedded defaults (no server needed)."""
    from release_tasks.core.ui import Ui

    from .demo import run

    run(Ui())
