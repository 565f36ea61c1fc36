"""build_docs: the docs of the tagged tree, in the project's own docs environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import DocsError
from release_tasks.core.prepared import Prepared
from release_tasks.core.release import Release, Report
from release_tasks.core.results import Built, DocsBuilt, Tagged


class BuildDocs(Step):
    name = "build_docs"
    concurrent = True
    early = True  # the docs builder's Python: its fork runs the probe, Sphinx imported once
    needs = (Tagged, Built)  # the tag's tree; its wheel, installed in the docs environment
    provides = (DocsBuilt,)

    def skip_reason(self, rel: Release) -> str | None:
        if "docs" in rel.options.skip:
            return "--skip-docs"
        try:
            if rel.docs_source is None:
                return "no Sphinx docs (no conf.py in docs/ or doc/) and no mkdocs.yml"
        except DocsError:
            return None  # reported by check()
        return None

    def describe(self, rel: Release) -> str:
        from release_tasks.docs import sphinx

        source = rel.docs_source
        if source is None:
            return "?"
        out = sphinx.build_dir(rel.root).relative_to(rel.root).as_posix()
        if source.builder == "sphinx":
            what = f"sphinx-build {source.relative(source.dir)}/"
        else:
            what = f"mkdocs build -f {source.relative()}"
        return f"{what} → {out}/ (version {rel.version}) in {rel.docs_env.describe()}"

    def begin(self, rel: Release, report: Report) -> bool:
        """The docs need no version to be found and probed: start at once."""
        if self.skip_reason(rel) is None:
            self.check(rel, report)
            return True
        return False

    def check(self, rel: Release, report: Report) -> None:
        """Make (or find) the docs environment and load the docs' config in it.

        A theme or extension the environment lacks fails the release here, before any
        commit, instead of at build_docs after the tag.
        """
        from release_tasks.docs import environment

        source = report.guard(lambda: rel.docs_source)
        env = report.guard(lambda: rel.docs_env) if source is not None else None
        if source is None or env is None:
            return
        if env.isolated and not env.cached:
            how = "inferred; " if env.inferred else ""
            rel.ui.info(f"  making the docs environment from {env.why} ({how}once; cached "
                        "after)")
        elif env.isolated:
            rel.ui.info(f"  docs built in {env.describe()}")
        env = report.guard(environment.ensure, env, source, rel.ui.detail)
        if env is None:
            return
        rel.learn("docs_env", env)  # the plan then says it was made now
        finish = report.guard(environment.start_probe, env, source,
                              rel.peek_prepared(self.name))
        if finish is not None:
            report.later(lambda: self._missing(finish(), env, source, report))

    @staticmethod
    def _missing(missing: list[Any], env: Any, source: Any, report: Report) -> None:
        from release_tasks.docs import environment

        for m in missing:
            report.error(environment.missing_problem(m, env, source))

    def prepare(self, rel: Release) -> Prepared | None:
        """The docs builder's Python, Sphinx imported beside the editor, the tag and the
        build (its environment was made by the checks)."""
        try:
            source, env = rel.docs_source, rel.docs_env
        except DocsError:
            return None
        if source is None or not env.python.exists():
            return None
        return Prepared(self.name, lambda: _warm(env, source))

    def run(self, rel: Release, step: Any) -> DocsBuilt:
        from release_tasks.docs import environment, mkdocs, sphinx

        source, env = rel.docs_source, rel.docs_env
        assert source is not None
        # In a release the docs come from the tag, like the dists; `fab build_docs` on its
        # own builds the work tree, which is what someone previewing their docs wants.
        src = rel.export() if rel.journal is not None else rel.root
        if env.isolated:
            step.update("docs environment")
            environment.ensure(env, source, rel.ui.detail)
            project = self._wheel(rel, step) or src
            step.update(f"installing {project.name} into the docs environment")
            environment.install_project(env, project, rel.name, rel.root, rel.ui.detail)
        config = src / source.config.relative_to(rel.root)
        strict = rel.config.docs_strict or source.fail_on_warning
        out = sphinx.build_dir(rel.root)
        step.update(f"{source.builder} {rel.version}")
        warm = rel.take_prepared(self.name)
        said: list[str] = []
        try:
            if source.builder == "sphinx":
                html = sphinx.build(config.parent, rel.version, out, strict=strict,
                                    cwd=src, echo=rel.ui.detail, python=env.python,
                                    runner=warm, say=said.append,
                                    timeout=rel.config.build_timeout or None)
            else:
                html = mkdocs.build(config, rel.version, out, strict=strict,
                                    cwd=src, echo=rel.ui.detail, python=env.python,
                                    runner=warm, say=said.append,
                                    timeout=rel.config.build_timeout or None)
        finally:
            if warm is not None:
                warm.close()
        step.note = "; ".join([f"{sum(1 for _ in html.rglob('*.html'))} pages", *said])
        return DocsBuilt(html)

    def _wheel(self, rel: Release, step: Any) -> Path | None:
        """The wheel this release builds: waited for while the build step runs beside us.
        Alone (``fab build_docs``), the work tree is installed instead."""
        if rel.journal is None:
            return None
        if rel.results.get(Built) is None:
            step.update("waiting for the wheel")
        built = self.need(rel, Built)
        if built is None:
            raise DocsError("no wheel to document: the build did not finish", "")
        return built.wheel


def _warm(env: Any, source: Any) -> Any:
    """The docs environment's Python, started now, the builder imported (core.worker)."""
    from release_tasks.core.worker import WarmRunner
    from release_tasks.docs import environment, mkdocs, sphinx

    if source.builder == "sphinx":
        return WarmRunner(env.python, sphinx.PRELOAD, source.dir, sphinx=True,
                          env={**os.environ, **environment.path_env(env)})
    return WarmRunner(env.python, mkdocs.PRELOAD, source.dir,
                      env={**os.environ, **environment.path_env(env)})
