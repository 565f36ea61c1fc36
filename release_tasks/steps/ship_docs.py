"""ship_docs: the built docs to their folder or host."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import (
    DocsError,
)
from release_tasks.core.release import Release, Report

from .build_docs import BuildDocs


class ShipDocs(Step):
    name = "ship_docs"
    group = "ship"
    irreversible = True

    def skip_reason(self, rel: Release) -> str | None:
        return BuildDocs().skip_reason(rel)

    def describe(self, rel: Release) -> str:
        return f"→ {rel.docs_target} (latest → {rel.version})"

    def check(self, rel: Release, report: Report) -> None:
        if not rel.has_version:
            return
        target = rel.docs_target
        if target.startswith("ssh://"):
            from release_tasks.ssh import session as ssh

            ssh.check_docs_target(rel, target, report)
            return
        parent = Path(target).expanduser()
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not os.access(parent, os.W_OK):
            report.error(f"cannot write the docs to {target}: {parent} is not writable "
                         "(fix docs_target)")

    def run(self, rel: Release, step: Any) -> None:
        from release_tasks.docs import sphinx as docs

        html = rel.docs_html or docs.build_dir(rel.root)
        if not (html / "index.html").is_file():
            raise DocsError("the docs are not built", "run `fab build_docs` first")
        target = rel.docs_target
        if target.startswith("ssh://"):
            from release_tasks.ssh import session as ssh

            rel.docs_location = ssh.ship_docs(rel, html, target, step.update)
        else:
            rel.docs_location = docs.ship_local(html, target)
        if rel.journal is not None:
            rel.journal.docs_location = rel.docs_location
            rel.journal.save()
        step.note = f"→ {rel.docs_location}"
