"""Nothing left behind: not in the system temp dir, not in dist/, whatever the outcome."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from .conftest import FAB
from .servers import FlakyProxy, closing

# A build backend that says when it starts building, then takes its time: the test knows
# the build phase is running when it interrupts the release.
SLOW_BACKEND = """\
import os
import time

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403


def build_sdist(sdist_directory, config_settings=None):
    open(os.environ["SLOW_BACKEND_STARTED"], "w").write("building")
    time.sleep(120)
    return _setuptools.build_sdist(sdist_directory, config_settings)
"""


def test_temp_dir_gains_nothing_across_success_failure_and_ctrl_c(project, fab, tmp_path,
                                                                     editor):
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    env = {"TMPDIR": str(systmp), "EDITOR": editor()}
    proj = project("modern")

    run = fab(proj, "release", "--yes", env=env)  # docs and all
    assert run.code == 0, run.out
    assert sorted(os.listdir(systmp)) == []

    # A build that fails: rolled back, dist/ holds only the earlier release.
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        'packages = ["modernpkg"]', 'packages = ["modernpkg", "nosuchpackage"]'))
    proj.commit("A broken package list")
    run = fab(proj, "release", "--yes", env=env)
    assert run.code == 1 and "build failed" in run.out, run.out
    assert sorted(os.listdir(systmp)) == []
    assert sorted(p.name for p in (proj.path / "dist").iterdir()) == [
        "modernpkg-1.4.3-py3-none-any.whl", "modernpkg-1.4.3.tar.gz"]

    # Ctrl-C while the backend builds.
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        ', "nosuchpackage"', "").replace(
        'build-backend = "setuptools.build_meta"',
        'build-backend = "slow_backend"\nbackend-path = ["_backend"]'))
    proj.write("_backend/slow_backend.py", SLOW_BACKEND)
    proj.commit("A slow build backend")
    before = proj.state()
    started = tmp_path / "build-started"
    proc = subprocess.Popen([FAB, "release", "--yes", "--skip-docs"], cwd=proj.path,
                            env={**os.environ, **env, "SLOW_BACKEND_STARTED": str(started)},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 240
    while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), proc.communicate()[0] if proc.poll() is not None else "no build"
    proc.send_signal(signal.SIGINT)
    out = proc.communicate(timeout=60)[0]

    assert proc.returncode == 130, out
    assert "interrupted" in out and "rolled back" in out
    assert sorted(os.listdir(systmp)) == []
    assert proj.state() == before
    assert not list((proj.path / "dist").glob("*1.4.4*"))


def test_rollback_after_a_failed_upload_removes_the_built_files(project, fab, pypi, editor):
    with closing(FlakyProxy(pypi.url, status=400)) as proxy:
        proj = project("modern", tool_cfg=f'repository = "{proxy.url}"\n')
        before = proj.state()
        run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})
    assert run.code == 1 and "upload failed" in run.out, run.out
    assert len(list((proj.path / "dist").glob("*1.4.3*"))) == 2

    run = fab(proj, "rollback")

    assert run.code == 0, run.out
    assert "removed modernpkg-1.4.3-py3-none-any.whl, modernpkg-1.4.3.tar.gz from dist/" in run.out
    assert list((proj.path / "dist").iterdir()) == []
    assert proj.state() == before
