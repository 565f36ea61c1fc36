"""Stopping a release stops what the release started, and nothing else.

Each case runs the real ``fab release`` on a project whose build backend (in its own
process) writes its pid and then hangs; the test waits for that pid, then signals ``fab``
alone, as ``kill`` or a CI runner does. Afterwards it looks at the processes (the
backend's, and one the fabfile started itself) and at the repository.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from .conftest import FAB
from .projects import Project

NOTES = "- Fixed it."
ZERO = "0" * 40

# The backend writes its pid to SLOW_BUILD_MARKER, then hangs. With SLOW_BUILD_HELPER, it
# first starts a helper that leaves the process tree (a double fork, as daemons do) but
# keeps the backend's output pipe open for SLOW_BUILD_HELPER_SECONDS, then writes
# "done" to the SLOW_BUILD_HELPER file: the build step's thread is stuck reading that pipe
# until then, whatever happens to the backend.
SLOW_BACKEND = """\
import os, subprocess, sys, time
from setuptools import build_meta as _meta
from setuptools.build_meta import *  # noqa: F403

HELPER = '''
import os, sys, time
if os.fork():
    os._exit(0)
os.setsid()
open(sys.argv[1] + ".pid", "w").write(str(os.getpid()))
time.sleep(float(sys.argv[2]))
open(sys.argv[1], "w").write("done")
'''


def build_sdist(*args, **kwargs):
    marker = os.environ.get("SLOW_BUILD_MARKER")
    if marker:
        helper = os.environ.get("SLOW_BUILD_HELPER")
        if helper:
            seconds = os.environ["SLOW_BUILD_HELPER_SECONDS"]
            subprocess.run([sys.executable, "-c", HELPER, helper, seconds])
        with open(marker + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(marker + ".tmp", marker)
        time.sleep(120)
    return _meta.build_sdist(*args, **kwargs)
"""

# A fabfile that, like some do, starts a server of its own when fab loads it: in its own
# session, deaf to SIGINT, its pid in a file. It is not the release's to stop.
OWN_CHILD_FABFILE = """\
import subprocess, sys
from release_tasks import *

_server = subprocess.Popen(
    [sys.executable, "-c",
     "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(600)"],
    start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL)
with open({pidfile!r}, "w") as _f:
    _f.write(str(_server.pid))
"""

# Records, when the release tag is deleted (git may report it twice: loose and packed),
# whether the build's helper had ended then.
ORDER_HOOK = """\
#!/bin/sh
[ "$1" = committed ] || {{ cat >/dev/null; exit 0; }}
if grep -q " {zero} refs/tags/"; then
  if [ -e {done} ]; then echo after >> {order}; else echo before >> {order}; fi
fi
exit 0
"""

SLOW_CONF = """
import os as _os, time as _time
if _os.environ.get("SPHINX_RELEASE") and _os.environ.get("SLOW_DOCS"):
    _time.sleep(120)
"""


def alive(pid: int) -> bool:
    """Running (a zombie left for a parent that no longer reaps is not running)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def running_with(variable: str, value: str) -> list[int]:
    """The processes still running with ``variable=value`` in their environment."""
    found = [p.info["pid"] for p in psutil.process_iter(["pid", "environ"])
             if (p.info["environ"] or {}).get(variable) == value]
    return [pid for pid in found if alive(pid)]


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def wait_for(path: Path, proc: subprocess.Popen | None = None, timeout: float = 120) -> int:
    """The pid written to ``path``, once it is there (``proc`` must not end first)."""
    end = time.monotonic() + timeout
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(proc.communicate()[0])
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)
    return int(path.read_text())


def slow_project(make, tmp: Path, tool_cfg: str = "", **kwargs: str) -> Project:
    proj = make("modern", tool_cfg=tool_cfg, **kwargs)
    proj.write("_backend/slow_backend.py", SLOW_BACKEND)
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        'build-backend = "setuptools.build_meta"',
        'build-backend = "slow_backend"\nbackend-path = ["_backend"]'))
    proj.commit("A build that can hang")
    return proj


@pytest.fixture
def pids() -> Iterator[list[int]]:
    """Pids to kill at the end, whatever the test's outcome."""
    found: list[int] = []
    yield found
    for pid in found:
        kill(pid)


def start(proj: Project, env: dict[str, str], *extra: str) -> subprocess.Popen:
    return subprocess.Popen([FAB, "release", "--yes", "--notes", NOTES, *extra],
                            cwd=proj.path, env={**os.environ, **env},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, out


def test_ctrl_c_stops_the_build_but_not_what_the_fabfile_started(project, tmp_path, pids):
    server_pid = tmp_path / "server.pid"
    proj = slow_project(project, tmp_path,
                        fabfile=OWN_CHILD_FABFILE.format(pidfile=str(server_pid)))
    before = proj.state()
    marker = tmp_path / "backend.pid"
    proc = start(proj, {"SLOW_BUILD_MARKER": str(marker)}, "--skip-docs")
    backend = wait_for(marker, proc)
    pids += [backend, wait_for(server_pid)]

    os.kill(proc.pid, signal.SIGINT)
    code, out = finish(proc)

    assert code == 130, out
    assert "interrupted (Ctrl-C)" in out and "rolled back" in out, out
    assert not alive(backend), out
    assert alive(pids[1]), "the fabfile's own server was stopped by the release"
    assert proj.state() == before
    assert proj.tags() == []


def test_sigterm_is_reported_as_terminated_with_exit_143(project, tmp_path, pids):
    proj = slow_project(project, tmp_path)
    before = proj.state()
    marker = tmp_path / "backend.pid"
    proc = start(proj, {"SLOW_BUILD_MARKER": str(marker)}, "--skip-docs")
    pids.append(wait_for(marker, proc))

    os.kill(proc.pid, signal.SIGTERM)
    code, out = finish(proc)

    assert code == 143, out
    assert "terminated (SIGTERM)" in out and "interrupted" not in out, out
    assert "rolled back" in out, out
    assert not alive(pids[0]), out
    assert proj.state() == before
    assert proj.tags() == []


def test_a_hanging_build_is_stopped_at_build_timeout_and_rolled_back(project, fab, tmp_path):
    proj = slow_project(project, tmp_path, tool_cfg="build_timeout = 5\n")
    before = proj.state()
    marker = tmp_path / "backend.pid"

    run = fab(proj, "release", "--yes", "--notes", NOTES, "--skip-docs",
              env={"SLOW_BUILD_MARKER": str(marker)})

    assert run.code == 1, run.out
    last = run.lines()[-1]
    assert last.startswith("✗ build failed: the build took longer than build_timeout=5 s"), \
        run.out
    assert "raise it in [tool.release_tasks] or fix the hang" in last
    assert "rolled back: " in last and "deleted tag 1.4.3" in last, last
    assert running_with("SLOW_BUILD_MARKER", str(marker)) == []
    assert proj.state() == before
    assert proj.tags() == []
    assert not list((proj.path / "dist").glob("modernpkg-1.4.3*"))


def test_a_hanging_docs_build_is_stopped_at_build_timeout(project, fab, tmp_path):
    # Long enough for the package's own build beside it on a busy machine; Sphinx runs in
    # the docs Python started early, whose process is the one stopped.
    proj = project("modern", tool_cfg="build_timeout = 25\ndocs_isolation = false\n")
    proj.write("docs/conf.py", proj.read("docs/conf.py") + SLOW_CONF)
    proj.commit("Docs that can hang")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--notes", NOTES, env={"SLOW_DOCS": "1"})

    assert run.code == 1, run.out
    last = run.lines()[-1]
    assert last.startswith(
        "✗ build_docs failed: the docs build took longer than build_timeout=25 s"), run.out
    assert "rolled back: " in last, last
    assert proj.state() == before
    assert proj.tags() == []
    assert running_with("SLOW_DOCS", "1") == []


def test_build_timeout_must_be_a_number_of_seconds(project, fab):
    proj = project("modern", tool_cfg='build_timeout = "soon"\n')

    run = fab(proj, "check")

    assert run.code == 1, run.out
    assert "build_timeout = 'soon' in pyproject.toml [tool.release_tasks] is not a number " \
        "of seconds" in run.out


def _order_case(project, tmp_path: Path, helper_seconds: int):
    proj = slow_project(project, tmp_path, tool_cfg="docs_isolation = false\n")
    done, order = tmp_path / "helper.done", tmp_path / "order"
    hook = proj.path / ".git" / "hooks" / "reference-transaction"
    hook.write_text(ORDER_HOOK.format(zero=ZERO, done=done, order=order))
    hook.chmod(0o755)
    env = {"SLOW_BUILD_MARKER": str(tmp_path / "backend.pid"),
           "SLOW_BUILD_HELPER": str(done), "SLOW_BUILD_HELPER_SECONDS": str(helper_seconds)}
    return proj, done, order, env


def test_after_ctrl_c_the_rollback_waits_for_the_parallel_steps_to_end(project, tmp_path,
                                                                       pids):
    # The build's thread cannot end before the helper holding the backend's output has
    # ended: the tag may only be deleted after that.
    proj, done, order, env = _order_case(project, tmp_path, helper_seconds=4)
    before = proj.state()
    proc = start(proj, env)
    pids.append(wait_for(tmp_path / "backend.pid", proc))
    pids.append(wait_for(Path(f"{done}.pid"), proc))

    os.kill(proc.pid, signal.SIGINT)
    code, out = finish(proc)

    assert code == 130, out
    assert "interrupted (Ctrl-C)" in out and "rolled back" in out, out
    assert set(order.read_text().split()) == {"after"}, out
    assert not alive(pids[0])
    assert proj.state() == before
    assert proj.tags() == []
    assert not list((proj.path / "dist").glob("modernpkg-1.4.3*"))


def test_a_step_still_running_after_the_wait_is_named_and_left_for_rollback(
        project, fab, tmp_path, pids):
    proj, done, _, env = _order_case(project, tmp_path, helper_seconds=300)
    before = proj.state()
    proc = start(proj, env)
    pids.append(wait_for(tmp_path / "backend.pid", proc))
    helper = wait_for(Path(f"{done}.pid"), proc)
    pids.append(helper)

    os.kill(proc.pid, signal.SIGINT)
    code, out = finish(proc)

    assert code == 130, out
    assert "build still ran 10 s after the interrupt" in out, out
    assert "run `fab rollback`, then `fab release` again" in out, out
    assert not alive(pids[0])
    # What the finished steps did is undone; the journal keeps the rest for `fab rollback`.
    assert proj.tags() == [] and proj.head() == before["head"]
    assert (proj.path / ".git" / "release_tasks" / "journal.json").is_file()

    kill(helper)
    run = fab(proj, "rollback")
    assert run.code == 0, run.out
    assert proj.state() == before
    assert not (proj.path / ".git" / "release_tasks" / "journal.json").exists()


def test_a_second_ctrl_c_during_the_wait_is_held_back(project, tmp_path, pids):
    proj, done, order, env = _order_case(project, tmp_path, helper_seconds=4)
    before = proj.state()
    proc = start(proj, env)
    pids.append(wait_for(tmp_path / "backend.pid", proc))
    pids.append(wait_for(Path(f"{done}.pid"), proc))

    os.kill(proc.pid, signal.SIGINT)
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGINT)
    code, out = finish(proc)

    assert code == 130, out
    assert set(order.read_text().split()) == {"after"}, out
    assert proj.state() == before
    assert proj.tags() == []

