"""build: sdist and wheel from the tag, then twine check."""

from __future__ import annotations

from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.release import Release, Report
from release_tasks.vcs import git


class Build(Step):
    name = "build"
    group = "build"

    def describe(self, rel: Release) -> str:
        how = "isolated" if rel.config.build_isolation else "no build isolation"
        return f"python -m build ({how}) on an export of tag {rel.tag} → dist/, twine check"

    def check(self, rel: Release, report: Report) -> None:
        from release_tasks.build.builder import readme_problem

        problem = readme_problem(rel.root)
        if problem:
            report.error(f"{problem} (twine check would fail; fix the markup)")

    def check_alone(self, rel: Release, report: Report) -> None:
        self.check(rel, report)
        if not git.tag_exists(rel.root, rel.tag):
            report.error(f"tag {rel.tag} does not exist (run `fab tag` first)")

    def run(self, rel: Release, step: Any) -> None:
        from release_tasks.build.builder import build, check

        try:
            step.update("exporting the tag")
            src = rel.export()
            step.update(f"building sdist + wheel of {rel.name} {rel.version}")
            rel.dists = build(src, rel.name, rel.version, rel.dist_dir,
                              rel.config.build_isolation, echo=rel.ui.detail,
                              installer_choice=rel.config.build_installer)
        finally:
            rel.dists_done.set()  # build_docs, running alongside, waits for the wheel
        step.update("twine check")
        check(rel.dists)
        if rel.journal is not None:
            rel.journal.dists = [str(p) for p in rel.dists]
            rel.journal.save()
        step.note = ", ".join(p.name for p in rel.dists)

    def undo(self, rel: Release) -> str | None:
        removed = [p for p in rel.dists if p.exists()]
        for p in removed:
            p.unlink()
        return "removed the built files" if removed else None
