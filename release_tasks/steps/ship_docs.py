"""ship_docs: the built docs to their folder or host."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from release_tasks.core.config import Config
from release_tasks.core.engine import Step
from release_tasks.core.errors import DocsError
from release_tasks.core.release import Release, Report
from release_tasks.core.results import DocsBuilt, Shipped

from .build_docs import BuildDocs


def moves_latest(version: str, config: Config) -> bool:
    """Whether ``latest`` follows this version: final releases yes, pre-releases only when
    ``docs_latest_prereleases`` says so (readers landing on ``latest`` want what is
    released, not a release candidate). A version packaging cannot read counts as final.
    """
    from packaging.version import InvalidVersion, Version

    if config.docs_latest_prereleases:
        return True
    try:
        return not Version(version).is_prerelease
    except InvalidVersion:
        return True


def per_version(rel: Release) -> bool:
    """Whether the docs target has a folder per version, with ``latest`` beside it."""
    from release_tasks.docs import sphinx

    return sphinx.per_version(rel.config.docs_target or sphinx.default_target())


class ShipDocs(Step):
    name = "ship_docs"
    concurrent = True
    irreversible = True
    needs = (DocsBuilt,)
    provides = (Shipped,)

    def skip_reason(self, rel: Release) -> str | None:
        return BuildDocs().skip_reason(rel)

    def describe(self, rel: Release) -> str:
        if not per_version(rel):
            return f"→ {rel.docs_target}"
        if moves_latest(rel.version, rel.config):
            return f"→ {rel.docs_target} (latest → {rel.version})"
        return f"→ {rel.docs_target} (latest stays: {rel.version} is a pre-release)"

    def check(self, rel: Release, report: Report) -> None:
        if not rel.has_version:
            return
        target = rel.docs_target
        if target.startswith("ssh://"):
            from release_tasks.docs import ship_ssh

            ship_ssh.check_docs_target(rel, target, report)
            return
        parent = Path(target).expanduser()
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not os.access(parent, os.W_OK):
            report.error(f"cannot write the docs to {target}: {parent} is not writable "
                         "(fix docs_target)")
        from release_tasks.docs.ship_local import not_ours

        problem = not_ours(target, rel.name)
        if problem is not None:
            report.error(problem)

    def run(self, rel: Release, step: Any) -> Shipped:
        from release_tasks.docs import sphinx

        built = self.need(rel, DocsBuilt)
        html = built.html if built is not None else sphinx.build_dir(rel.root)
        if not (html / "index.html").is_file():
            raise DocsError("the docs are not built", "run `fab build_docs` first")
        target = rel.docs_target
        latest = moves_latest(rel.version, rel.config)
        if target.startswith("ssh://"):
            from release_tasks.docs import ship_ssh

            location = ship_ssh.ship_docs(rel, html, target, step.update, latest,
                                          versioned=per_version(rel))
        else:
            from release_tasks.docs.ship_local import ship_local

            location = ship_local(html, target, latest, announce=rel.announce_scratch,
                                  project=rel.name, version=rel.version,
                                  versioned=per_version(rel))
        step.note = f"→ {location}"
        return Shipped(location)
