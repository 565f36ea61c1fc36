"""An HTTP package index (pypiserver, Artifactory, Nexus, PyPI...): upload in twine's form,
read back from the index's simple pages.

What is on an index is read from its simple page, not guessed from upload errors: twine's
``--skip-existing`` does not work for private indexes. Every request goes through one
requests session made the way twine makes its own (``twine.utils.make_requests_session``:
urllib3 retries of GETs on connection errors and 500-503), with connect and read timeouts,
the credentials and the ``ca_cert``/``client_cert`` twine resolved: so one 502 from an
index that is restarting never fails a step that cannot be undone. The simple pages are
read with the standard library (``json`` for PEP 691, ``html.parser`` for PEP 503's
anchors): all a release needs of them is each file's name, URL and sha256, and reading
them must not cost an import as large as the request (pypi-simple brings BeautifulSoup:
0.12 s, paid twice per release, in the pre-flight and in the check after the upload).

requests and twine are imported inside the functions: ``fab --list`` must not
pay for them.
"""

from __future__ import annotations

import contextlib
import hashlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from release_tasks.core import redact
from release_tasks.core.errors import IndexUnreachable, UploadError
from release_tasks.publish.backend import (
    Listed,
    Progress,
    Release,
    Report,
    RepositoryBackend,
    check_not_released,
)
from release_tasks.publish.index import Repository, sanitize_url

# PEP 691 JSON first, then PEP 503 HTML, as pip asks.
ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, "
          "text/html;q=0.01")
JSON_PAGE = "application/vnd.pypi.simple.v1+json"
HTML_PAGES = ("application/vnd.pypi.simple.v1+html", "text/html")
TIMEOUT = (10, 60)  # seconds to connect, seconds between bytes read
UPLOAD_ATTEMPTS = 3  # an upload answered 5xx is sent again, as twine's upload does
CREDENTIALS_HINT = "check the credentials (TWINE_USERNAME/TWINE_PASSWORD or .pypirc)"
TLS_HINT = ("set ca_cert (or TWINE_CERT) to the CA bundle the index's certificate comes "
            "from, and client_cert if it asks for one, in the .pypirc section")


def reason(error: Exception) -> str:
    """A requests failure in a few words, without any URL credentials."""
    text = redact.redact(str(error))
    for marker in ("Connection refused", "Name or service not known", "timed out",
                   "Failed to resolve", "No route to host", "CERTIFICATE_VERIFY_FAILED",
                   "certificate required", "too many 5"):
        if marker.lower() in text.lower():
            return marker.lower()
    return text.splitlines()[0][:160] if text else type(error).__name__


def form_fields(metadata: Any) -> list[tuple[str, Any]]:
    """An upload's form fields from twine's ``metadata_dictionary``, as twine's
    ``Repository`` writes them (what warehouse's ``parse_form_metadata`` reads back)."""
    fields: list[tuple[str, Any]] = []
    for key, value in metadata.items():
        if value is None:
            continue
        if key == "project_urls":
            fields += [(key, f"{name}, {url}") for name, url in dict(value).items()]
        elif key == "keywords" and isinstance(value, list):
            fields.append((key, ", ".join(value)))
        elif isinstance(value, (list, tuple)):
            fields += [(key, item) for item in value]
        else:
            fields.append((key, value))
    return fields


def pin_tls(session: Any, repo: Repository) -> None:
    """Make every request of ``session`` use the index's ``ca_cert`` and ``client_cert``.

    Per request, not only as ``session.verify``: requests lets ``REQUESTS_CA_BUNDLE`` or
    ``CURL_CA_BUNDLE`` from the environment override a session's CA bundle, and both are
    commonly set machine-wide.
    """
    import functools

    if repo.ca_cert:
        session.verify = repo.ca_cert
        session.request = functools.partial(session.request, verify=repo.ca_cert)
    if repo.client_cert:
        session.cert = repo.client_cert


def make_session(repo: Repository) -> Any:
    """twine's session (retries, user agent) with what twine resolved for this index."""
    from twine.utils import make_requests_session

    session = make_requests_session()
    if repo.username or repo.password:  # as twine's Repository: a URL's token may be alone
        session.auth = (repo.username or "", repo.password or "")
    pin_tls(session, repo)
    return session


class HttpBackend(RepositoryBackend):
    """An index reached over HTTP; see the module docstring."""

    kind = "http"
    verifies = True
    # Where an index keeps its simple pages, relative to the upload URL, in probe order.
    simple_paths: tuple[str, ...] = ("simple/", "+simple/")

    def __init__(self, repo: Repository) -> None:
        super().__init__(repo)
        self.timeout: tuple[float, float] = TIMEOUT  # set from network_timeout
        self._simple = repo.simple_url
        self._session: Any = None
        self._depth = 0

    # --- what it is ---------------------------------------------------------------------

    @property
    def simple_url(self) -> str | None:
        return self._simple  # found by the probe when the repository did not say

    # --- one session per use --------------------------------------------------------------

    def __enter__(self) -> HttpBackend:
        if self._depth == 0:
            self._session = make_session(self.repo)
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._session.close()
            self._session = None

    def _get(self, url: str, what: str, **kwargs: Any) -> Any:
        """GET with twine's retries; a failure that outlasts them is one line."""
        import requests

        try:
            return self._session.get(url, timeout=self.timeout, **kwargs)
        except requests.exceptions.SSLError as e:
            raise IndexUnreachable(f"TLS with {self.display} failed while {what}: {reason(e)}",
                                   TLS_HINT) from None
        except requests.exceptions.RetryError as e:
            raise IndexUnreachable(f"index {self.display} kept failing while {what} "
                                   f"({reason(e)})", "wait for the index to recover") from None
        except requests.RequestException as e:
            raise IndexUnreachable(f"index {self.display} is unreachable: {reason(e)}") from None

    # --- reading --------------------------------------------------------------------------

    def probe(self) -> str:
        """The index's simple URL, found once (``/simple/``, devpi's ``/+simple/``)."""
        if self._simple:
            return self._simple
        base = self.repo.upload_url if self.repo.upload_url.endswith("/") else \
            self.repo.upload_url + "/"
        with self:
            for path in self.simple_paths:
                r = self._get(base + path, "looking for its simple page", allow_redirects=False)
                if r.status_code == 200:
                    self._simple = base + path
                    return self._simple
                if r.status_code in (401, 403):
                    raise IndexUnreachable(f"index {self.display} refused to list packages "
                                           f"(HTTP {r.status_code})", CREDENTIALS_HINT)
        raise IndexUnreachable(
            f"index {self.display} has no simple page at {' or '.join(self.simple_paths)}",
            "set index_url to the index's simple URL")

    def listing(self, project: str) -> dict[str, Listed]:
        """What the index holds for ``project`` (a normalised name)."""
        url = self.probe() + project + "/"
        with self:
            r = self._get(url, f"listing {project}", allow_redirects=False,
                          headers={"Accept": ACCEPT})
            location = r.headers.get("Location", "") if r.is_redirect else ""
            if location and urlsplit(location).netloc in ("", urlsplit(url).netloc):
                url = urljoin(url, location)  # a same-index redirect to the normalised name
                r = self._get(url, f"listing {project}", allow_redirects=False,
                              headers={"Accept": ACCEPT})
        if r.status_code == 404 or r.is_redirect:
            # pypiserver redirects unknown projects to pypi.org: that is not our index.
            return {}
        if r.status_code in (401, 403):
            raise IndexUnreachable(f"index {self.display} refused to list {project} "
                                   f"(HTTP {r.status_code})", CREDENTIALS_HINT)
        if r.status_code != 200:
            raise IndexUnreachable(f"index {self.display} answered HTTP {r.status_code} for "
                                   f"{sanitize_url(url)}")
        try:
            return _json_listing(r, url) if _is_json(r) else _html_listing(r, url)
        except ValueError as e:  # JSON that does not parse is a ValueError too
            raise IndexUnreachable(f"index {self.display} sent a page for {project} that is "
                                   f"not a simple page: {reason(e)}",
                                   "set index_url to the index's simple URL") from None

    def digest(self, listed: Listed) -> str:
        """Download a file the index lists without a hash, to compare contents."""
        with self:
            r = self._get(listed.url, f"downloading {listed.filename}", stream=True)
            with contextlib.closing(r):
                if r.status_code != 200:
                    raise IndexUnreachable(f"cannot download {listed.filename} from "
                                           f"{self.display} (HTTP {r.status_code})")
                h = hashlib.sha256()
                for chunk in r.iter_content(1 << 20):
                    h.update(chunk)
        return h.hexdigest()

    # --- pre-flight -----------------------------------------------------------------------

    def check(self, rel: Release, report: Report) -> None:
        repo = self.repo
        if repo.section and not (repo.username and repo.password):
            report.error(f"no credentials for {self.display}: add username and password "
                         "to its .pypirc section, or set TWINE_USERNAME/TWINE_PASSWORD")
        elif not (repo.username or repo.password):
            report.warn(f"no credentials found for {self.display}: the upload is sent "
                        "without any (set TWINE_USERNAME/TWINE_PASSWORD or a .pypirc "
                        "entry if the index needs them)")
        if report.guard(self.probe) is not None:
            check_not_released(self, rel, report)

    # --- writing --------------------------------------------------------------------------

    def put(self, project: str, path: Path, progress: Progress) -> None:
        """One file, read by twine's ``PackageFile`` and sent as twine's ``Repository``
        sends it (the same form, 5xx answers tried again up to three times), through this
        backend's session: twine's own upload prints "Uploading x" through rich's
        process-wide console, and sets no timeout (an index that takes the upload and never
        answers would hold the release forever). Progress is reported by the caller."""
        import tarfile
        import zipfile

        import requests
        from twine import exceptions
        from twine.package import PackageFile

        try:
            package = PackageFile.from_filename(str(path), comment=None)
            fields = [*form_fields(package.metadata_dictionary()),
                      (":action", "file_upload"), ("protocol_version", "1")]
        except (exceptions.InvalidDistribution, zipfile.BadZipFile, tarfile.TarError) as e:
            raise UploadError(f"{path.name} is not a valid distribution: {reason(e)}",
                              "rebuild the files with `fab build`") from None
        except OSError as e:
            raise UploadError(f"cannot read {path.name}: {e.strerror or e}",
                              "rebuild the files with `fab build`") from None
        failed = f"upload of {path.name} to {self.display} failed"
        try:
            with self:
                for _attempt in range(UPLOAD_ATTEMPTS):
                    with path.open("rb") as f:
                        response = self._session.post(
                            self.repo.upload_url, data=fields, allow_redirects=False,
                            files=[("content", (package.basefilename, f,
                                                "application/octet-stream"))],
                            timeout=self.timeout)
                    if not 500 <= response.status_code < 600:
                        break
        except requests.exceptions.SSLError as e:
            raise UploadError(f"{failed}: TLS: {reason(e)}", TLS_HINT) from None
        except requests.Timeout:
            raise UploadError(f"{failed}: the index did not answer within "
                              f"{self.timeout[1]:g} s (network_timeout)",
                              "check that the index is up (a slow one may need a larger "
                              "network_timeout)") from None
        except requests.RequestException as e:
            raise UploadError(f"{failed}: {reason(e)}", "check that the index is up") from None
        except OSError as e:  # the file, read while it is sent
            raise UploadError(f"{failed}: cannot read it: {e.strerror or e}",
                              "rebuild the files with `fab build`") from None
        self._answer(path, response)

    def _answer(self, path: Path, response: Any) -> None:
        status = response.status_code
        if status in (200, 201):
            return
        why = redact.redact(f"{status} {response.reason}".strip())
        if status in (401, 403):
            where = self.repo.credentials_from or "no credentials were found"
            raise UploadError(f"{self.display} rejected the credentials ({why}; from {where})",
                              "fix TWINE_USERNAME/TWINE_PASSWORD or .pypirc")
        if response.is_redirect:
            raise UploadError(f"{self.display} redirected the upload ({why})",
                              "set repository to the index's real upload URL")
        if status in (400, 409):
            raise UploadError(f"{self.display} refused {path.name} ({why})",
                              "if the version is already released, release a new one")
        raise UploadError(f"{self.display} failed to store {path.name} ({why})",
                          "wait for the index to recover")

    def finish(self, project: str) -> None:
        """Nothing to do: the index updates its own pages."""


def _is_json(response: Any) -> bool:
    return response.headers.get("Content-Type", "").split(";")[0].strip() == JSON_PAGE


def _json_listing(response: Any, url: str) -> dict[str, Listed]:
    """A PEP 691 page: its ``files``, each with ``filename``, ``url``, ``hashes`` and
    (API 1.1) ``size``."""
    data = response.json()
    version = str((data.get("meta") or {}).get("api-version", "1.0")) \
        if isinstance(data, dict) else ""
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ValueError("no 'files' list in its JSON")
    if version.split(".")[0] != "1":
        raise ValueError(f"simple API version {version} (1.x is known)")
    listed: dict[str, Listed] = {}
    for f in data["files"]:
        if not isinstance(f, dict) or not isinstance(f.get("filename"), str) or \
                not isinstance(f.get("url"), str):
            raise ValueError("a file without filename or url in its JSON")
        hashes = f.get("hashes") if isinstance(f.get("hashes"), dict) else {}
        size = f.get("size") if isinstance(f.get("size"), int) else None
        listed[f["filename"]] = Listed(f["filename"], urljoin(url, f["url"]),
                                       str(hashes.get("sha256") or "").lower() or None, size)
    return listed


def _html_listing(response: Any, url: str) -> dict[str, Listed]:
    """A PEP 503 page: one anchor per file, its text the file name, its URL fragment the
    hash (``#sha256=...``), relative to the page or to its ``<base href>``."""
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in HTML_PAGES:
        raise ValueError(f"its content type is {content_type or 'missing'}")
    reader = _Anchors(url)
    reader.feed(response.text)
    reader.close()
    return reader.files


class _Anchors(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = url
        self.files: dict[str, Listed] = {}
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "base" and href:
            self.base = urljoin(self.base, href)
        elif tag == "a" and href is not None:
            self._href, self._text = href, []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" or self._href is None:
            return
        link, fragment = urldefrag(urljoin(self.base, self._href))
        name = "".join(self._text).strip() or link.rstrip("/").rsplit("/", 1)[-1]
        algorithm, _, value = fragment.partition("=")
        sha256 = value.lower() if algorithm.lower() == "sha256" and value else None
        self.files[name] = Listed(name, link, sha256)
        self._href = None
