"""upload: the built files to the index, then read back from it."""

from __future__ import annotations

from typing import Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import (
    ReleaseError,
    UploadError,
)
from release_tasks.core.release import Release, Report


class Upload(Step):
    name = "upload"
    group = "ship"
    irreversible = True

    def skip_reason(self, rel: Release) -> str | None:
        return "--skip-upload" if "upload" in rel.options.skip else None

    def describe(self, rel: Release) -> str:
        try:
            where, kind = rel.repo.display, rel.repo.kind
        except ReleaseError as e:  # described, not raised, in a plan
            where, kind = f"? ({e})", "?"
        files = ", ".join(p.name for p in rel.dists) if rel.dists else "sdist + wheel"
        then = "" if kind == "scp" else ", then check its simple page lists them"
        then += ", then pip-install it" if rel.config.verify_install else ""
        return f"{files} → {where}{then}"

    def check(self, rel: Release, report: Report) -> None:
        from release_tasks.publish import index

        repo = report.guard(lambda: rel.repo)
        if repo is None:
            return
        if repo.kind == "http" and not (repo.username and repo.password):
            if repo.section:
                report.error(f"no credentials for {repo.display}: add username and password "
                             "to its .pypirc section, or set TWINE_USERNAME/TWINE_PASSWORD")
            else:
                report.warn(f"no credentials found for {repo.display}: the upload is sent "
                            "without any (set TWINE_USERNAME/TWINE_PASSWORD or a .pypirc "
                            "entry if the index needs them)")
        if repo.kind == "scp":
            from release_tasks.ssh import session

            session.check_repository(rel, repo, report)
            return
        probed = report.guard(index.probe_simple_url, repo)
        if probed is None:
            return
        rel.repo = probed  # later requests and the summary use the index's simple URL
        if not rel.has_version:
            return
        listed = report.guard(index.files_on_index, probed, rel.name)
        if listed is None:
            return
        from release_tasks.build.builder import is_dist_of

        already = [f for f in listed if is_dist_of(f, rel.name, rel.version)]
        if already and rel.fresh:
            report.error(f"{rel.name} {rel.version} is already on {repo.display} "
                         f"({', '.join(already)}): release a new version")

    def check_alone(self, rel: Release, report: Report) -> None:
        from release_tasks.build.builder import dists_for

        self.check(rel, report)
        rel.dists = dists_for(rel.dist_dir, rel.name, rel.version)
        if not rel.dists:
            report.error(f"no built files of {rel.name} {rel.version} in dist/ "
                         "(run `fab build` first)")

    def run(self, rel: Release, step: Any) -> None:
        from release_tasks.publish.index import probe_simple_url
        from release_tasks.publish.upload import upload, verify

        if not rel.dists:
            raise UploadError("there are no built files to upload", "run `fab build` first")
        rel.repo = probe_simple_url(rel.repo)
        step.update(f"uploading to {rel.repo.display}")
        result = upload(rel.repo, rel.name, rel.dists, step.update, rel.host_keys)
        rel.uploaded = result.uploaded
        rel.skipped_uploads = result.skipped
        if rel.journal is not None:
            rel.journal.uploaded = result.uploaded + result.skipped
            rel.journal.save()
        step.update("checking the index lists the files")
        if rel.repo.kind != "scp":
            problems = verify(rel.repo, rel.name, rel.dists)
            if problems:
                raise UploadError("; ".join(problems), "check the index")
        if rel.config.verify_install:
            step.update("installing from the index into a throwaway environment")
            from release_tasks.publish.verify import install

            note = install(rel.repo, rel.name, rel.version)
            if note:
                rel.warnings.append(note)
        parts = []
        if result.uploaded:
            parts.append(f"uploaded {', '.join(result.uploaded)}")
        if result.skipped:
            parts.append(f"already there: {', '.join(result.skipped)}")
        step.note = "; ".join(parts) + f" → {rel.repo.display}"
