"""What the install commands of a Read the Docs build install, read as a person reads them.

Projects that make their docs environment themselves on Read the Docs (``build.jobs``:
``uv sync --group docs --extra zstd``, ``pip install -r docs/requirements.txt``,
``pip install .[docs]``; or ``build.commands``) declare no ``python.install``: their
commands are the declaration. Each command that installs is read for the requirement files,
dependency groups, extras of the project and named packages it installs; anything else
(``asdf install uv``, ``uv venv``, the build itself) is not about the docs' requirements.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

JOB_KEYS = ("pre_create_environment", "create_environment", "post_create_environment",
            "pre_install", "install", "post_install")
# Options of pip and uv that take a value, which is then no package to install.
_VALUED = {"-c", "--constraint", "--constraints", "-i", "--index-url", "--extra-index-url",
           "--index", "--default-index", "-f", "--find-links", "--upgrade-strategy", "-t",
           "--target", "--prefix", "--root", "--src", "-C", "--config-settings",
           "--config-setting", "--python", "-p", "--python-version", "--platform",
           "--only-binary", "--no-binary", "--progress-bar", "--report", "--trusted-host",
           "--cache-dir", "--log", "--timeout", "--retries", "--package", "-P",
           "--upgrade-package", "--exclude-newer", "--resolution", "--prerelease",
           "--index-strategy", "--keyring-provider", "--link-mode", "--directory",
           "--project", "--no-extra", "--no-group", "--exclude", "--overrides"}
_PROJECT = re.compile(r"^(?:\.|\./)?(?:\[(?P<extras>[^\]]*)\])?$")


@dataclass
class Installs:
    """What the commands install."""

    files: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # the ones that said something
    # ``uv sync`` also installs uv's default groups (``dev``, or [tool.uv] default-groups)
    # unless told not to.
    default_groups: bool = False

    def __bool__(self) -> bool:
        return bool(self.files or self.groups or self.extras or self.requirements)


def commands(readthedocs: dict[str, Any]) -> list[str]:
    """The shell commands of ``build.jobs`` (environment and install jobs) and
    ``build.commands``, in the order Read the Docs runs them."""
    build = readthedocs.get("build")
    if not isinstance(build, dict):
        return []
    found: list[str] = []
    jobs = build.get("jobs")
    if isinstance(jobs, dict):
        for key in JOB_KEYS:
            value = jobs.get(key)
            found += [str(c) for c in value] if isinstance(value, list) else []
    listed = build.get("commands")
    found += [str(c) for c in listed] if isinstance(listed, list) else []
    return found


def read(lines: list[str]) -> Installs:
    """Everything the installing commands among ``lines`` install."""
    out = Installs()
    for line in lines:
        for command in re.split(r"\s*(?:&&|;|\|\|)\s*", line):
            try:
                argv = shlex.split(command)
            except ValueError:
                continue
            before = (len(out.files), len(out.groups), len(out.extras), len(out.requirements))
            _one(argv, out)
            if before != (len(out.files), len(out.groups), len(out.extras),
                          len(out.requirements)):
                out.commands.append(command.strip())
    return out


def _one(argv: list[str], out: Installs) -> None:
    words = [w for w in argv if not re.fullmatch(r"python[\d.]*|-m|run", w)]
    if words[:2] in (["uv", "sync"], ["pdm", "sync"], ["pdm", "install"]):
        _options(words[2:], out, sync=True)
        alone = {"--no-dev", "--no-default-groups", "--only-group", "--only-dev"}
        if words[0] == "uv" and not alone & {w.split("=")[0] for w in words}:
            out.default_groups = True
    elif words[:2] == ["pip", "install"] or words[:2] == ["pip3", "install"]:
        _options(words[2:], out, sync=False)
    elif words[:3] == ["uv", "pip", "install"]:
        _options(words[3:], out, sync=False)


def _options(args: list[str], out: Installs, sync: bool) -> None:
    """``-r FILE``, ``--group G``, ``--extra E``, ``-e .[a,b]``, and named packages."""
    it = iter(args)
    for arg in it:
        name, _, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in ("-r", "--requirement", "--requirements"):
            out.files.append(inline or next(it, ""))
        elif name in ("--group", "-G", "--only-group"):
            out.groups.append(inline or next(it, ""))
        elif name == "--extra" and sync:
            out.extras.append(inline or next(it, ""))
        elif name in ("-e", "--editable"):
            _target(inline or next(it, ""), out)
        elif name in _VALUED:
            _ = inline or next(it, "")  # its value is no package
        elif name.startswith("-"):
            continue  # other options (--upgrade, --no-cache-dir, --all-extras...)
        elif not sync:
            _target(arg, out)
    out.files[:] = [f for f in out.files if f]


def _target(arg: str, out: Installs) -> None:
    """The project (``.``, ``.[docs]``) gives its extras; a name is a requirement."""
    project = _PROJECT.match(arg)
    if project:
        extras = project.group("extras") or ""
        out.extras += [x.strip() for x in extras.split(",") if x.strip()]
    elif re.match(r"^[A-Za-z0-9]", arg) and "/" not in arg and not arg.endswith(".txt"):
        out.requirements.append(arg)
