"""Fixtures: an isolated HOME, real `fab` runs, real indexes, a webhook receiver, editors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .projects import GIT_ENV, Project, make_project
from .servers import Devpi, PyPIServer, Receiver

FAB = str(Path(sys.executable).parent / "fab")
SCRUBBED = ("SLACK_WEBHOOK_URL", "TWINE_USERNAME", "TWINE_PASSWORD", "TWINE_REPOSITORY_URL",
            "EDITOR", "VISUAL", "GIT_EDITOR", "CI", "NO_COLOR", "XDG_DATA_HOME",
            "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "PYPIRC", "RELEASE_TASKS_DEBUG")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME (so the default index and docs folder are fresh)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in SCRUBBED:
        monkeypatch.delenv(var, raising=False)
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    # No test may read a developer's real keyring (credentials, webhook URLs).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    # The pip cache stays shared so isolated builds do not download setuptools each time.
    monkeypatch.setenv("PIP_CACHE_DIR", os.environ.get("PIP_CACHE_DIR",
                                                       str(Path.home() / ".cache" / "pip")))
    monkeypatch.setenv("UV_CACHE_DIR", os.environ.get("UV_CACHE_DIR",
                                                      str(Path.home() / ".cache" / "uv")))
    return home


@dataclass
class Run:
    code: int
    out: str  # stdout and stderr, interleaved as the user sees them

    def lines(self) -> list[str]:
        return self.out.strip().splitlines()


@pytest.fixture
def fab() -> Callable[..., Run]:
    """Run the real `fab` in a project, without a terminal (stdin closed)."""

    def run(project: Project | Path, *args: str, env: dict[str, str] | None = None,
            input: str | None = None, timeout: float = 300) -> Run:
        cwd = project.path if isinstance(project, Project) else project
        proc = subprocess.run([FAB, *args], cwd=cwd, env={**os.environ, **(env or {})},
                              input=input if input is not None else "",
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, check=False)
        return Run(proc.returncode, proc.stdout)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Project]:
    def make(layout: str = "modern", **kwargs: str) -> Project:
        return make_project(tmp_path, layout, **kwargs)

    return make


@pytest.fixture
def pypi(tmp_path: Path) -> Iterator[PyPIServer]:
    server = PyPIServer(tmp_path / "packages")
    yield server
    server.close()


@pytest.fixture(scope="session")
def devpi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devpi]:
    server = Devpi(tmp_path_factory.mktemp("devpi"))
    yield server
    server.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def editor(tmp_path: Path) -> Callable[..., str]:
    """An $EDITOR script: writes ``note`` under the first version heading, like a person
    would, or exits ``status``. It leaves ``<tmp_path>/<file name>.opened`` behind as
    proof that it ran (outside the project, so the work tree stays as the release left
    it)."""

    def make(note: str = "- Made everything faster.", status: int = 0,
             touch: bool = True) -> str:
        script = tmp_path / f"editor-{abs(hash((note, status, touch)))}.py"
        script.write_text(textwrap.dedent(f"""\
            #!{sys.executable}
            import re, sys
            path = sys.argv[-1]
            marker = {str(tmp_path)!r} + "/" + path.rsplit("/", 1)[-1] + ".opened"
            open(marker, "w").write("yes")
            if {status}:
                sys.exit({status})
            if {touch!r}:
                lines = open(path).read().split("\\n")
                for i, line in enumerate(lines):
                    under = i > 0 and re.match(r"^([-=~^+*#])\\1{{2,}}\\s*$", line) \\
                        and re.search(r"\\d+\\.\\d+", lines[i - 1])
                    md = re.match(r"^#+\\s.*\\d+\\.\\d+", line)
                    if under or md:
                        lines[i + 1:i + 1] = ["", {note!r}]
                        break
                open(path, "w").write("\\n".join(lines))
            """))
        script.chmod(0o755)
        return str(script)

    return make


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``tmpfs(size)``: a small tmpfs mounted for the test, for a real ENOSPC without
    filling the machine's disk; unmounted after it (skips where mounting is not allowed)."""
    mounts: list[Path] = []

    def mount(size: str) -> Path:
        folder = tmp_path / f"tmpfs-{len(mounts)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(folder)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounts.append(folder)
        return folder

    yield mount
    for folder in mounts:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def full_disk(tmpfs: Callable[[str], Path]) -> Path:
    """A 64 KiB tmpfs: too small for any docs tree or checkout."""
    return tmpfs("64k")
