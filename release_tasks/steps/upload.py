"""upload: the built files to each repository, then read back from each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from release_tasks.core.engine import Step
from release_tasks.core.errors import (
    ReleaseError,
    UploadError,
)
from release_tasks.core.release import Release, Report
from release_tasks.core.results import Built, Uploaded

if TYPE_CHECKING:
    from release_tasks.publish.backend import UploadResult


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
            backends = rel.repos
            where = ", ".join(b.display for b in backends)
            verifies = any(b.verifies for b in backends)
            several = len(backends) > 1
        except ReleaseError as e:  # described, not raised, in a plan
            where, verifies, several = f"? ({e})", True, False
        built = rel.results.get(Built)
        files = ", ".join(p.name for p in built.dists) if built else "sdist + wheel"
        page = "each simple page lists" if several else "its simple page lists"
        then = f", then check {page} them" if verifies else ""
        then += ", then pip-install it" if rel.config.verify_install else ""
        return f"{files} → {where}{then}"

    def check(self, rel: Release, report: Report) -> None:
        """Every repository, side by side: reachable, credentials, the version not there
        yet, and (when the built files are known: a resume, ``fab upload``) none of them
        there with other content. Every problem of every repository is listed."""
        from release_tasks.publish import fleet

        backends = report.guard(lambda: rel.repos)
        if backends is None:
            return
        built = rel.results.get(Built)

        def check_one(backend: Any) -> Report:
            found = Report()
            backend.check(rel, found)
            if built is not None and not found.errors:
                found.guard(_no_conflicts, backend, rel, list(built.dists), found)
            return found

        for outcome in fleet.each(backends, check_one):
            if outcome.error is not None:
                report.error(str(outcome.error))
            found = outcome.value
            if found is not None:
                for text in found.errors:
                    report.error(text)
                for text in found.warnings:
                    report.warn(text)
                report.passed.extend(found.passed)

    def check_alone(self, rel: Release, report: Report) -> None:
        from release_tasks.build.builder import dists_for

        found = dists_for(rel.dist_dir, rel.name, rel.version)
        if found:  # what `fab build` made: the build's result, for the upload alone
            rel.results.provide(Built(tuple(found)))
        self.check(rel, report)
        if not found:
            report.error(f"no built files of {rel.name} {rel.version} in dist/ "
                         "(run `fab build` first)")

    def run(self, rel: Release, step: Any) -> Uploaded:
        from release_tasks.publish import fleet

        built = self.need(rel, Built)
        if built is None or not built.dists:
            raise UploadError("there are no built files to upload", "run `fab build` first")
        dists = list(built.dists)
        backends = rel.repos
        several = len(backends) > 1

        def to_one(backend: Any) -> UploadResult:
            def say(text: str) -> None:
                step.update(f"{backend.display}: {text}" if several else text)

            return _upload_to(rel, backend, dists, say)

        step.update(f"uploading to {', '.join(b.display for b in backends)}")
        outcomes = fleet.each(backends, to_one)
        failed = [o for o in outcomes if o.error is not None]
        if failed and not several:
            assert failed[0].error is not None
            raise failed[0].error
        if failed:
            step.update(f"failed on {', '.join(o.backend.display for o in failed)}")
            raise _failed_on_some(outcomes)
        each = tuple((o.backend.display, tuple(o.value.uploaded), tuple(o.value.skipped))
                     for o in outcomes if o.value is not None)
        uploaded = Uploaded(_union(e[1] for e in each), _union(e[2] for e in each), each)
        step.note = "; ".join(_said(files, skipped, where) for where, files, skipped in each)
        return uploaded


def _upload_to(rel: Release, backend: Any, dists: list[Any], say: Any) -> UploadResult:
    """One repository's whole share: upload, record what reached it, read it back, and
    install from it (``verify_install``)."""
    from release_tasks.publish.backend import upload, verify

    say(f"uploading to {backend.display}")
    try:
        result = upload(backend, rel.name, dists, say)
    except UploadError as e:
        raise _saying_what_is_there(e, backend, rel, dists) from None
    if rel.journal is not None:  # before the checks below: the files are there now
        rel.journal.record_reached(backend.display, [*result.uploaded, *result.skipped])
    if backend.verifies:
        say("checking the index lists the files")
        problems = verify(backend, rel.name, dists)
        if problems:
            raise UploadError("; ".join(problems), "check the index")
    if rel.config.verify_install and backend.simple_url is None and len(rel.repos) > 1:
        rel.ui.keep_warning(f"the install was not checked on {backend.display}: pip cannot "
                            "read it (index_url, if any, is the first repository's)")
    elif rel.config.verify_install:
        say("installing from the index into a throwaway environment")
        from release_tasks.publish.verify import install

        note = install(backend, rel.name, rel.version)
        if note:
            rel.ui.keep_warning(note)
    return result


def _no_conflicts(backend: Any, rel: Release, dists: list[Any], report: Report) -> None:
    from release_tasks.publish.backend import conflicts

    clash = conflicts(backend, rel.name, dists)
    if clash:
        verb = "is" if len(clash) == 1 else "are"
        report.error(f"{', '.join(clash)} {verb} already {backend.where} with different "
                     "content (an index never replaces a released file: release a new "
                     "version)")


def _failed_on_some(outcomes: list[Any]) -> UploadError:
    """One error for every repository that failed, naming each, and where the files are."""
    failed = [o for o in outcomes if o.error is not None]
    done = [o.backend.display for o in outcomes if o.error is None]
    what = "; ".join(f"{o.backend.display}: {o.error.message}" for o in failed)
    have = f" ({', '.join(done)} {'has' if len(done) == 1 else 'have'} the files)" \
        if done else ""
    hints = [o.error.hint for o in failed if o.error.hint]
    return UploadError(f"upload failed on {len(failed)} of {len(outcomes)} repositories: "
                       f"{what}{have}", "; ".join(dict.fromkeys(hints)))


def _union(groups: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for group in groups for f in group))


def _said(files: tuple[str, ...], skipped: tuple[str, ...], where: str) -> str:
    parts = []
    if files:
        parts.append(f"uploaded {', '.join(files)}")
    if skipped:
        parts.append(f"already there: {', '.join(skipped)}")
    return "; ".join(parts) + f" → {where}"


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
    if rel.journal is not None:
        rel.journal.record_reached(backend.display, there)
    return UploadError(f"{error.message}; already {backend.where} all the same (indexes never "
                       f"delete): {', '.join(there)}", error.hint)
