"""build_docs: the docs of the tagged tree."""

from __future__ import annotations

from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import (
    DocsError,
)
from release_tasks.core.release import Release, Report


class BuildDocs(Step):
    name = "build_docs"
    group = "build"

    def skip_reason(self, rel: Release) -> str | None:
        if "docs" in rel.options.skip:
            return "--skip-docs"
        try:
            if rel.docs_dir is None:
                return "no Sphinx docs (no conf.py in docs/ or doc/)"
        except DocsError:
            return None  # reported by check()
        return None

    def describe(self, rel: Release) -> str:
        from release_tasks.docs import sphinx

        source = rel.docs_dir.relative_to(rel.root).as_posix() if rel.docs_dir else "?"
        out = sphinx.build_dir(rel.root).relative_to(rel.root).as_posix()
        return f"sphinx-build {source}/ → {out}/ (version {rel.version})"

    def check(self, rel: Release, report: Report) -> None:
        report.guard(lambda: rel.docs_dir)

    def run(self, rel: Release, step: Any) -> None:
        from release_tasks.docs import sphinx

        assert rel.docs_dir is not None
        relative = rel.docs_dir.relative_to(rel.root)
        # In a release the docs come from the tag, like the dists; `fab build_docs` on its
        # own builds the work tree, which is what someone previewing their docs wants.
        src = rel.export() if rel.journal is not None else rel.root
        rel.docs_html = sphinx.build(src / relative, rel.version, sphinx.build_dir(rel.root),
                                     strict=rel.config.docs_strict, cwd=src,
                                     echo=rel.ui.detail)
        if rel.journal is not None:
            rel.journal.docs_html = str(rel.docs_html)
            rel.journal.save()
        step.note = f"{sum(1 for _ in rel.docs_html.rglob('*.html'))} pages"
