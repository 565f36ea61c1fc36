"""Interrupts at any moment: SIGINT, SIGKILL and a terminal's Ctrl-C in every phase.

Each case starts a real ``fab release`` and stops it at a known point inside one phase (a
slow editor, a slow post-commit hook on each release commit, a slow hook while the tag is
written, a slow build backend in its own process and a slow setup.py in the build
environment's Python started early, a slow conf.py in the docs Python started early, an
index that takes the upload and never answers, a Slack stand-in that never answers).
Then, as a user would: ``fab release --resume`` and ``fab rollback``. After the resume
the repository must be in exactly one of two states: as before the release, or released
once (one tag, one upload of each file, one history section); after the rollback, as
before (the index keeps what it got: indexes never delete).

Two more hostile conditions live in files of their own, as they need two releases at once
(each stopped with SIGSTOP at a known point, then continued): two worktrees of one
repository (tests/test_worktrees.py) and two repositories releasing into one folder index
(tests/test_folder_index_race.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path

import pytest

from . import sshserver
from .conftest import FAB
from .servers import FlakyProxy, Receiver

VERSION = "1.4.3"
EXPECTED = ["modernpkg-1.4.3-py3-none-any.whl", "modernpkg-1.4.3.tar.gz"]

SLOW_BACKEND = """\
import os, time
from setuptools import build_meta as _meta
from setuptools.build_meta import *  # noqa: F403

def build_sdist(*args, **kwargs):
    marker = os.environ.get("SLOW_BUILD_MARKER")
    if marker:
        open(marker, "w").write("building")
        time.sleep(120)
    return _meta.build_sdist(*args, **kwargs)
"""

SLOW_SETUP = """\
import os, time
from setuptools import setup

marker = os.environ.get("SLOW_BUILD_MARKER")
if marker and not os.path.exists(marker):
    open(marker, "w").write("building")
    time.sleep(120)
setup()
"""
# The build sets SPHINX_RELEASE; the pre-flight probe, which runs conf.py too, does not.
SLOW_CONF = """
import os as _os, time as _time
_marker = _os.environ.get("SLOW_DOCS_MARKER")
if _marker and _os.environ.get("SPHINX_RELEASE") and not _os.path.exists(_marker):
    open(_marker, "w").write("building")
    _time.sleep(120)
"""


def script(path: Path, body: str, shebang: str = "#!/bin/sh") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(shebang + "\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


class Case:
    """One project set up to stop in ``phase``; ``reached()`` says it got there."""

    def __init__(self, project, pypi, tmp: Path, phase: str) -> None:
        self.phase = phase
        self.tmp = tmp
        self.marker = tmp / f"{phase}.reached"
        self.pypi = pypi
        self.proxy = FlakyProxy(pypi.url, status=500, stall=600) \
            if phase in ("upload", "docs_ship") else None
        self.webhook = Receiver(answers=[600]) if phase == "notify" else None
        index = self.proxy.url if self.proxy else pypi.url
        self.site = tmp / "site"  # docs_target: the docs ship while the upload hangs
        docs_target = f'"{self.site}/{{name}}/{{version}}"'
        self.hosts: list[sshserver.OpenSSHServer] = []
        if phase == "docs_fleet":  # three hosts; the third stalls as it unpacks the docs
            self.sites = [tmp / f"site{n}" for n in range(3)]
            self.block = tmp / "host-stalls"
            self.block.touch()
            stall = script(tmp / "stall.sh", f"""\
                case "$SSH_ORIGINAL_COMMAND" in
                  ""|sftp|internal-sftp) exec /usr/lib/openssh/sftp-server ;;
                  *"tar -x"*) if [ "$RT_N" = 4 ] && [ ! -e {self.marker} ]; then
                      touch {self.marker}
                      while [ -e {self.block} ]; do sleep 0.1; done
                      exit 1
                    fi ;;
                esac
                exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
                """)
            self.hosts = sshserver.start_fleet(
                Path(os.environ["HOME"]), tmp / "sshd", 3,
                extra=f"SetEnv RT_N={{n}}\nForceCommand {stall}\n")
            docs_target = "[" + ", ".join(
                f'"ssh://{h.address}{site}/{{name}}/{{version}}"'
                for h, site in zip(self.hosts, self.sites, strict=True)) + "]"
        self.proj = project("modern", tool_cfg=f'repository = "{index}"\n'
                            f'docs_target = {docs_target}\n')
        if phase == "warm_build":
            # The default isolated build: the hooks run in the build environment's Python
            # started while the history was edited (setup.py sleeps in there).
            self.proj.write("setup.py", SLOW_SETUP)
            self.proj.write("pyproject.toml", self.proj.read("pyproject.toml").replace(
                "build_isolation = false\n", ""))
        else:
            self.proj.write("_backend/slow_backend.py", SLOW_BACKEND)
            self.proj.write("pyproject.toml", self.proj.read("pyproject.toml").replace(
                'build-backend = "setuptools.build_meta"',
                'build-backend = "slow_backend"\nbackend-path = ["_backend"]'))
        if phase == "docs_build":  # Sphinx, in the docs Python started during the checks
            self.proj.write("docs/conf.py", self.proj.read("docs/conf.py") + SLOW_CONF)
        self.proj.commit("A build that can be slowed down")
        self.proj.write("scratch.txt", "my own notes, never committed\n")
        self.editor = script(tmp / "editor.py", f"""\
            import sys
            path = sys.argv[-1]
            text = open(path).read()
            open(path, "w").write(text.replace("## {VERSION}", "## {VERSION}\\n\\n- Fixed it.", 1))
            """, shebang=f"#!{sys.executable}")
        self.before = self.proj.state()
        self.systmp = tmp / "systmp"  # the system temp dir, as fab sees it
        self.systmp.mkdir()
        self.env = {"EDITOR": str(self.editor), "VISUAL": str(self.editor),
                    "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(self.systmp)}
        if self.webhook:
            self.env["SLACK_WEBHOOK_URL"] = self.webhook.url
        hooks = self.proj.path / ".git" / "hooks"
        if phase == "editor":
            slow = script(tmp / "slow-editor.sh", f"touch {self.marker}\nexec sleep 120\n")
            self.env.update(EDITOR=str(slow), VISUAL=str(slow))
        elif phase in ("history_commit", "bump_commit"):
            subject = "Update CHANGELOG.md" if phase == "history_commit" else "Bump version"
            script(hooks / "post-commit", f"""\
                [ -e {self.marker} ] && exit 0
                git log -1 --format=%s | grep -q '^{subject}' || exit 0
                touch {self.marker}
                exec sleep 120
                """)
        elif phase == "tag":
            script(hooks / "reference-transaction", f"""\
                [ -e {self.marker} ] && {{ cat >/dev/null; exit 0; }}
                [ "$1" = committed ] || {{ cat >/dev/null; exit 0; }}
                grep -q refs/tags/ || exit 0
                touch {self.marker}
                exec sleep 120
                """)
        elif phase in ("build", "warm_build"):
            self.env["SLOW_BUILD_MARKER"] = str(self.marker)
        elif phase == "docs_build":
            self.env["SLOW_DOCS_MARKER"] = str(self.marker)

    def reached(self) -> bool:
        if self.proxy is not None:
            return self.proxy.posts > 0
        if self.webhook is not None:
            return bool(self.webhook.requests)
        return self.marker.exists()

    def heal(self) -> None:
        """What the user fixes before going on: hooks gone, the index answers again."""
        for name in ("post-commit", "reference-transaction"):
            (self.proj.path / ".git" / "hooks" / name).unlink(missing_ok=True)
        self.env = {"EDITOR": str(self.editor), "VISUAL": str(self.editor),
                    "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(self.systmp)}
        if self.proxy is not None:
            self.proxy.failing = False
        if self.webhook is not None:
            self.webhook.answers.clear()
            self.env["SLACK_WEBHOOK_URL"] = self.webhook.url
        if self.hosts:
            self.block.unlink()  # the stalled host's command gives up; the host answers

    def shown(self) -> set[str | None]:
        """What readers of each docs host land on (``latest``), or None where nothing."""
        links = [site / "modernpkg" / "latest" for site in self.sites]
        return {os.readlink(link) if link.is_symlink() else None for link in links}

    def close(self) -> None:
        for server in (self.proxy, self.webhook, *self.hosts):
            if server is not None:
                server.close()
        if self.hosts:
            self.block.unlink(missing_ok=True)


def start(case: Case, how: str) -> subprocess.Popen:
    args = [FAB, "release", "--yes", "--notes", "- Fixed it."] \
        if case.phase != "editor" else [FAB, "release", "--yes"]
    if case.phase not in ("docs_ship", "docs_build", "docs_fleet"):
        args.append("--skip-docs")
    env = {**os.environ, **case.env}
    if how != "pty":
        return subprocess.Popen(args, cwd=case.proj.path, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
    main, secondary = pty.openpty()

    def controlling_terminal() -> None:  # runs in the child, after setsid
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(args, cwd=case.proj.path, env=env, stdin=secondary,
                            stdout=secondary, stderr=secondary, start_new_session=True,
                            preexec_fn=controlling_terminal)
    os.close(secondary)
    proc.terminal = main  # type: ignore[attr-defined]
    return proc


def stop(proc: subprocess.Popen, how: str) -> None:
    if how == "sigint":
        os.kill(proc.pid, signal.SIGINT)  # fab alone, as `kill -INT` or a CI runner does
    elif how == "sigkill":
        os.kill(proc.pid, signal.SIGKILL)
    else:
        os.write(proc.terminal, b"\x03")  # type: ignore[attr-defined]


def finish(proc: subprocess.Popen, how: str) -> tuple[int, str]:
    """Wait for fab to exit, then end what it left running (a hook, after SIGKILL)."""
    try:
        if how == "pty":
            out = b""
            end = time.monotonic() + 60
            while time.monotonic() < end:
                try:
                    chunk = os.read(proc.terminal, 4096)  # type: ignore[attr-defined]
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            proc.wait(10)
            return proc.returncode, out.decode("utf-8", "replace")
        proc.wait(60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    text, _ = proc.communicate(timeout=60)
    return proc.returncode, text


def fab(case: Case, *args: str) -> tuple[int, str]:
    proc = subprocess.run([FAB, *args], cwd=case.proj.path, env={**os.environ, **case.env},
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def state_of(case: Case) -> str:
    proj = case.proj
    unchanged = proj.state() == case.before
    if unchanged and proj.tags() == [] and case.pypi.files() == []:
        return "as before"
    changelog = proj.read("CHANGELOG.md")
    released = (proj.tags() == [VERSION]
                and changelog.count(f"## {VERSION}") == 1
                and case.pypi.files() == EXPECTED
                and proj.git("status", "--porcelain") == case.before["status"]
                and proj.git("rev-list", "--count", f"{case.before['head']}..HEAD") == "2"
                and (case.phase != "docs_ship"
                     or (case.site / "modernpkg" / VERSION / "index.html").is_file())
                and (case.phase != "docs_fleet" or case.shown() == {VERSION}))
    return "released once" if released else "neither"


PHASES = ["editor", "history_commit", "bump_commit", "tag", "build", "warm_build",
          "docs_build", "upload", "docs_ship", "docs_fleet", "notify"]
SIGNALS = ["sigint", "sigkill", "pty"]


@pytest.mark.parametrize("how", SIGNALS)
@pytest.mark.parametrize("phase", PHASES)
def test_an_interrupt_ends_as_before_or_released_once(project, pypi, tmp_path, phase, how):
    case = Case(project, pypi, tmp_path, phase)
    try:
        proc = start(case, how)
        end = time.monotonic() + 120
        while not case.reached() and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        assert case.reached(), finish(proc, how)[1]
        stop(proc, how)
        code, out = finish(proc, how)
        assert code != 0, out
        if case.phase == "docs_fleet":  # every host as it was: none shows the new version
            assert case.shown() == {None}, out
        if how != "sigkill":
            # The message says what happened and which command goes on from here.
            assert "interrupted" in out, out
            assert ("rolled back" in out) or ("--resume" in out), out
        case.heal()

        resumed, resume_out = fab(case, "release", "--resume", "--yes")
        outcome = state_of(case)
        if os.environ.get("INTERRUPT_MATRIX"):
            with open(os.environ["INTERRUPT_MATRIX"], "a") as f:
                f.write(f"{phase} {how} exit={code} -> {outcome} (resume exit {resumed})\n")
        assert outcome in ("as before", "released once"), (outcome, out, resume_out)
        if outcome == "as before":
            assert resumed != 0 and "no unfinished release" in resume_out, resume_out
        else:
            assert resumed == 0, resume_out
        assert case.proj.read("scratch.txt") == "my own notes, never committed\n"

        fab(case, "rollback")
        after = case.proj.state()
        assert after == case.before, (out, resume_out)
        assert not list((case.proj.path / "dist").glob("modernpkg-1.4.3*"))
        # Whatever the kill left in the temp dir, the next commands removed.
        assert list(case.systmp.iterdir()) == []
    finally:
        case.close()
