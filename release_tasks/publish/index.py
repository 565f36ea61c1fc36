"""Where a release goes: the ``repository`` setting, resolved without any network access.

A repository is one of: a ``.pypirc`` section name, an upload URL, ``file:///path`` (a
local folder index in PEP 503 layout that pip installs from with
``--index-url file:///path/simple``) or ``scp://[user@]host[:port]/path``. Unset, it is a
local folder index under the user's data directory, never the public PyPI.

How files get there, and what is already there, is the business of the backends
(:mod:`release_tasks.publish.backend`); this module only says where and as whom.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from release_tasks.core.datadir import data_dir
from release_tasks.core.errors import ConfigError
from release_tasks.publish import credentials

# Where pip reads what was uploaded to the public indexes.
_SIMPLE = {"https://upload.pypi.org/legacy/": "https://pypi.org/simple/",
           "https://test.pypi.org/legacy/": "https://test.pypi.org/simple/"}


def default_repository() -> str:
    return (data_dir() / "index").as_uri()


def sanitize_url(url: str) -> str:
    """twine's own URL sanitizing: any user part (a token, user:password) becomes ``***``."""
    from twine.utils import sanitize_url as twine_sanitize

    return str(twine_sanitize(url))


@dataclass(frozen=True)
class Repository:
    """Where dists are uploaded, and where their simple page can be read."""

    kind: str  # "file", "http", "scp"
    upload_url: str  # the URL (http, without any user part), folder (file), or scp URL
    simple_url: str | None  # ends with "/"; None until probed for http indexes
    section: str | None = None  # the .pypirc section it came from
    username: str | None = None
    password: str | None = None
    credentials_from: str | None = None
    ca_cert: str | None = None
    client_cert: str | None = None
    shown_url: str | None = None  # the URL as configured, sanitized for printing

    @property
    def display(self) -> str:
        label = self.shown_url or sanitize_url(self.upload_url)
        return f"{self.section} ({label})" if self.section else label

    @property
    def folder(self) -> Path:
        return Path(unquote(urlsplit(self.upload_url).path))


def resolve(repository: str | None, index_url: str | None = None) -> Repository:
    """Turn the ``repository`` setting into a :class:`Repository` (no network access)."""
    value = (repository or "").strip() or default_repository()
    if value.startswith("file://"):
        folder = Path(unquote(urlsplit(value).path))
        return Repository("file", folder.as_uri(), (folder / "simple").as_uri() + "/")
    if value.startswith("scp://"):
        return Repository("scp", value, _slash(index_url) if index_url else None)
    if value.startswith(("http://", "https://")):
        # The section whose repository is this URL lends its credentials (not one with a
        # user part: that URL carries its own).
        section = None if "@" in urlsplit(value).netloc else credentials.section_for_url(value)
        url, found = credentials.resolve(section, value)
        return _http(url, None, index_url, found, sanitize_url(value))
    if "://" in value or "/" in value:
        raise ConfigError(f"repository {value!r} is not a .pypirc section or a supported URL",
                          "use a section name, http(s)://, file:/// or scp://")
    parser = credentials.read_pypirc()
    path = credentials.pypirc_path()
    if not parser.has_section(value) and value not in credentials.KNOWN:
        raise ConfigError(f"repository {value!r} is not a section of {path}",
                          "add the section, or set repository to the index's upload URL")
    if value not in credentials.KNOWN and not parser.get(value, "repository", fallback="").strip():
        raise ConfigError(f"section [{value}] of {path} has no repository URL",
                          "add repository = https://... to it")
    url, found = credentials.resolve(value, None)
    return _http(url, value, index_url, found, None)


def _http(url: str, section: str | None, index_url: str | None, found: credentials.Credentials,
          shown: str | None) -> Repository:
    simple = index_url or _SIMPLE.get(url)
    return Repository("http", url, _slash(simple) if simple else None, section=section,
                      username=found.username, password=found.password,
                      credentials_from=found.source, ca_cert=found.ca_cert,
                      client_cert=found.client_cert, shown_url=shown)


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


