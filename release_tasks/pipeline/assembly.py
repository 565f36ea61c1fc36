"""The release object put together: the facts of the project that the steps read.

``core.release.Release`` knows nothing of versions, changelogs, indexes or docs; it asks
the resolvers given here, each on first use (most runs need only some of them), and keeps
the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from release_tasks.core.config import Config
from release_tasks.core.errors import ReleaseError
from release_tasks.core.journal import Journal
from release_tasks.core.release import Options, Release
from release_tasks.core.ui import Ui


def _name(rel: Release) -> str:
    from release_tasks.build import metadata

    return metadata.name(rel.root)


def _scheme(rel: Release) -> Any:
    from release_tasks.versioning import remote

    return remote.detect(rel.root, rel.peek_prepared(remote.NAME))


def _history_path(rel: Release) -> Path:
    from release_tasks.changelog import discovery

    current = rel.current
    if current is None:
        try:
            current = rel.scheme.current
        except ReleaseError:
            current = None
    return discovery.find(rel.root, rel.config.history_file, current)


def _repo(rel: Release) -> Any:
    return rel.repos[0]  # the same backend object, so what it probes serves both


def _repos(rel: Release) -> list[Any]:
    from release_tasks.publish import fleet

    return fleet.open_all(rel.config)


def _docs_source(rel: Release) -> Any:
    from release_tasks.docs import find

    return find.find(rel.root, rel.config.docs_dir, rel.config.docs_builder)


def _docs_env(rel: Release) -> Any:
    from release_tasks.docs import environment

    return environment.choose(rel.docs_source, rel.config.docs_isolation)


def _docs_target(rel: Release) -> str:
    return _docs_targets(rel)[0]


def _docs_targets(rel: Release) -> list[str]:
    from release_tasks.docs import sphinx

    templates = rel.config.docs_targets or (sphinx.default_target(),)
    return [sphinx.expand(t, rel.name, rel.version) for t in templates]


def _webhook(rel: Release) -> str | None:
    from release_tasks.notify import secrets

    return secrets.webhook_url(rel.config)


def _checkout(rel: Release, dest: Path) -> Path:
    from release_tasks.build.checkout import checkout
    from release_tasks.vcs import git

    # git clones a whole repository: a package in a subfolder is that folder of it.
    prefix = git.prefix(rel.root)
    top = git.find_root(rel.root) if prefix else rel.root
    return checkout(top, rel.tag, dest) / prefix


def _history_since(rel: Release) -> tuple[str | None, list[Any]]:
    from release_tasks.changelog import commits

    scheme = rel.scheme
    expected = scheme.tag_name(rel.current) if rel.current else None
    last = commits.last_tag(rel.root, expected, rel.tag)
    message = getattr(scheme, "message_template", None)
    # Never tagged: the whole history is no draft of one release's notes.
    return last, commits.since(rel.root, last, commits.templates(message)) if last else []


def _own_dists(rel: Release) -> list[Path]:
    from release_tasks.build.builder import dists_for

    return list(dists_for(rel.dist_dir, rel.name, rel.version))


FACTS = {"name": _name, "scheme": _scheme, "history_path": _history_path, "repo": _repo,
         "repos": _repos,
         "docs_source": _docs_source, "docs_env": _docs_env, "docs_target": _docs_target,
         "docs_targets": _docs_targets,
         "webhook": _webhook, "checkout": _checkout, "own_dists": _own_dists,
         "history_since": _history_since}


def assemble(root: Path, config: Config, ui: Ui, options: Options | None = None,
             version: str | None = None, facts: Mapping[str, Any] | None = None) -> Release:
    """A release of the project at ``root``, its facts resolved from the project's files
    (``facts``: resolvers that replace some, as a monorepo's packages' tag names do)."""
    return Release(root, config, ui, options, version=version,
                   facts={**FACTS, **facts} if facts else FACTS)


def choose_part(rel: Release, scheme: object) -> str | None:
    """The part to bump: ``--part``, else the ``part`` key; ``auto`` asks the commits."""
    part = rel.options.part or rel.config.part
    if part != "auto" or rel.options.new_version:
        return part
    from release_tasks.changelog.commits import choose_part

    part, reason = choose_part(rel.root, scheme)
    rel.replan(part=part, part_reason=reason)
    return part


def next_version(rel: Release, scheme: Any) -> str:
    """The bump, or the version the history's unreleased section names."""
    from release_tasks.changelog.unreleased import choose_version

    history = None if "history" in rel.options.skip else (lambda: rel.history_path)
    new, named_in = choose_version(history, scheme, rel.options.part, rel.options.new_version,
                                   lambda: choose_part(rel, scheme))
    if named_in:
        rel.replan(part_reason=named_in)
    return new


def fix_plan(rel: Release) -> None:
    """Settle the plan before the steps run: what the checks found is written into it, so
    every step reads the same name, tag and targets from here on."""
    from release_tasks.core.plan import Targets

    def known(fact: Any) -> Any:
        try:
            return fact()
        except ReleaseError:
            return None  # reported by the checks, or not needed by this run

    repo = rel.known("repo")
    repos = rel.known("repos") or ()
    docs_targets = known(lambda: tuple(rel.docs_targets)) or ()
    targets = Targets(repository=repo.display if repo is not None else rel.config.repository,
                      repositories=tuple(b.display for b in repos),
                      docs_target=docs_targets[0] if docs_targets else None,
                      docs_targets=docs_targets, history_path=known(lambda: rel.history_path))
    rel.replan(name=known(lambda: rel.name), tag=known(lambda: rel.tag), targets=targets)


def built_files(root: Path, journal: Journal) -> list[Path]:
    """The files of the journal's release in dist/, for its undo."""
    from release_tasks.build.builder import dists_for

    if not journal.name or not journal.version:
        return []
    return list(dists_for(root / "dist", journal.name, journal.version))
