"""Uploading the built files to the configured repository.

Before each upload the index's simple page is read: a file already there with the same
sha256 is skipped (so a resumed release never uploads twice), one with different content
is an error. HTTP uploads use twine's own ``Repository`` and ``PackageFile`` (metadata and
the upload protocol are twine's job); the orchestration around it is ours.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path

from release_tasks.core import redact
from release_tasks.core.errors import UploadError
from release_tasks.publish import index
from release_tasks.publish.index import Repository, UploadResult

__all__ = ["UploadResult", "upload", "verify"]


def upload(repo: Repository, name: str, dists: list[Path],
           progress: Callable[[str], None] | None = None,
           host_keys: dict[str, tuple[str, str]] | None = None) -> UploadResult:
    """Upload ``dists`` of project ``name`` to ``repo``; see the module docstring.

    ``host_keys``: the SSH host keys the release's pre-flight trusted (``scp://`` only).
    """
    result = UploadResult()
    if repo.kind == "file":
        added = index.write_to_folder(repo, name, dists)
        result.uploaded = added
        result.skipped = [p.name for p in dists if p.name not in added]
        return result
    if repo.kind == "scp":
        from release_tasks.ssh import session

        return session.upload_dists(repo, dists, progress, host_keys)
    repo = index.probe_simple_url(repo)
    existing = index.files_on_index(repo, name)
    todo = []
    for path in dists:
        if path.name in existing:
            if _same_content(repo, path, existing[path.name]):
                result.skipped.append(path.name)
                continue
            raise UploadError(f"{path.name} is already on {repo.display} with different content",
                              "an index never replaces a released file: release a new version")
        todo.append(path)
    for path in todo:
        if progress:
            progress(f"uploading {path.name}")
        _upload_one(repo, path)
        result.uploaded.append(path.name)
    return result


def _same_content(repo: Repository, path: Path, listed: tuple[str, str | None]) -> bool:
    url, digest = listed
    if digest is None:
        digest = index.remote_sha256(repo, url)
    return digest == index.sha256(path)


def _upload_one(repo: Repository, path: Path) -> None:
    import requests
    from twine.package import PackageFile
    from twine.repository import Repository as TwineRepository

    twine_repo = TwineRepository(repo.upload_url, repo.username, repo.password,
                                 disable_progress_bar=True)
    try:
        # twine prints "Uploading x" and retry warnings itself; we report progress ourselves.
        with contextlib.redirect_stdout(io.StringIO()):
            package = PackageFile.from_filename(str(path), comment=None)
            response = twine_repo.upload(package, max_redirects=3)
    except requests.RequestException as e:
        raise UploadError(f"upload of {path.name} to {repo.display} failed: "
                          f"{index._reason(e)}",
                          "check that the index is up") from None
    except Exception as e:  # twine's InvalidDistribution and friends
        raise UploadError(f"cannot upload {path.name}: {redact.redact(str(e)).splitlines()[0]}",
                          "rebuild the files with `fab build`") from None
    finally:
        twine_repo.close()
    status = response.status_code
    if status in (200, 201):
        return
    reason = redact.redact(f"{status} {response.reason}".strip())
    if status in (401, 403):
        where = repo.credentials_from or "no credentials were found"
        raise UploadError(
            f"{repo.display} rejected the credentials ({reason}; from {where})",
            "fix TWINE_USERNAME/TWINE_PASSWORD or .pypirc")
    if response.is_redirect:
        raise UploadError(f"{repo.display} redirected the upload ({reason})",
                          "set repository to the index's real upload URL")
    if status in (400, 409):
        raise UploadError(f"{repo.display} refused {path.name} ({reason})",
                          "if the version is already released, release a new one")
    raise UploadError(f"{repo.display} failed to store {path.name} ({reason})",
                      "wait for the index to recover")


def verify(repo: Repository, name: str, dists: list[Path]) -> list[str]:
    """Problems with what the index now lists for these files (empty when all is well)."""
    listed = index.files_on_index(repo, name)
    problems = []
    for path in dists:
        if path.name not in listed:
            problems.append(f"{path.name} is not listed on {repo.display}")
        elif not _same_content(repo, path, listed[path.name]):
            problems.append(f"{path.name} on {repo.display} differs from the local file")
    return problems
