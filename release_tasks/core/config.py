"""The release configuration: one frozen dataclass, read once per task.

Sources, lowest to highest precedence: built-in defaults < ``setup.cfg [release_tasks]`` <
``pyproject.toml [tool.release_tasks]`` < Fabric config (``fabric.yaml`` key
``release_tasks``) < task flags. Unknown keys are an error that names the key and where it
was found, because a typo that is silently ignored releases to the wrong place.
"""

from __future__ import annotations

import configparser
import dataclasses
import difflib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from release_tasks.core.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything a release reads from configuration. Secrets never live here."""

    history_file: str | None = None
    # The towncrier fragment type release notes go under (default: from a conventional
    # prefix of the notes, else the project's features/changes/misc type).
    towncrier_type: str | None = None
    # The version part a release bumps when --part is not given; "auto" reads the
    # conventional commits since the last tag (breaking → major, feat → minor, else patch).
    part: str | None = None
    # One place, or a tuple of them (every repository gets the same files; the first is
    # the one the install line names).
    repository: str | tuple[str, ...] | None = None
    index_url: str | None = None
    docs_dir: str | None = None
    # One target, or several (a tuple): every one gets the docs, all or nothing.
    docs_target: str | tuple[str, ...] | None = None
    docs_url: str | None = None
    docs_strict: bool = False
    # Whether `latest` moves to a pre-release's docs too (by default only final releases).
    docs_latest_prereleases: bool = False
    # "sphinx" or "mkdocs" when detection picks the wrong one (default: detected).
    docs_builder: str | None = None
    # false: build the docs in the running environment, not the project's own.
    docs_isolation: bool = True
    slack_channel: str | None = None
    slack_username: str | None = None
    slack_icon_emoji: str | None = None
    slack_template: str | None = None
    slack_webhook_env: str = "SLACK_WEBHOOK_URL"
    # Seconds the notification may take in all, retries included (default 30).
    slack_timeout: str | None = None
    # A JSON body for non-Slack webhooks, e.g. '{"content": "{text}"}'; the URL still
    # comes from slack_webhook_env or the keyring.
    webhook_template: str | None = None
    push: bool = False
    remote: str = "origin"
    release_branch: str | None = None
    dev_bump: bool = False
    build_isolation: bool = True
    # How isolated build environments are made: "auto" (uv when installed), "uv", "pip".
    build_installer: str = "auto"
    # Make isolated environments anew instead of reusing the cached ones (--fresh-env).
    fresh_env: bool = False
    verify_install: bool = False
    # Seconds a build (the PEP 517 backend, sphinx-build, mkdocs) may take before it is
    # stopped and the release fails (and rolls back) instead of hanging; 0: no limit.
    build_timeout: float = 900.0
    # Seconds an index may stay silent (connecting, or during a read) before the step fails
    # with a resumable error: a hung index must not hang the release.
    network_timeout: float = 60.0
    ssh_trust_unknown_hosts: bool = False
    # How many docs hosts are sent to at once (each over its own connection).
    max_parallel_hosts: int = 8
    # Globs of the folders of a monorepo's packages (uv's workspace members without it).
    packages: tuple[str, ...] = ()
    # Where each non-default value came from, for messages ("repository from setup.cfg").
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict, compare=False)

    def source_of(self, key: str) -> str:
        return self.sources.get(key, "the built-in default")

    @property
    def docs_targets(self) -> tuple[str, ...]:
        """Every docs target, in the order given (none when unset: the default applies)."""
        if self.docs_target is None:
            return ()
        return (self.docs_target,) if isinstance(self.docs_target, str) else self.docs_target


_FIELDS = {f.name: f for f in dataclasses.fields(Config) if f.name != "sources"}
KEYS = tuple(_FIELDS)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(key: str, value: Any, where: str) -> Any:
    """Check ``value`` against the field's type; INI files give strings for everything."""
    if key in _LISTS:
        return _string_or_list(key, value, where)
    kind = _FIELDS[key].type
    if kind == "tuple[str, ...]":
        return _globs(key, value, where)
    if kind == "int":
        return _positive_int(key, value, where)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ConfigError(
            f"{key} = {value!r} in {where} is not a boolean", "use true or false"
        )
    if value is None:
        return None
    if kind == "float":
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if isinstance(value, bool) or not (number > 0 or (number == 0 and key in _ZERO_OK)):
            raise ConfigError(f"{key} = {value!r} in {where} is not a number of seconds",
                              "give a positive number, e.g. 60")
        return number
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        if key in _CHOICES and text not in _CHOICES[key]:
            raise ConfigError(f"{key} = {text!r} in {where} is not one of "
                              f"{', '.join(_CHOICES[key])}", "pick one of them")
        return text
    raise ConfigError(f"{key} in {where} must be a string, not {type(value).__name__}",
                      "quote the value")


def _string_or_list(key: str, value: Any, where: str) -> str | tuple[str, ...] | None:
    """One string stays a string (as it always was); a list of several becomes a tuple, and
    a list of one its only item, so that code reading one place reads it unchanged. An INI
    value gives one item a line."""
    if value is None:
        return None
    if isinstance(value, str) and "\n" in value.strip():
        value = [line for line in value.splitlines() if line.strip()]
    if isinstance(value, str):
        return value.strip()
    example = f'write {key} = "..." or {key} = ["...", "..."]'
    if isinstance(value, (list, tuple)) and not value:
        raise ConfigError(f"{key} in {where} is an empty list", f"remove it, or {example}")
    if not isinstance(value, (list, tuple)) or \
            not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{key} = {value!r} in {where} is neither a string nor a list of "
                          "non-empty strings", example)
    items = tuple(v.strip() for v in value)
    twice = next((item for item in items if items.count(item) > 1), None)
    if twice is not None:
        raise ConfigError(f"{key} lists {twice} twice (in {where})", "list each place once")
    return items[0] if len(items) == 1 else items


def _positive_int(key: str, value: Any, where: str) -> int:
    try:
        number = int(str(value).strip()) if not isinstance(value, (bool, float)) else 0
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigError(f"{key} = {value!r} in {where} is not a positive whole number",
                          "give a number such as 8")
    return number


def _globs(key: str, value: Any, where: str) -> tuple[str, ...]:
    """A list of strings (a comma-separated string in an INI file)."""
    if isinstance(value, str):
        value = [v for v in (p.strip() for p in value.replace("\n", ",").split(",")) if v]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} in {where} must be a list of folder globs",
                          'write it as ["packages/*", "tools/cli"]')
    return tuple(value)


_ZERO_OK = ("build_timeout",)  # 0 means no limit
_CHOICES = {"build_installer": ("auto", "uv", "pip"), "docs_builder": ("sphinx", "mkdocs")}
_LISTS = ("repository", "docs_target")  # one string, or a list of them (one a line in INI)


def _check_keys(values: Mapping[str, Any], where: str) -> None:
    for key in values:
        normal = str(key).replace("-", "_")
        if normal not in _FIELDS:
            close = difflib.get_close_matches(normal, KEYS, n=1)
            hint = f"did you mean {close[0]}?" if close else "known keys: " + ", ".join(KEYS)
            raise ConfigError(f"unknown key {key!r} in {where}", hint)


def _normalise(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    _check_keys(values, where)
    return {
        str(k).replace("-", "_"): _coerce(str(k).replace("-", "_"), v, where)
        for k, v in values.items()
    }


def setup_cfg(root: Path, strict: bool = False) -> configparser.ConfigParser | None:
    """The project's setup.cfg, parsed; None when there is none (or, unless ``strict``,
    when it does not parse: then the metadata it would give is simply not there)."""
    path = root / "setup.cfg"
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as e:
        if not strict:
            return None
        first = str(e).splitlines()[0]
        raise ConfigError(f"setup.cfg is malformed: {first}", "fix the file's INI syntax") from None
    return parser


def read_setup_cfg(root: Path) -> dict[str, Any]:
    parser = setup_cfg(root, strict=True)
    if parser is None or not parser.has_section("release_tasks"):
        return {}
    return _normalise(dict(parser.items("release_tasks")), "setup.cfg [release_tasks]")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning a syntax error into a one-line ConfigError."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path.name} is not valid TOML: {e}", "fix the file's syntax") from None


def read_pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    section = read_toml(path).get("tool", {}).get("release_tasks", {})
    if not isinstance(section, dict):
        raise ConfigError("[tool.release_tasks] in pyproject.toml must be a table",
                          "write it as a [tool.release_tasks] section")
    return _normalise(section, "pyproject.toml [tool.release_tasks]")


def load(
    root: Path,
    fabric: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    shared: Path | None = None,
) -> Config:
    """Merge every source for the project at ``root`` into one :class:`Config`.

    ``fabric`` is the ``release_tasks`` mapping from Fabric's own config (fabric.yaml and
    friends); ``overrides`` are task flags, where ``None`` means "not given". ``shared``:
    the root of a monorepo whose package ``root`` is; its settings come first, the
    package's own override them.
    """
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if shared is not None and shared.resolve() != root.resolve():
        layers += [("the root setup.cfg", read_setup_cfg(shared)),
                   ("the root pyproject.toml", read_pyproject(shared))]
    layers += [
        ("setup.cfg", read_setup_cfg(root)),
        ("pyproject.toml", read_pyproject(root)),
    ]
    if fabric:
        layers.append(("Fabric config (release_tasks)",
                       _normalise(dict(fabric), "Fabric config key release_tasks")))
    if overrides:
        flags = {k: v for k, v in overrides.items() if v is not None}
        layers.append(("the command line", _normalise(flags, "the task flags")))
    for where, values in layers:
        for key, value in values.items():
            merged[key] = value
            sources[key] = where
    return Config(**merged, sources=sources)
