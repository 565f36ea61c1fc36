"""Who we are on an index, resolved by twine's own code, so a setup that works for
``twine upload`` works here unchanged.

twine's repository config (what its ``Settings`` reads) comes from the ``.pypirc`` (PyPA's
layout: ``[pypi]`` needs no ``repository`` line, ``ca_cert`` and ``client_cert`` per
section, a URL with a token in its user part) and its auth ``Resolver`` looks in
``TWINE_USERNAME``/``TWINE_PASSWORD``, the section, then the keyring. Two things differ, on purpose:

- Nothing is ever prompted for: a release runs unattended once it starts, so a missing
  credential is reported by the pre-flight instead.
- A password (token) without a user name goes with ``__token__``, as twine does for PyPI:
  private indexes that take tokens (and ignore the name) are the common case.

A section that exists in ``.pypirc`` but is not listed under ``[distutils] index-servers``
is read too (twine only reads listed ones): the old ``distutils`` rule trips people up
and a named section is an unambiguous request.

twine is imported inside the functions: ``fab --list`` must not pay for it.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_tasks.core import redact
from release_tasks.core.errors import ConfigError

TOKEN_USERNAME = "__token__"  # the user twine gives a token (twine.auth.TOKEN_USERNAME)
KNOWN = {"pypi": "https://upload.pypi.org/legacy/", "testpypi": "https://test.pypi.org/legacy/"}


@dataclass(frozen=True)
class Credentials:
    """What requests to an index carry. ``source`` says where they came from, never what."""

    username: str | None = None
    password: str | None = None
    source: str | None = None
    ca_cert: str | None = None  # a CA bundle to trust instead of the system's
    client_cert: str | None = None  # one PEM file with the client key and certificate


def pypirc_path() -> Path:
    """``$PYPIRC`` or ``~/.pypirc`` (twine takes ``--config-file``; we take the variable)."""
    return Path(os.environ.get("PYPIRC") or Path.home() / ".pypirc")


def read_pypirc() -> configparser.RawConfigParser:
    """The raw file, for the questions twine does not answer (does a section exist?)."""
    parser = configparser.RawConfigParser()
    path = pypirc_path()
    if path.is_file():
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as e:
            # configparser's own text can quote a line of the file, password included.
            raise ConfigError(f"{path} is malformed: {type(e).__name__}",
                              "fix its INI syntax") from None
    return parser


def section_for_url(url: str) -> str | None:
    """The ``.pypirc`` section whose ``repository`` is ``url``: its credentials apply."""
    parser = read_pypirc()
    for name in parser.sections():
        if parser.get(name, "repository", fallback="").strip().rstrip("/") == url.rstrip("/"):
            return name
    return None


def _repository_config(section: str | None, url: str | None) -> dict[str, Any]:
    """twine's repository config (``utils.get_repository_from_config``, what its
    ``Settings`` reads) for a section or a URL; a section ``[distutils] index-servers``
    does not list is read the same way."""
    from twine import exceptions, utils

    path = pypirc_path()
    config_file = str(path) if path.is_file() else utils.DEFAULT_CONFIG_FILE
    try:
        parser = read_pypirc()
        if section and section not in utils.get_config(config_file) and \
                parser.has_section(section):
            config: dict[str, Any] = {
                k: parser.get(section, k, fallback=None)
                for k in ("username", "password", "repository", "ca_cert", "client_cert")}
            config["repository"] = utils.normalize_repository_url(
                str(config["repository"] or "").strip())
            return config
        return dict(utils.get_repository_from_config(config_file, section or "pypi",
                                                     None if section else url))
    except exceptions.TwineException as e:
        # twine's messages never hold a secret (it masks configparser's on purpose).
        first = redact.redact(str(e)).strip().splitlines()[0]
        raise ConfigError(f"the index settings cannot be read: {first}",
                          f"fix {path} or the repository setting") from None


def in_environment() -> bool:
    """Both the user and the password are in ``TWINE_USERNAME``/``TWINE_PASSWORD``."""
    return bool(os.environ.get("TWINE_USERNAME") and os.environ.get("TWINE_PASSWORD"))


def _resolved(config: dict[str, Any], twine_user: str | None,
              twine_password: str | None) -> tuple[str | None, str | None]:
    """The user and password twine's auth ``Resolver`` finds, never prompting."""
    from twine import auth, exceptions

    class _Resolver(auth.Resolver):
        """twine's resolver, never asking: a missing user is the token user, a missing
        password is the pre-flight's to report."""

        def username_from_keyring_or_prompt(self) -> str:
            return self.get_username_from_keyring() or TOKEN_USERNAME

        def prompt(self, what: str, how: Any = None) -> str:
            raise exceptions.NonInteractive(f"Credential not found for {what}.")

    resolver = _Resolver(config, auth.CredentialInput(twine_user or None, twine_password or None))
    username = resolver.username
    if twine_password or config.get("password"):
        return username, resolver.password
    return username, resolver.get_password_from_keyring()


def resolve(section: str | None, url: str | None) -> tuple[str, Credentials]:
    """The upload URL (without any user part) and the credentials for it.

    Every secret found is registered for redaction before it can reach any output, along
    with a user name that came from the URL itself (there it is a token, not a name).
    """
    from twine import utils

    config = _repository_config(section, url)
    twine_user, twine_password = os.environ.get("TWINE_USERNAME"), os.environ.get("TWINE_PASSWORD")
    if in_environment():
        # twine's resolver takes both as given, before the config or the keyring: the same
        # answer without importing it (and keyring, the longest import of a release).
        username, password = twine_user, twine_password
    else:
        username, password = _resolved(config, twine_user, twine_password)
    if url and not section and config.get("username"):  # https://TOKEN@host/...
        redact.register(config.get("username"))
    redact.register(password)
    where = f"{pypirc_path().name} [{section}]" if section else "the repository URL"
    user_from = ("TWINE_USERNAME" if twine_user else where if config.get("username")
                 else "keyring" if username and username != TOKEN_USERNAME else None)
    if not password:
        username = username if user_from else None
        source = user_from
    else:
        password_from = ("TWINE_PASSWORD" if twine_password else where if config.get("password")
                         else "keyring")
        if user_from is None:
            source = f"{password_from}, user {TOKEN_USERNAME}"
        elif user_from == password_from:
            source = user_from
        elif (user_from, password_from) == ("TWINE_USERNAME", "TWINE_PASSWORD"):
            source = "TWINE_USERNAME/TWINE_PASSWORD"
        else:
            source = f"{user_from} + {password_from}"
    return str(config["repository"]), Credentials(
        username=username, password=password or None, source=source,
        ca_cert=utils.get_cacert(os.environ.get("TWINE_CERT") or None, config),
        client_cert=utils.get_clientcert(None, config))
