"""Current and next version, and rewriting it in the project's files, via bump-my-version.

bump-my-version is used in-process (its Python API), which saves the ~0.8 s a CLI start-up
costs. It reads the project's bumpversion config (``.bumpversion.cfg``,
``.bumpversion.toml``, ``setup.cfg [bumpversion]``, ``pyproject.toml [tool.bumpversion]``)
and honours its ``parse``/``serialize``/parts. A project with no bumpversion config still
works when its version can be found (``[project] version``, ``__version__``): we then hand
bump-my-version an equivalent configuration.

Where a project does not define its own ``parse``, a PEP 440 scheme is used instead of
bump-my-version's bare ``X.Y.Z``, so ``--new-version 2.0.0rc1`` and ``.dev0`` versions work;
for plain ``X.Y.Z`` versions both schemes bump major/minor/patch identically.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_tasks.core.config import read_toml
from release_tasks.core.errors import ConfigError, VersionError
from release_tasks.vcs import git

if TYPE_CHECKING:
    from bumpversion.config.models import Config as BVConfig

CONFIG_FILES = (".bumpversion.cfg", ".bumpversion.toml", "setup.cfg", "pyproject.toml")

PEP440_PARSE = (
    r"(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)"
    r"(?:(?P<pre_l>a|b|rc)(?P<pre_n>\d+))?(?:\.(?P<dev_l>dev)(?P<dev_n>\d+))?"
)
PEP440_SERIALIZE = (
    "{major}.{minor}.{patch}{pre_l}{pre_n}.{dev_l}{dev_n}",
    "{major}.{minor}.{patch}{pre_l}{pre_n}",
    "{major}.{minor}.{patch}.{dev_l}{dev_n}",
    "{major}.{minor}.{patch}",
)
PEP440_PARTS = {
    "pre_l": {"values": ["a", "b", "rc", "final"], "optional_value": "final",
              "first_value": "final"},
    "dev_l": {"values": ["dev", "release"], "optional_value": "release",
              "first_value": "release"},
}

_VERSION_ASSIGN = re.compile(r"""^__version__\s*[:=]\s*(?:str\s*=\s*)?['"]([^'"]+)['"]""", re.M)
_SKIP_DIRS = {"tests", "test", "docs", "doc", "build", "dist", "node_modules", "venv"}


@dataclass
class Scheme:
    """How this project's version is stored and bumped."""

    root: Path
    description: str  # for the one line that says what was detected
    config_file: Path | None
    bv: BVConfig
    tag_template: str
    files: list[str] = field(default_factory=list)  # relative paths that carry the version
    has_own_parse: bool = True
    explicit_tag_message: str | None = None

    @property
    def current(self) -> str:
        return str(self.bv.current_version)

    @property
    def parts(self) -> list[str]:
        return list(self.bv.version_config.order)

    @property
    def sign_tags(self) -> bool:
        return bool(self.bv.sign_tags)

    def tag_name(self, version: str) -> str:
        return self.tag_template.replace("{new_version}", version).replace(
            "{current_version}", version)

    def tag_message(self, version: str) -> str:
        """The project's ``tag_message`` when it sets one, else ``Release X.Y.Z``
        (bump-my-version's default "Bump version: a → b" says nothing about a tag made on
        its own, where a and b are the same)."""
        template = self.explicit_tag_message or "Release {new_version}"
        return template.replace("{new_version}", version).replace(
            "{current_version}", self.current)

    def commit_message(self, new: str) -> str:
        return self.bv.message.replace("{current_version}", self.current).replace(
            "{new_version}", new)

    def default_part(self) -> str:
        """``patch``; under the built-in scheme a ``.devN`` or ``rcN``/``aN``/``bN`` version
        releases its final (1.5.1.dev0 → 1.5.1, 2.0.0rc1 → 2.0.0), as people expect."""
        if not self.has_own_parse:
            if ".dev" in self.current:
                return "dev_l"
            parsed = self.bv.version_config.parse(self.current)
            if parsed is not None and parsed["pre_l"].value not in ("final", "", None):
                return "pre_l"
        return "patch"

    def next_version(self, part: str | None = None, new_version: str | None = None) -> str:
        """The version a release would create; raises VersionError on bad input."""
        from bumpversion.bump import get_next_version
        from bumpversion.context import get_context
        from bumpversion.exceptions import BumpVersionError

        vc = self.bv.version_config
        current = vc.parse(self.current)
        if new_version is not None:
            new_version = new_version.strip()
            parsed = vc.parse(new_version)
            if parsed is None or _serialize(self.bv, parsed) != new_version:
                where = f" (parse in {self.description})" if self.has_own_parse else ""
                raise VersionError(
                    f"--new-version {new_version!r} does not match this project's version "
                    f"pattern{where}",
                    "give a version like " + self.current
                    + (" or extend parse/serialize in the bumpversion config"
                       if self.has_own_parse else ""),
                )
            new = new_version
        else:
            part = part or self.default_part()
            if part not in self.parts:
                raise VersionError(f"unknown version part {part!r}",
                                   "use one of: " + ", ".join(self.parts))
            try:
                bumped = get_next_version(current, self.bv, part, None)
                new = self.bv.version_config.serialize(bumped, get_context(self.bv))
            except (BumpVersionError, ValueError) as e:
                raise VersionError(f"cannot bump {part} of {self.current}: {e}",
                                   "pick another --part or give --new-version") from None
            if vc.parse(new) is None or _serialize(self.bv, vc.parse(new)) != new or \
                    not _pep440_ok(new, self.current):
                raise VersionError(f"bumping {part} of {self.current} gives {new!r}, "
                                   "which is not a valid version",
                                   "pick another --part or give --new-version")
        if not is_greater(self, new, self.current):
            raise VersionError(f"new version {new} is not greater than the current {self.current}",
                               "give a higher --new-version or another --part")
        return new

    def check_files(self, new: str) -> list[str]:
        """Problems that would stop the version from being written (changes nothing)."""
        try:
            self._modify(new, dry_run=True)
        except VersionError as e:
            return [str(e)]
        return []

    def apply(self, new: str) -> list[str]:
        """Write ``new`` into every configured file; returns the paths that changed."""
        self._modify(new, dry_run=False)
        changed = set(git.dirty_files(self.root))
        return sorted(changed)

    def _modify(self, new: str, dry_run: bool) -> None:
        from bumpversion.config.files import update_config_file
        from bumpversion.config.files_legacy import update_ini_config_file
        from bumpversion.context import get_context
        from bumpversion.exceptions import BumpVersionError
        from bumpversion.files import modify_files, resolve_file_config

        vc = self.bv.version_config
        current, target = vc.parse(self.current), vc.parse(new)
        ctx = get_context(self.bv, current, target)
        files = resolve_file_config(self.bv.files_to_modify, vc)
        try:
            with _quiet():
                modify_files(files, current, target, ctx, dry_run)
                cfg = self.config_file
                if cfg is not None and cfg.suffix in {".cfg", ".ini"}:
                    update_ini_config_file(cfg, self.current, new, dry_run)
                elif cfg is not None:
                    update_config_file(cfg, self.bv, current, target, ctx, dry_run)
        except (BumpVersionError, FileNotFoundError, ValueError) as e:
            detail = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise VersionError(
                f"cannot write version {new}: {detail}",
                f"check the file list in {self.description}",
            ) from None


def _serialize(bv: BVConfig, version: Any) -> str:
    from bumpversion.context import get_context

    return str(bv.version_config.serialize(version, get_context(bv)))


def _pep440_ok(new: str, current: str) -> bool:
    """Refuse versions like ``1.4.2final1`` that only look valid to the regex."""
    from packaging.version import InvalidVersion, Version

    try:
        Version(current)
    except InvalidVersion:
        return True  # not a PEP 440 project (calendar versions etc.): trust the scheme
    try:
        Version(new)
    except InvalidVersion:
        return False
    return True


def is_greater(scheme: Scheme, new: str, current: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(new) > Version(current)
    except InvalidVersion:
        pass
    vc = scheme.bv.version_config
    a, b = vc.parse(new), vc.parse(current)
    if a is None or b is None:
        return new != current
    for name in vc.order:
        x, y = a[name], b[name]
        values = getattr(x.func, "_values", None)
        kx = values.index(x.value) if values else int(x.value or 0)
        ky = values.index(y.value) if values else int(y.value or 0)
        if kx != ky:
            return kx > ky
    return False


@contextlib.contextmanager
def _quiet():
    """bump-my-version prints warnings (deprecated .cfg) straight to the terminal."""
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        yield


def find_config_file(root: Path) -> Path | None:
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        if path.suffix == ".toml":
            tool = read_toml(path).get("tool", {})
            if name == ".bumpversion.toml" or isinstance(tool.get("bumpversion"), dict):
                return path
        elif name == ".bumpversion.cfg" or "[bumpversion]" in path.read_text(encoding="utf-8"):
            return path
    return None


def _raw_bumpversion_config(path: Path) -> dict[str, Any]:
    from bumpversion.config.files import read_config_file

    with _quiet():
        try:
            return dict(read_config_file(path))
        except Exception as e:  # configparser/tomlkit errors vary by version
            raise ConfigError(f"{path.name} has a malformed bumpversion section: "
                              f"{str(e).splitlines()[0]}", "fix its syntax") from None


def find_version_files(root: Path) -> list[tuple[str, str]]:
    """``(relative path, version)`` for every ``__version__ = "..."`` in the package."""
    found = []
    candidates = [*root.glob("*/__init__.py"), *root.glob("src/*/__init__.py"),
                  *root.glob("*/_version.py"), *root.glob("src/*/_version.py"),
                  *root.glob("*/__about__.py"), *root.glob("src/*/__about__.py"),
                  *root.glob("*/version.py"), *root.glob("src/*/version.py")]
    for path in sorted(set(candidates)):
        rel = path.relative_to(root)
        if rel.parts[0] in _SKIP_DIRS or rel.parts[0].startswith("."):
            continue
        match = _VERSION_ASSIGN.search(path.read_text(encoding="utf-8", errors="replace"))
        if match:
            found.append((rel.as_posix(), match.group(1)))
    return found


def detect(root: Path) -> Scheme:
    """Work out how the project at ``root`` stores its version."""
    from bumpversion.config import get_configuration

    config_file = find_config_file(root)
    overrides: dict[str, Any] = {}
    files: list[str] = []
    raw: dict[str, Any] = {}
    if config_file is not None:
        raw = _raw_bumpversion_config(config_file)
        section = {"setup.cfg": "setup.cfg [bumpversion]",
                   "pyproject.toml": "pyproject.toml [tool.bumpversion]"}
        description = section.get(config_file.name, config_file.name)
    else:
        pyproject_version = None
        pyproject = root / "pyproject.toml"
        if pyproject.is_file():
            project = read_toml(pyproject).get("project", {})
            if isinstance(project.get("version"), str) and "version" not in project.get(
                    "dynamic", []):
                pyproject_version = project["version"]
        version_files = find_version_files(root)
        versions = {v for _, v in version_files} | ({pyproject_version} - {None})
        if not versions:
            raise VersionError(
                "no bumpversion config and no version found",
                "add [tool.bumpversion] current_version to pyproject.toml "
                "(see bump-my-version's docs) or a __version__ in the package",
            )
        if len(versions) > 1:
            where = ", ".join(f"{p}: {v}" for p, v in version_files)
            if pyproject_version:
                where = f"pyproject.toml: {pyproject_version}, " + where
            raise VersionError(f"the version differs between files ({where})",
                               "make them agree, or add a bumpversion config")
        current = versions.pop()
        file_specs: list[dict[str, Any]] = []
        labels = []
        if pyproject_version:
            file_specs.append({"filename": "pyproject.toml", "key_path": "project.version"})
            files.append("pyproject.toml")
            labels.append("pyproject.toml [project] version")
        for rel, _ in version_files:
            file_specs.append({"filename": rel,
                               "search": "__version__ = \"{current_version}\"",
                               "replace": "__version__ = \"{new_version}\"",
                               "regex": False})
            files.append(rel)
            labels.append(f"{rel} __version__")
        # Quotes may be single: accept either by searching the bare version in those files.
        for spec in file_specs[1 if pyproject_version else 0:]:
            text = (root / spec["filename"]).read_text(encoding="utf-8")
            if f'__version__ = "{current}"' not in text:
                spec["search"] = "{current_version}"
                spec["replace"] = "{new_version}"
        overrides = {"current_version": current, "files": [
            {**spec, "filename": str(root / spec["filename"])} for spec in file_specs]}
        description = " and ".join(labels) + " (no bumpversion config)"
    has_own_parse = "parse" in raw or "serialize" in raw
    if not has_own_parse:
        overrides.update(parse=PEP440_PARSE, serialize=PEP440_SERIALIZE,
                         parts={**PEP440_PARTS, **raw.get("parts", {})})
    try:
        with _quiet():
            bv = get_configuration(config_file, **overrides)
    except Exception as e:  # pydantic ValidationError, ConfigurationError, ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(f"bumpversion config in {description} is invalid: {first}",
                          "fix it; `bump-my-version show-bump` shows what it reads") from None
    if not bv.current_version:
        raise ConfigError(f"{description} has no current_version",
                          "add current_version = \"X.Y.Z\" to it")
    if bv.version_config.parse(str(bv.current_version)) is None:
        raise ConfigError(
            f"current_version {bv.current_version!r} in {description} does not match its parse "
            "pattern", "fix current_version or parse")
    if config_file is not None:
        files = sorted({Path(f.filename).relative_to(root).as_posix()
                        if f.filename and Path(f.filename).is_absolute() else str(f.filename)
                        for f in bv.files if f.filename} | {config_file.name})
    tag_template = str(raw["tag_name"]) if "tag_name" in raw else _tag_template_from_history(
        root, str(bv.current_version))
    return Scheme(root=root, description=description, config_file=config_file, bv=bv,
                  tag_template=tag_template, files=files, has_own_parse=has_own_parse,
                  explicit_tag_message=str(raw["tag_message"]) if "tag_message" in raw
                  else None)


def _tag_template_from_history(root: Path, current: str) -> str:
    """``{new_version}``, or ``v{new_version}`` when the project already tags that way."""
    if not git.tag_exists(root, current) and git.tag_exists(root, f"v{current}"):
        return "v{new_version}"
    return "{new_version}"
