"""Package indexes: where a release goes, what is already there, and who we are there.

A repository is one of: a ``.pypirc`` section name, an upload URL, ``file:///path`` (a
local folder index in PEP 503 layout that pip installs from with
``--index-url file:///path/simple``) or ``scp://[user@]host[:port]/path``. Unset, it is a
local folder index under the user's data directory, never the public PyPI.

What is on an index is read from its simple page, not guessed from upload errors: twine's
``--skip-existing`` does not work for private indexes.
"""

from __future__ import annotations

import configparser
import hashlib
import html
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from release_tasks.core import redact
from release_tasks.core.errors import ConfigError, IndexUnreachable
from release_tasks.core.project import normalize

TIMEOUT = 15


def data_dir() -> Path:
    """Where the embedded defaults keep things (``~/.local/share/release_tasks``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("release_tasks", appauthor=False))


def default_repository() -> str:
    return (data_dir() / "index").as_uri()


@dataclass
class UploadResult:
    """What an upload did, per file: the scp:// path (ssh.session) fills one too."""

    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already there, same content


@dataclass(frozen=True)
class Repository:
    """Where dists are uploaded, and where their simple page can be read."""

    kind: str  # "file", "http", "scp"
    upload_url: str  # the URL (http), folder (file), or scp URL
    simple_url: str | None  # ends with "/"; None until probed for http indexes
    section: str | None = None  # the .pypirc section it came from
    username: str | None = None
    password: str | None = None
    credentials_from: str | None = None

    @property
    def display(self) -> str:
        label = redact.sanitize_url(self.upload_url)
        return f"{self.section} ({label})" if self.section else label

    @property
    def folder(self) -> Path:
        return Path(unquote(urlsplit(self.upload_url).path))

    def pip_install(self, name: str, version: str) -> str | None:
        """The command that installs the release, when we know where pip can find it
        (a bare ``pip install`` would ask the public PyPI: never suggest that)."""
        if self.simple_url is None:
            return None
        return f"pip install --index-url {redact.sanitize_url(self.simple_url)} {name}=={version}"


def _pypirc_path() -> Path:
    return Path(os.environ.get("PYPIRC", Path.home() / ".pypirc"))


def _read_pypirc() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    path = _pypirc_path()
    if path.is_file():
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as e:
            raise ConfigError(f"{path} is malformed: {str(e).splitlines()[0]}",
                              "fix its INI syntax") from None
    return parser


def resolve(repository: str | None, index_url: str | None = None) -> Repository:
    """Turn the ``repository`` setting into a :class:`Repository` (no network access)."""
    value = (repository or "").strip() or default_repository()
    if value.startswith("file://"):
        folder = Path(unquote(urlsplit(value).path))
        return Repository("file", folder.as_uri(), (folder / "simple").as_uri() + "/")
    if value.startswith("scp://"):
        return Repository("scp", value, _slash(index_url) if index_url else None)
    if value.startswith(("http://", "https://")):
        user, password, source = _credentials(value, None)
        return Repository("http", value, _slash(index_url) if index_url else None,
                          username=user, password=password, credentials_from=source)
    if "://" in value or "/" in value:
        raise ConfigError(f"repository {value!r} is not a .pypirc section or a supported URL",
                          "use a section name, http(s)://, file:/// or scp://")
    parser = _read_pypirc()
    if not parser.has_section(value):
        defaults = {"pypi": "https://upload.pypi.org/legacy/",
                    "testpypi": "https://test.pypi.org/legacy/"}
        if value not in defaults:
            raise ConfigError(f"repository {value!r} is not a section of {_pypirc_path()}",
                              "add the section, or set repository to the index's upload URL")
        url = defaults[value]
    else:
        url = parser.get(value, "repository", fallback="").strip()
        if not url:
            raise ConfigError(f"section [{value}] of {_pypirc_path()} has no repository URL",
                              "add repository = https://... to it")
    user, password, source = _credentials(url, value)
    simple = index_url or {"https://upload.pypi.org/legacy/": "https://pypi.org/simple/",
                           "https://test.pypi.org/legacy/": "https://test.pypi.org/simple/"}.get(url)
    return Repository("http", url, _slash(simple) if simple else None, section=value,
                      username=user, password=password, credentials_from=source)


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _credentials(url: str, section: str | None) -> tuple[str | None, str | None, str | None]:
    """Username, password and where they came from, the way twine looks them up.

    Order: TWINE_USERNAME/TWINE_PASSWORD, the ``.pypirc`` section (named, or the one whose
    repository is this URL), then the keyring. The password is registered for redaction.
    """
    user = os.environ.get("TWINE_USERNAME")
    password = os.environ.get("TWINE_PASSWORD")
    source = "TWINE_USERNAME/TWINE_PASSWORD" if user or password else None
    parser = None
    if not (user and password):
        parser = _read_pypirc()
        match = section
        if match is None:
            for name in parser.sections():
                if parser.get(name, "repository", fallback="").rstrip("/") == url.rstrip("/"):
                    match = name
                    break
        if match and parser.has_section(match):
            user = user or parser.get(match, "username", fallback=None)
            password = password or parser.get(match, "password", fallback=None)
            if user or password:
                source = source or f"{_pypirc_path().name} [{match}]"
    if user and not password:
        password = _keyring_password(url, user)
        if password:
            source = (source or "") + " + keyring"
    redact.register(password)
    return user, password, source


def _keyring_password(url: str, user: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(url, user)
    except (KeyringError, RuntimeError, OSError):
        return None


# --- reading an index -------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def parse_simple_page(page: str, base_url: str) -> dict[str, tuple[str, str | None]]:
    """``{filename: (absolute url, sha256 or None)}`` from a PEP 503 project page."""
    parser = _Links()
    parser.feed(page)
    files: dict[str, tuple[str, str | None]] = {}
    for href, text in parser.links:
        url, _, fragment = href.partition("#")
        filename = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or text
        digest = None
        m = re.search(r"sha256=([0-9a-fA-F]{64})", fragment)
        if m:
            digest = m.group(1).lower()
        files[filename] = (urljoin(base_url, url), digest)
    return files


def session(repo: Repository) -> Any:
    import requests

    s = requests.Session()
    s.headers["User-Agent"] = "release_tasks"
    if repo.username and repo.password:
        s.auth = (repo.username, repo.password)
    return s


def probe_simple_url(repo: Repository) -> Repository:
    """Find the index's simple URL (``/simple/`` or devpi's ``/+simple/``) when not set."""
    if repo.simple_url or repo.kind != "http":
        return repo
    import dataclasses

    import requests

    base = _slash(repo.upload_url)
    last_error = None
    with session(repo) as s:
        for candidate in (base + "simple/", base + "+simple/"):
            try:
                r = s.get(candidate, timeout=TIMEOUT, allow_redirects=False)
            except requests.RequestException as e:
                last_error = e
                break
            if r.status_code == 200:
                return dataclasses.replace(repo, simple_url=candidate)
            if r.status_code in (401, 403):
                raise IndexUnreachable(
                    f"index {repo.display} refused to list packages (HTTP {r.status_code})",
                    "check the credentials (TWINE_USERNAME/TWINE_PASSWORD or .pypirc)")
    if last_error is not None:
        raise IndexUnreachable(f"index {repo.display} is unreachable: {_reason(last_error)}")
    raise IndexUnreachable(f"index {repo.display} has no simple page at simple/ or +simple/",
                           "set index_url to the index's simple URL")


def _reason(error: Exception) -> str:
    text = redact.redact(str(error))
    for marker in ("Connection refused", "Name or service not known", "timed out",
                   "Failed to resolve", "No route to host"):
        if marker in text:
            return marker.lower()
    return text.splitlines()[0][:160] if text else type(error).__name__


def files_on_index(repo: Repository, name: str) -> dict[str, tuple[str, str | None]]:
    """What the index holds for project ``name``: ``{filename: (url, sha256)}``."""
    project = normalize(name)
    if repo.kind == "file":
        folder = repo.folder / "simple" / project
        if not folder.is_dir():
            return {}
        return {p.name: (p.as_uri(), sha256(p)) for p in folder.iterdir()
                if p.is_file() and p.name != "index.html"}
    if repo.kind == "scp":
        return {}
    import requests

    repo = probe_simple_url(repo)
    assert repo.simple_url is not None
    url = repo.simple_url + project + "/"
    with session(repo) as s:
        try:
            r = s.get(url, timeout=TIMEOUT, allow_redirects=False,
                      headers={"Accept": "text/html"})
            if r.is_redirect and urlsplit(r.headers.get("Location", "")).netloc in (
                    "", urlsplit(url).netloc):
                url = urljoin(url, r.headers["Location"])
                r = s.get(url, timeout=TIMEOUT, allow_redirects=False,
                          headers={"Accept": "text/html"})
        except requests.RequestException as e:
            raise IndexUnreachable(f"index {repo.display} is unreachable: {_reason(e)}") from None
    if r.status_code == 404 or r.is_redirect:
        # pypiserver redirects unknown projects to pypi.org: that is not our index.
        return {}
    if r.status_code in (401, 403):
        raise IndexUnreachable(f"index {repo.display} refused to list {name} "
                               f"(HTTP {r.status_code})",
                               "check the credentials (TWINE_USERNAME/TWINE_PASSWORD or .pypirc)")
    if r.status_code != 200:
        raise IndexUnreachable(f"index {repo.display} answered HTTP {r.status_code} for {url}")
    return parse_simple_page(r.text, url)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def remote_sha256(repo: Repository, url: str) -> str:
    """Download a file the index lists without a hash, to compare contents."""
    if url.startswith("file://"):
        return sha256(Path(unquote(urlsplit(url).path)))
    import requests

    with session(repo) as s:
        try:
            r = s.get(url, timeout=60)
            r.raise_for_status()
        except requests.RequestException as e:
            raise IndexUnreachable(f"cannot download {url.rsplit('/', 1)[-1]} from "
                                   f"{repo.display}: {_reason(e)}") from None
    return hashlib.sha256(r.content).hexdigest()


# --- the local folder index -------------------------------------------------------------


def write_to_folder(repo: Repository, name: str, files: list[Path]) -> list[str]:
    """Add ``files`` to a local folder index; returns the names actually added.

    Each file is written under a temporary name and renamed, so an interrupted copy never
    leaves a partial file under the real name. A file already there with the same content
    is skipped; with different content it is an error, like on a real index.
    """
    from release_tasks.core.errors import UploadError

    project = normalize(name)
    folder = repo.folder / "simple" / project
    folder.mkdir(parents=True, exist_ok=True)
    added = []
    for path in files:
        target = folder / path.name
        if target.exists():
            if sha256(target) == sha256(path):
                continue
            raise UploadError(f"{path.name} is already in {repo.display} with different content",
                              "an index never replaces a released file: release a new version")
        fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=folder)
        os.close(fd)
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
        added.append(path.name)
    _write_simple_pages(repo.folder / "simple")
    return added


def _write_simple_pages(simple: Path) -> None:
    projects = sorted(p.name for p in simple.iterdir() if p.is_dir())
    for project in projects:
        files = sorted(p for p in (simple / project).iterdir()
                       if p.is_file() and p.name != "index.html" and not p.name.startswith("."))
        links = "\n".join(
            f'<a href="{html.escape(p.name)}#sha256={sha256(p)}">{html.escape(p.name)}</a><br>'
            for p in files)
        _atomic_write(simple / project / "index.html",
                      f"<!DOCTYPE html>\n<html><head><title>Links for {project}</title></head>"
                      f"<body><h1>Links for {project}</h1>\n{links}\n</body></html>\n")
    links = "\n".join(f'<a href="{p}/">{p}</a><br>' for p in projects)
    _atomic_write(simple / "index.html",
                  f"<!DOCTYPE html>\n<html><head><title>Simple index</title></head>"
                  f"<body>\n{links}\n</body></html>\n")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
