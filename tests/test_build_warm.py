"""The build environment's Python started early, the backend imported
(core.worker.WarmRunner), and its plain form (PlainRunner): real uv-made environments,
real setuptools builds."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest

from release_tasks.build import builder
from release_tasks.core.worker import PlainRunner, WarmRunner

from .servers import ended
from .test_build import isolated

# Each hook of setuptools.build_meta runs setup.py: it notes which process ran it and
# what the release's variables were there.
SETUP_PY = """\
import os
from setuptools import setup

if os.environ.get("RT_NOTE"):
    with open(os.environ["RT_NOTE"], "a") as f:
        f.write(f"{os.getpid()} {os.environ.get('RT_VALUE')} {os.environ.get('TMPDIR')}\\n")
setup()
"""


def noting(tmp_path: Path):
    proj = isolated(tmp_path)
    proj.write("setup.py", SETUP_PY)
    proj.commit("A setup.py that takes notes")
    return proj


@pytest.mark.parametrize("kind", ["plain", "warm"])
def test_the_hooks_run_in_one_python_with_the_release_s_environment(tmp_path, home, kind):
    proj = noting(tmp_path / "p")
    note = tmp_path / "note.txt"
    warm = builder.prepare_environment(proj.path)
    assert warm is not None and warm.proc is not None
    pid = warm.proc.pid
    if kind == "plain":
        warm.close()
    runner = warm if kind == "warm" else PlainRunner()

    dists = builder.build(proj.path, "modernpkg", "1.4.2", tmp_path / "dist",
                          tmp_path / "scratch", env={"RT_NOTE": str(note), "RT_VALUE": "v1"},
                          runner=runner)

    assert sorted(p.name for p in dists) == ["modernpkg-1.4.2-py3-none-any.whl",
                                             "modernpkg-1.4.2.tar.gz"]
    lines = {tuple(line.split()) for line in note.read_text().splitlines()}
    # Every hook ran in one process, with the variables and the TMPDIR of this build:
    # the started one when there is one.
    assert len(lines) == 1
    ran_in, value, tmp = lines.pop()
    assert (value, tmp) == ("v1", str(tmp_path / "scratch" / "tmp"))
    assert (ran_in == str(pid)) == (kind == "warm")
    assert warm.proc is None and ended(pid)


def test_a_started_python_of_another_environment_is_not_used(tmp_path, home):
    proj = noting(tmp_path / "p")
    note = tmp_path / "note.txt"
    other = WarmRunner(Path(sys.executable), ["setuptools.build_meta"], tmp_path)
    pid = other.proc.pid

    dists = builder.build(proj.path, "modernpkg", "1.4.2", tmp_path / "dist",
                          tmp_path / "scratch", env={"RT_NOTE": str(note), "RT_VALUE": "v2"},
                          runner=other)

    assert len(dists) == 2
    pids = {line.split()[0] for line in note.read_text().splitlines()}
    assert str(pid) not in pids and len(pids) == 1
    assert other.proc is None and ended(pid)


def test_a_backend_inside_the_project_is_not_started_early(tmp_path, home):
    proj = isolated(tmp_path / "p")
    proj.write("_backend/inhouse.py", "from setuptools.build_meta import *  # noqa\n")
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        'build-backend = "setuptools.build_meta"',
        'build-backend = "inhouse"\nbackend-path = ["_backend"]'))
    proj.commit("An in-tree backend")
    assert 'backend-path = ["_backend"]' in proj.read("pyproject.toml")

    assert builder.prepare_environment(proj.path) is None


def test_a_release_builds_in_the_started_python_and_leaves_no_process(tmp_path, fab, pypi,
                                                                      home):
    proj = noting(tmp_path / "p")
    proj.write("pyproject.toml", proj.read("pyproject.toml") + f'repository = "{pypi.url}"\n')
    proj.commit("Release settings")
    note = tmp_path / "note.txt"
    before = {p.pid for p in psutil.Process().children(recursive=True)}

    run = fab(proj, "release", "--yes", "--notes", "Faster.", "--skip-notify", "--skip-docs",
              env={"RT_NOTE": str(note), "RT_VALUE": "v3"})

    assert run.code == 0, run.out
    assert sorted(pypi.files()) == ["modernpkg-1.4.3-py3-none-any.whl",
                                    "modernpkg-1.4.3.tar.gz"]
    notes = [line.split() for line in note.read_text().splitlines()]
    # All hooks in one process, the release's variables seen there.
    assert len({n[0] for n in notes}) == 1 and {n[1] for n in notes} == {"v3"}
    after = {p.pid for p in psutil.Process().children(recursive=True)}
    assert after <= before
