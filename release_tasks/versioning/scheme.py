"""One project's version scheme: the current version, the next one, and writing it.

Built by ``versioning.detect`` from what the first matching source found. The versions
themselves are computed by the project's own bumpversion ``parse``/``serialize`` when it
has them, else by ``packaging`` (any PEP 440 version). Files are rewritten, templates
(``tag_name``, ``message``, ``tag_message``) rendered and the project's hooks run by
bump-my-version itself, in-process (a CLI start costs ~0.8 s), so ``{now:%Y}``,
``{new_major}`` and ``pre_commit_hooks`` mean what its docs say; for the repository named,
not the current folder (see :mod:`release_tasks.versioning.inrepo`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_tasks.core.errors import ConfigError, VersionError
from release_tasks.vcs import git
from release_tasks.versioning import inrepo, pep440
from release_tasks.versioning.base import Found, Place
from release_tasks.versioning.gittags import pretend_env

if TYPE_CHECKING:
    from bumpversion.config.models import Config as BVConfig

# One part holding the whole version: bump-my-version then rewrites any PEP 440 string
# (epochs, 2 or 4 numbers, post releases) while packaging decides what the next one is.
WHOLE = {"parse": r"(?P<release>.+)", "serialize": ["{release}"],
         "parts": {"release": {"independent": True}}}


def file_specs(root: Path, places: list[Place]) -> list[dict[str, Any]]:
    specs = []
    for p in places:
        spec: dict[str, Any] = {"filename": str(root / p.path)}
        if p.key_path:
            spec["key_path"] = p.key_path
        else:
            spec.update(search=p.search, replace=p.replace, regex=p.regex)
        specs.append(spec)
    return specs


def load(root: Path, config_file: Path | None, current_from_file: bool = True,
         **overrides: Any) -> BVConfig:
    """bump-my-version's config of ``root``. An ini file (``.bumpversion.cfg``,
    ``setup.cfg``) is read here and handed over as values: given the file, bump-my-version
    prints a deprecation notice to the terminal."""
    from bumpversion.config import get_configuration
    from bumpversion.config.files_legacy import read_ini_file

    try:
        if config_file is not None and config_file.suffix in (".cfg", ".ini"):
            bv = get_configuration(None, **{**read_ini_file(config_file), **overrides})
        else:
            bv = get_configuration(config_file, **overrides)
        return inrepo.with_facts(root, bv, current_from_file)
    except Exception as e:  # pydantic ValidationError, ConfigurationError, ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        where = config_file.name if config_file else "the detected version files"
        raise ConfigError(f"bumpversion config in {where} is invalid: {first}",
                          "fix it; `bump-my-version show-bump` shows what it reads") from None


def check_pep440(current: str, label: str) -> None:
    if pep440.parse(current) is None:
        raise ConfigError(f"current_version {current!r} in {label} is not a PEP 440 version "
                          "and does not match its parse pattern",
                          "fix the version, or give the bumpversion config a parse/serialize")


def write_places(root: Path, current: str, new: str, places: list[Place]) -> list[str]:
    """Rewrite ``places`` from ``current`` to ``new`` (bump-my-version's file modification)."""
    bv = load(root, None, current_version=current, files=file_specs(root, places), **WHOLE)
    scheme = Scheme(root, Found(current, "files", places), bv, None, {}, own_parse=False)
    return scheme.apply(new)


class Scheme:
    """How this project's version is read, bumped, written and tagged."""

    def __init__(self, root: Path, found: Found, bv: BVConfig, config_file: Path | None,
                 raw: dict[str, Any], own_parse: bool, tag_template: str | None = None,
                 ) -> None:
        self.root = root
        self.found = found
        self.bv = bv
        self.config_file = config_file
        self.own_parse = own_parse
        self.has_own_parse = own_parse
        self.tag_template = tag_template or str(bv.tag_name)
        self.explicit_tag_message = str(raw["tag_message"]) if "tag_message" in raw else None
        # A config's current_version left behind the files (see versioning.truth): the
        # value to replace in the config, and what the release says about it.
        self.stale_current: str | None = None
        self.notes: list[str] = []

    # --- what it is -------------------------------------------------------------------------

    @property
    def current(self) -> str:
        return str(self.bv.current_version)

    @property
    def description(self) -> str:
        return self.found.label

    @property
    def files(self) -> list[str]:
        files = set(self.found.files)
        if self.config_file is not None:
            files.add(self.config_file.relative_to(self.root).as_posix())
            for f in self.bv.files:
                if f.filename:
                    path = Path(f.filename)
                    files.add(path.relative_to(self.root).as_posix() if path.is_absolute()
                              and path.is_relative_to(self.root) else str(f.filename))
        return sorted(files)

    @property
    def writes_files(self) -> bool:
        """False when git tags are the version and no file the build reads carries it:
        "bump" then writes nothing, the tag is it."""
        return not self.found.from_tags or bool(self.found.places)

    @property
    def parts(self) -> list[str]:
        return list(self.bv.version_config.order) if self.own_parse else list(pep440.PARTS)

    @property
    def sign_tags(self) -> bool:
        return bool(self.bv.sign_tags)

    @property
    def message_template(self) -> str:
        """The bump commit's message as configured (``{new_version}``...), unrendered."""
        return str(self.bv.message)

    # --- templates, rendered the way bump-my-version renders them ---------------------------

    def context(self, new: str) -> dict[str, Any]:
        from bumpversion.context import get_context

        vc = self.bv.version_config
        current, target = vc.parse(self.current), vc.parse(new)
        ctx = dict(get_context(self.bv, current, target))
        if not self.own_parse:
            for prefix, text in (("current", self.current), ("new", new)):
                parsed = pep440.parse(text)
                if parsed is not None:
                    numbers = (*parsed.release, 0, 0)
                    ctx.update({f"{prefix}_major": numbers[0], f"{prefix}_minor": numbers[1],
                                f"{prefix}_patch": numbers[2],
                                f"{prefix}_short": f"{numbers[0]}.{numbers[1]}",
                                f"{prefix}_tuple": ", ".join(str(n) for n in parsed.release)})
        ctx.update(current_version=self.current, new_version=new)
        return ctx

    def render(self, template: str, new: str) -> str:
        try:
            return template.format(**self.context(new))
        except (KeyError, IndexError, ValueError) as e:
            raise ConfigError(f"cannot render {template!r}: unknown field {e}",
                              "use the fields bump-my-version documents ({new_version}, "
                              "{new_major}, {now:%Y}...)") from None

    def tag_name(self, version: str) -> str:
        return self.render(self.tag_template, version)

    def tag_message(self, version: str) -> str:
        """The project's ``tag_message`` when it sets one, else ``Release X.Y.Z``
        (bump-my-version's default "Bump version: a → b" says nothing about a tag made on
        its own, where a and b are the same)."""
        return self.render(self.explicit_tag_message or "Release {new_version}", version)

    def commit_message(self, new: str) -> str:
        return self.render(str(self.bv.message), new)

    # --- the next version -------------------------------------------------------------------

    def default_part(self) -> str:
        parsed = pep440.parse(self.current)
        if not self.own_parse and parsed is not None:
            part = pep440.default_part(parsed)
            return "patch" if part == "last" else part
        return "patch"

    def next_version(self, part: str | None = None, new_version: str | None = None) -> str:
        """The version a release would create; raises VersionError on bad input."""
        if new_version is not None:
            new = new_version.strip()
            self._check_given(new)
        elif self.own_parse:
            new = self._bump_own(part or "patch")
        else:
            new = pep440.bump(self.current, part)
        if not self.is_greater(new):
            raise VersionError(f"new version {new} is not greater than the current {self.current}",
                               "give a higher --new-version or another --part")
        return new

    def _check_given(self, new: str) -> None:
        if self.own_parse:
            vc = self.bv.version_config
            parsed = vc.parse(new)
            if parsed is None or self._serialize(parsed) != new:
                raise VersionError(
                    f"--new-version {new!r} does not match this project's version pattern "
                    f"(parse in {self.description})",
                    f"give a version like {self.current} or extend parse/serialize in the "
                    "bumpversion config")
        elif pep440.parse(new) is None or (str(pep440.parse(new)) != new and \
                new.lower() != str(pep440.parse(new))):
            raise VersionError(f"--new-version {new!r} does not match this project's version "
                               "pattern (PEP 440)", f"give a version like {self.current}")

    def _serialize(self, version: Any) -> str:
        from bumpversion.context import get_context

        return str(self.bv.version_config.serialize(version, get_context(self.bv)))

    def _bump_own(self, part: str) -> str:
        from bumpversion.bump import get_next_version
        from bumpversion.exceptions import BumpVersionError

        if part not in self.parts:
            raise VersionError(f"unknown version part {part!r}",
                               "use one of: " + ", ".join(self.parts))
        vc = self.bv.version_config
        try:
            bumped = get_next_version(vc.parse(self.current), self.bv, part, None)
            new = self._serialize(bumped)
        except (BumpVersionError, ValueError) as e:
            raise VersionError(f"cannot bump {part} of {self.current}: {e}",
                               "pick another --part or give --new-version") from None
        if vc.parse(new) is None or self._serialize(vc.parse(new)) != new or (
                pep440.parse(self.current) is not None and pep440.parse(new) is None):
            raise VersionError(f"bumping {part} of {self.current} gives {new!r}, which is not "
                               "a valid version", "pick another --part or give --new-version")
        return new

    def is_greater(self, new: str, current: str | None = None) -> bool:
        current = current or self.current
        a, b = pep440.parse(new), pep440.parse(current)
        if a is not None and b is not None:
            return a > b
        vc = self.bv.version_config
        x, y = vc.parse(new), vc.parse(current)
        if x is None or y is None:
            return new != current
        for name in vc.order:
            values = getattr(x[name].func, "_values", None)
            kx = values.index(x[name].value) if values else int(x[name].value or 0)
            ky = values.index(y[name].value) if values else int(y[name].value or 0)
            if kx != ky:
                return kx > ky
        return False

    def fits(self, version: str) -> bool:
        """Can this scheme write ``version`` (say, a ``.dev0`` one) as it is?"""
        if not self.own_parse:
            return pep440.parse(version) is not None
        parsed = self.bv.version_config.parse(version)
        return parsed is not None and self._serialize(parsed) == version

    # --- writing ----------------------------------------------------------------------------

    def check_files(self, new: str) -> list[str]:
        """Problems that would stop the version from being written (changes nothing)."""
        if not self.writes_files:
            return []
        try:
            self._modify(new, dry_run=True)
        except VersionError as e:
            return [str(e)]
        return []

    def apply(self, new: str) -> list[str]:
        """Write ``new`` everywhere, running the project's setup and pre-commit hooks;
        returns the paths that changed."""
        if not self.writes_files:
            return []
        self._modify(new, dry_run=False)
        return sorted(set(git.dirty_files(self.root)))

    def run_post_commit_hooks(self, new: str) -> None:
        vc = self.bv.version_config
        self._hook("post_commit", self._for_hooks(new), vc.parse(self.current), vc.parse(new))

    def _for_hooks(self, new: str) -> BVConfig:
        """The config with ``tag_name`` already rendered by us: bump-my-version renders it
        again for ``BVHOOK_NEW_TAG`` with only its own parts, which lack ``new_major``
        under the PEP 440 scheme."""
        rendered = self.tag_name(new).replace("{", "{{").replace("}", "}}")
        return self.bv.model_copy(update={"tag_name": rendered})

    def _hook(self, stage: str, bv: BVConfig, current: Any, new: Any = None) -> None:
        inrepo.run_hooks(self.root, bv, stage, current, new, where=self.description)

    def _modify(self, new: str, dry_run: bool) -> None:
        from bumpversion.config.files import update_config_file
        from bumpversion.config.files_legacy import update_ini_config_file
        from bumpversion.exceptions import BumpVersionError
        from bumpversion.files import modify_files, resolve_file_config

        vc = self.bv.version_config
        current, target = vc.parse(self.current), vc.parse(new)
        ctx = self.context(new)
        files = resolve_file_config(self.bv.files_to_modify, vc)
        if not dry_run:
            self._hook("setup", self.bv, current)
        try:
            modify_files(files, current, target, ctx, dry_run)
            cfg = self.config_file
            configured = self.stale_current or self.current
            if cfg is not None and cfg.suffix in {".cfg", ".ini"}:
                update_ini_config_file(cfg, configured, new, dry_run)
            elif cfg is not None:
                update_config_file(cfg, self.bv, vc.parse(configured), target,
                                   {**ctx, "current_version": configured}, dry_run)
        except (BumpVersionError, FileNotFoundError, ValueError) as e:
            detail = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise VersionError(f"cannot write version {new}: {detail}",
                               f"check the file list in {self.description}") from None
        if not dry_run:
            self._hook("pre_commit", self._for_hooks(new), current, target)

    # --- building ---------------------------------------------------------------------------

    def build_env(self, name: str, version: str) -> dict[str, str]:
        """Variables that make a build produce exactly ``version`` (git-tag sources)."""
        return pretend_env(name, version) if self.found.from_tags else {}
