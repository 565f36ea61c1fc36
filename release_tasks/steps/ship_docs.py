"""ship_docs: the built docs to their folder or host."""

from __future__ import annotations

import os
import shutil
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
    return targets(rel)[0][1]


def targets(rel: Release) -> list[tuple[str, bool]]:
    """Every docs target, expanded, and whether it has a folder per version."""
    from release_tasks.docs import sphinx

    templates = rel.config.docs_targets or (sphinx.default_target(),)
    return list(zip(rel.docs_targets, (sphinx.per_version(t) for t in templates), strict=True))


class ShipDocs(Step):
    name = "ship_docs"
    concurrent = True
    irreversible = True
    needs = (DocsBuilt,)
    provides = (Shipped,)

    def skip_reason(self, rel: Release) -> str | None:
        return BuildDocs().skip_reason(rel)

    def describe(self, rel: Release) -> str:
        several = rel.docs_targets
        if len(several) > 1:
            return f"→ {len(several)} targets, all or none: {', '.join(several)}"
        if not per_version(rel):
            return f"→ {rel.docs_target}"
        if moves_latest(rel.version, rel.config):
            return f"→ {rel.docs_target} (latest → {rel.version})"
        return f"→ {rel.docs_target} (latest stays: {rel.version} is a pre-release)"

    def check(self, rel: Release, report: Report) -> None:
        if not rel.has_version:
            return
        several = targets(rel)
        for target, versioned in several:  # every target's problems, in one list
            self._check_one(rel, target, versioned, report, space=len(several) > 1)

    def _check_one(self, rel: Release, target: str, versioned: bool, report: Report,
                   space: bool) -> None:
        if target.startswith("ssh://"):
            from release_tasks.docs import ship_ssh

            ship_ssh.check_docs_target(rel, target, report, versioned=versioned,
                                       space=space)
            return
        parent = Path(target).expanduser()
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not os.access(parent, os.W_OK):
            report.error(f"cannot write the docs to {target}: {parent} is not writable "
                         "(fix docs_target)")
        elif space:
            from release_tasks.docs.ship_ssh import space_needed

            need, free = space_needed(rel), shutil.disk_usage(parent).free
            if free < need:
                report.error(f"{parent} has {free / 1e6:.1f} MB free; the docs need about "
                             f"{need / 1e6:.1f} MB (free some space there)")
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
        several = targets(rel)
        if len(several) > 1:
            from release_tasks.docs import fleet

            locations = fleet.ship(rel, html, several, latest, step.update)
            step.note = f"→ {len(locations)} targets"
            return Shipped("\n".join(locations))
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
