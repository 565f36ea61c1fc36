"""build: sdist and wheel from the tag, then twine check."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.prepared import Prepared
from release_tasks.core.release import Release, Report
from release_tasks.core.results import BuildStarted, Built, Tagged
from release_tasks.vcs import git


class Build(Step):
    name = "build"
    concurrent = True
    needs = (Tagged,)  # built from the tag's tree
    provides = (Built, BuildStarted)

    def describe(self, rel: Release) -> str:
        how = "isolated" if rel.config.build_isolation else "no build isolation"
        return f"python -m build ({how}) on a checkout of tag {rel.tag} → dist/, twine check"

    def begin(self, rel: Release, report: Report) -> bool:
        """Its checks need no version: they run while the version is worked out."""
        self.check(rel, report)
        return True

    def check(self, rel: Release, report: Report) -> None:
        from release_tasks.build import readme

        problem = readme.problem(rel.root)
        if problem:
            report.error(f"{problem} (twine check would fail; fix the markup)")
        from release_tasks.build.checkout import missing_submodules

        for path in missing_submodules(rel.root):
            report.error(f"submodule {path} is not checked out, so it cannot be built (run "
                         "`git submodule update --init --recursive`, then release)")

    def check_alone(self, rel: Release, report: Report) -> None:
        self.check(rel, report)
        if not git.tag_exists(rel.root, rel.tag):
            report.error(f"tag {rel.tag} does not exist (run `fab tag` first)")

    def prepare(self, rel: Release) -> Prepared | None:
        """Make (or find) the isolated build environment while the history is edited: its
        requirements are known before the tag exists; then start its Python with the
        backend imported. Only with uv, which keeps its temporary files in its own cache,
        so an interrupted release leaves nothing."""
        from release_tasks.build import builder, envcache

        config = rel.config
        if not config.build_isolation or config.fresh_env or \
                envcache.installer(config.build_installer) != "uv":
            return None
        return Prepared(self.name, lambda: builder.prepare_environment(
            rel.root, config.build_installer))

    def run(self, rel: Release, step: Any) -> Built:
        # twine's check (docutils, readme_renderer) takes a while to import: import it
        # here, idle while the backend builds on another core, not while the history is
        # edited, where it would take the interpreter from the commits.
        from release_tasks.build import readme

        importer = threading.Thread(target=_import_twine, args=(readme.may_be_rst(rel.root),),
                                    name="import-twine", daemon=True)
        importer.start()
        built = self._build(rel, step)
        # build_docs, running alongside, has its wheel now: it needs no more than the files.
        rel.results.provide(built)
        step.update("twine check")
        importer.join()
        from release_tasks.build.builder import check

        check(list(built.dists))
        step.note = ", ".join(p.name for p in built.dists)
        return built

    def _build(self, rel: Release, step: Any) -> Built:
        """The sdist and wheel, proven to carry the new version, or nothing new in dist/."""
        from release_tasks.build import proof
        from release_tasks.build.builder import build

        if rel.has_prepared(self.name):
            step.update("waiting for the build environment")
        warm = rel.take_prepared(self.name)
        step.update("checking out the tag")
        src = rel.export()
        step.update(f"building sdist + wheel of {rel.name} {rel.version}")
        before = proof.snapshot(rel.dist_dir)
        rel.results.provide(BuildStarted(None if before is None else frozenset(before)))
        dists: list[Path] = []
        try:
            try:
                dists = build(src, rel.name, rel.version, rel.dist_dir,
                              rel.scratch() / "build", rel.config.build_isolation,
                              echo=rel.ui.detail, installer_choice=rel.config.build_installer,
                              fresh_env=rel.config.fresh_env,
                              env=rel.scheme.build_env(rel.name, rel.version), runner=warm,
                              timeout=rel.config.build_timeout or None,
                              carriers=lambda said: _carriers(src, said))
            finally:
                if warm is not None:
                    warm.close()
            # Recorded (with their sha256: --resume uploads only these) before the checks,
            # so a rollback after any later failure removes them.
            if rel.journal is not None:
                rel.journal.record_dists(dists)
            step.update("checking the version of what was built")
            proof.prove(dists, rel.name, rel.version, carriers=lambda said: _carriers(src, said))
        except BaseException:
            proof.remove_new(rel.dist_dir, before)
            raise
        return Built(tuple(dists))

    def undo(self, rel: Release) -> str | None:
        from release_tasks.build import proof

        built = rel.results.get(Built)
        removed = [p for p in (built.dists if built else ()) if p.exists()]
        for p in removed:
            p.unlink()
        # dist/ as the build found it: what appeared since is the build's. A build that
        # never got that far (its checkout or environment failed) made nothing there.
        started = rel.results.get(BuildStarted)
        if started is not None and started.dist_before is None:
            proof.remove_new(rel.dist_dir, None)
        return "removed the built files" if removed else None


def _carriers(src: Path, version: str) -> list[str]:
    """The files of the built tree that carry ``version`` as the project's version."""
    from release_tasks.versioning import truth

    return sorted({p.path for p in truth.locate(src, version)})


def _import_twine(rst: bool) -> None:
    """What the check of the built files uses (builder.check), and nothing more: the
    reStructuredText renderer only for a README that may be written in it."""
    if rst:
        import readme_renderer.rst  # noqa: F401
    import twine.package  # noqa: F401
