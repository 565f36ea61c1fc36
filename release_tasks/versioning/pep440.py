"""Next versions for projects that do not define their own parse pattern: ``packaging``.

bump-my-version's regex parts cannot say "any number of release parts, an optional epoch,
pre, post and dev releases" in one pattern, and PEP 440 already has a reference parser:
``packaging.version.Version``. So ordering, validity and bumping use it; bump-my-version
still does the file writing and the template rendering.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from release_tasks.core.errors import VersionError

PARTS = ["major", "minor", "patch", "pre_l", "pre_n", "post", "dev_l", "dev_n"]
_PRE_ORDER = ["a", "b", "rc"]


def parse(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def is_calendar(version: Version) -> bool:
    """A year as the first number (2024.1, 2024.01.15): no part means "next" by itself."""
    return version.release[0] >= 1900


def default_part(current: Version) -> str:
    """What a plain ``fab release`` does: a ``.devN`` or pre-release releases its final
    (1.5.1.dev0 → 1.5.1, 2.0.0rc1 → 2.0.0); otherwise the last release number goes up
    (1.2.3 → 1.2.4, 24.0 → 24.1, 1.2.3.4 → 1.2.3.5)."""
    if current.dev is not None:
        return "dev_l"
    if current.pre is not None:
        return "pre_l"
    return "last"


def _render(epoch: int, release: tuple[int, ...], pre: tuple[str, int] | None = None,
            post: int | None = None, dev: int | None = None) -> str:
    text = (f"{epoch}!" if epoch else "") + ".".join(str(n) for n in release)
    if pre is not None:
        text += f"{pre[0]}{pre[1]}"
    if post is not None:
        text += f".post{post}"
    if dev is not None:
        text += f".dev{dev}"
    return text


def bump(current_text: str, part: str | None) -> str:
    """The version after bumping ``part`` of ``current_text`` (default: see default_part)."""
    current = parse(current_text)
    if current is None:
        raise VersionError(f"{current_text!r} is not a PEP 440 version",
                           "give --new-version, or set parse/serialize in a bumpversion config")
    if part is None and is_calendar(current):
        raise VersionError(f"{current_text} is a calendar version: no part says what comes "
                           "next", "give --new-version (the next date's version), or "
                           "configure a date-based part in a bumpversion config")
    part = part or default_part(current)
    if part not in PARTS and part != "last":
        raise VersionError(f"unknown version part {part!r}", "use one of: " + ", ".join(PARTS))
    release, epoch = current.release, current.epoch

    def cannot(why: str) -> VersionError:
        return VersionError(f"cannot bump {part} of {current_text}: {why}",
                            "pick another --part or give --new-version")

    if part in ("major", "minor", "patch", "last"):
        index = {"major": 0, "minor": 1, "patch": 2, "last": len(release) - 1}[part]
        padded = release + (0,) * max(0, index + 1 - len(release))
        width = max(len(release), index + 1)
        # A .dev version's part applies to its base, as bump-my-version does it
        # (4.1.0.dev0 --part minor → 4.2.0); a plain release is 4.1.0.dev0 → 4.1.0.
        if part == "last" or current.pre is None or any(padded[index + 1:]):
            bumped = (*padded[:index], padded[index] + 1) + (0,) * (width - index - 1)
        else:  # 2.0.0rc1 --part major → 2.0.0: the final of that pre-release is the bump
            bumped = padded[:width]
        return _render(epoch, bumped)
    if part == "pre_l":
        if current.pre is None:
            raise cannot("it is not a pre-release (give --new-version X.Y.Za1)")
        letter = current.pre[0]
        if letter == "rc":
            return _render(epoch, release)
        return _render(epoch, release, (_PRE_ORDER[_PRE_ORDER.index(letter) + 1], 0))
    if part == "pre_n":
        if current.pre is None:
            raise cannot("it is not a pre-release")
        return _render(epoch, release, (current.pre[0], current.pre[1] + 1))
    if part == "post":
        return _render(epoch, release, current.pre, (current.post or 0) + 1
                       if current.post is not None else 1)
    if part == "dev_l":
        if current.dev is None:
            raise cannot("it is not a .dev version")
        return _render(epoch, release, current.pre, current.post)
    # dev_n
    if current.dev is None:
        raise cannot("it is not a .dev version")
    return _render(epoch, release, current.pre, current.post, current.dev + 1)


def dev_after(released: str) -> str | None:
    """The development version after a release: ``.dev0`` of the next last number
    (1.2.3 → 1.2.4.dev0, 24.0 → 24.1.dev0).

    None after a pre-release: the next release of ``2.0.0rc1`` is ``2.0.0`` (or ``rc2``),
    and any ``.dev`` version in between would sort below the version just released.
    """
    v = Version(released)
    if v.is_prerelease:
        return None
    release = v.release
    return _render(v.epoch, (*release[:-1], release[-1] + 1), dev=0)
