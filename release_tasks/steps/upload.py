"""upload: the built files to the index, then read back from it."""

from __future__ import annotations

from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import (
    ReleaseError,
    UploadError,
)
from release_tasks.core.release import Release, Report
from release_tasks.core.results import Built, Uploaded


class Upload(Step):
    name = "upload"
    concurrent = True
    irreversible = True
    needs = (Built,)
    provides = (Uploaded,)

    def skip_reason(self, rel: Release) -> str | None:
        return "--skip-upload" if "upload" in rel.options.skip else None

    def describe(self, rel: Release) -> str:
        try:
            where, verifies = rel.repo.display, rel.repo.verifies
        except ReleaseError as e:  # described, not raised, in a plan
            where, verifies = f"? ({e})", True
        built = rel.results.get(Built)
        files = ", ".join(p.name for p in built.dists) if built else "sdist + wheel"
        then = ", then check its simple page lists them" if verifies else ""
        then += ", then pip-install it" if rel.config.verify_install else ""
        return f"{files} → {where}{then}"

    def check(self, rel: Release, report: Report) -> None:
        backend = report.guard(lambda: rel.repo)
        if backend is not None:
            backend.check(rel, report)

    def check_alone(self, rel: Release, report: Report) -> None:
        from release_tasks.build.builder import dists_for

        self.check(rel, report)
        found = dists_for(rel.dist_dir, rel.name, rel.version)
        if found:  # what `fab build` made: the build's result, for the upload alone
            rel.results.provide(Built(tuple(found)))
        else:
            report.error(f"no built files of {rel.name} {rel.version} in dist/ "
                         "(run `fab build` first)")

    def run(self, rel: Release, step: Any) -> Uploaded:
        from release_tasks.publish.backend import upload, verify

        built = self.need(rel, Built)
        if built is None or not built.dists:
            raise UploadError("there are no built files to upload", "run `fab build` first")
        dists = list(built.dists)
        backend = rel.repo
        step.update(f"uploading to {backend.display}")
        try:
            result = upload(backend, rel.name, dists, step.update)
        except UploadError as e:
            raise _saying_what_is_there(e, backend, rel, dists) from None
        uploaded = Uploaded(tuple(result.uploaded), tuple(result.skipped))
        if rel.journal is not None:  # before the checks below: the files are there now
            rel.journal.record(uploaded)
        if backend.verifies:
            step.update("checking the index lists the files")
            problems = verify(backend, rel.name, dists)
            if problems:
                raise UploadError("; ".join(problems), "check the index")
        if rel.config.verify_install:
            step.update("installing from the index into a throwaway environment")
            from release_tasks.publish.verify import install

            note = install(backend, rel.name, rel.version)
            if note:
                rel.ui.keep_warning(note)
        parts = []
        if result.uploaded:
            parts.append(f"uploaded {', '.join(result.uploaded)}")
        if result.skipped:
            parts.append(f"already there: {', '.join(result.skipped)}")
        step.note = "; ".join(parts) + f" → {backend.display}"
        return uploaded


def _saying_what_is_there(error: UploadError, backend: Any, rel: Release,
                          dists: list[Any]) -> UploadError:
    """A failed upload may have stored files all the same (an answer lost on its way
    back): the index is asked, since they can never be taken back."""
    from release_tasks.publish.backend import files_there

    try:
        there = files_there(backend, rel.name, rel.version, [p.name for p in dists])
    except ReleaseError:
        return error
    if not there:
        return error
    return UploadError(f"{error.message}; already {backend.where} all the same (indexes never "
                       f"delete): {', '.join(there)}", error.hint)
