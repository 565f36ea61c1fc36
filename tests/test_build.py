"""The build: cached isolated environments, a checkout of the tag with its git metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from .conftest import FAB
from .projects import GIT_ENV, make_project


def isolated(tmp: Path, name: str = "modernpkg"):
    """A modern project built with the default (isolated) build, its version tagged."""
    proj = make_project(tmp, "modern", name=name)
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        "build_isolation = false\n", ""))
    proj.commit("Default build isolation")
    proj.git("tag", "-a", "1.4.2", "-m", "1.4.2")
    return proj


def markers(home: Path) -> list[Path]:
    return sorted((home / ".cache" / "release_tasks" / "envs").glob("*/release-tasks-env.json"))


def made(marker: Path) -> float:
    return json.loads(marker.read_text())["made"]


def built(proj) -> list[str]:
    return sorted(p.name for p in (proj.path / "dist").iterdir())


def test_the_build_environment_is_made_once_then_reused_until_stale(tmp_path, fab, home):
    proj = isolated(tmp_path)
    dists = ["modernpkg-1.4.2-py3-none-any.whl", "modernpkg-1.4.2.tar.gz"]

    assert fab(proj, "build").code == 0
    (marker,) = markers(home)
    first = made(marker)
    assert json.loads(marker.read_text())["requirements"] == ["setuptools>=61"]

    run = fab(proj, "build")  # second release: the same environment
    assert run.code == 0, run.out
    assert built(proj) == dists
    assert markers(home) == [marker] and made(marker) == first

    run = fab(proj, "build", "--fresh-env")
    assert run.code == 0, run.out
    assert markers(home) == [marker] and made(marker) > first
    second = made(marker)

    (marker.parent / "bin" / "python").unlink()  # a broken environment is made again
    assert fab(proj, "build").code == 0
    assert markers(home) == [marker] and made(marker) > second
    third = made(marker)

    marker.write_text("{not json")  # so is one whose marker is damaged
    assert fab(proj, "build").code == 0
    assert markers(home) == [marker] and made(marker) > third
    assert built(proj) == dists
    assert not list(marker.parent.parent.glob(".trash-*"))


def test_two_builds_at_once_share_one_environment(tmp_path, home):
    projects = [isolated(tmp_path / n, name=f"pkg{n}") for n in ("a", "b")]
    procs = [subprocess.Popen([FAB, "build"], cwd=p.path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
             for p in projects]
    outs = [proc.communicate(timeout=300)[0] for proc in procs]

    assert [proc.returncode for proc in procs] == [0, 0], outs
    for p in projects:
        assert built(p) == [f"{p.name}-1.4.2-py3-none-any.whl", f"{p.name}-1.4.2.tar.gz"]
    assert len(markers(home)) == 1


SCM_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "scmpkg"
dynamic = ["version"]
description = "Files listed by git"
readme = "README.md"

[tool.setuptools.packages.find]
include = ["scmpkg*"]

[tool.setuptools_scm]

[tool.bumpversion]
current_version = "1.0.0"
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "protocol.file.allow=always", *args], cwd=cwd,
                          check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def test_files_found_through_git_and_submodules_reach_the_sdist(tmp_path, fab):
    vendored = tmp_path / "vendored"
    (vendored / "rules").mkdir(parents=True)
    (vendored / "rules" / "default.txt").write_text("rule\n")
    git(vendored, "init", "-q", "-b", "main")
    git(vendored, "add", "-A")
    git(vendored, "commit", "-q", "-m", "Rules")

    proj = make_project(tmp_path, "plain")
    for f in ("plainpkg/__init__.py", "CHANGES.rst"):
        proj.git("rm", "-q", f)
    proj.write("pyproject.toml", SCM_PYPROJECT)
    proj.write("README.md", "# scmpkg\n")
    proj.write("scmpkg/__init__.py", '"""Package data found only through git."""\n')
    proj.write("scmpkg/templates/page.html", "<p>{{ body }}</p>\n")  # no MANIFEST.in
    git(proj.path, "submodule", "add", "-q", str(vendored), "scmpkg/vendor")
    proj.commit("setuptools_scm layout with a submodule")
    proj.git("tag", "-a", "1.0.0", "-m", "1.0.0")
    expected_dir = tmp_path / "by-build"
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--installer", "uv",
                    "--outdir", str(expected_dir), str(proj.path)], check=True,
                   capture_output=True)
    proj.write("scmpkg/templates/untracked.html", "never released\n")
    proj.write("scmpkg/templates/page.html", "modified, not committed\n")

    run = fab(proj, "build")

    assert run.code == 0, run.out

    def names(sdist: Path) -> list[str]:
        with tarfile.open(sdist) as t:
            return sorted(n.split("/", 1)[1] for n in t.getnames() if "/" in n)

    ours = names(proj.path / "dist" / "scmpkg-1.0.0.tar.gz")
    theirs = names(expected_dir / "scmpkg-1.0.0.tar.gz")
    assert ours == theirs, (sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours)))
    assert "scmpkg/templates/page.html" in ours and "scmpkg/vendor/rules/default.txt" in ours
    assert "scmpkg/templates/untracked.html" not in ours
    with zipfile.ZipFile(proj.path / "dist" / "scmpkg-1.0.0-py3-none-any.whl") as z:
        assert z.read("scmpkg/templates/page.html") == b"<p>{{ body }}</p>\n"
        assert "scmpkg/vendor/rules/default.txt" in z.namelist()
    assert proj.git("worktree", "list").count("\n") == 0  # nothing added to the user's repo


MARKED_BACKEND = """\
from setuptools import build_meta as _meta
from setuptools.build_meta import *  # noqa: F403

def get_requires_for_build_wheel(config_settings=None):
    # As pdm-backend asks: a requirement for old Pythons only, which this one is not.
    return [*_meta.get_requires_for_build_wheel(config_settings),
            'no-such-distribution-rt; python_version < "3.0"']
"""


def test_a_build_requirement_for_another_python_is_not_asked_for(tmp_path, fab, home):
    proj = isolated(tmp_path)
    proj.write("_backend/marked.py", MARKED_BACKEND)
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        'build-backend = "setuptools.build_meta"',
        'build-backend = "marked"\nbackend-path = ["_backend"]'))
    proj.commit("A backend asking for what this Python does not need")
    proj.git("tag", "-f", "-a", "1.4.2", "-m", "1.4.2")

    run = fab(proj, "build")

    assert run.code == 0, run.out
    assert built(proj) == ["modernpkg-1.4.2-py3-none-any.whl", "modernpkg-1.4.2.tar.gz"]


def wheel_described(folder: Path, description: str, content_type: str) -> Path:
    """A small valid wheel whose long description is ``description``."""
    from .test_publish import wheel

    path = wheel(folder, name="descpkg")
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    meta = "descpkg-1.0.0.dist-info/METADATA"
    members[meta] = (members[meta].decode() + f"Description-Content-Type: {content_type}\n\n"
                     + description).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_twine_check_fails_on_a_description_that_does_not_render_and_prints_nothing(
        tmp_path, capfd):
    import pytest

    from release_tasks.build import builder
    from release_tasks.core.errors import BuildError

    good = wheel_described(tmp_path / "good", "Fine\n====\n\nText.\n", "text/x-rst")
    markdown = wheel_described(tmp_path / "md", "# `unclosed\n", "text/markdown")
    broken = wheel_described(tmp_path / "bad", "Broken\n=====\n\n`unclosed\n", "text/x-rst")
    streams = (sys.stdout, sys.stderr)
    capfd.readouterr()

    builder.check([good, markdown])
    with pytest.raises(BuildError, match=r"twine check failed: descpkg-1\.0\.0-py3-none-any"
                                         r"\.whl: the long description does not render"):
        builder.check([broken])

    assert capfd.readouterr() == ("", "")
    assert (sys.stdout, sys.stderr) == streams


def test_the_undo_of_a_build_that_never_began_leaves_the_users_dist_files(tmp_path: Path):
    """A build that failed before it looked at dist/ (the tag's checkout, its environment)
    made nothing there: its undo must not take the files the user keeps in dist/."""
    from release_tasks.core.config import Config
    from release_tasks.core.release import Options
    from release_tasks.core.ui import Ui
    from release_tasks.pipeline.assembly import assemble
    from release_tasks.steps.build import Build

    root = tmp_path / "proj"
    (root / "dist").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "pkg"\nversion = "1.0.0"\n')
    kept = root / "dist" / "pkg-0.9.0-py3-none-any.whl"
    kept.write_bytes(b"the user's own older wheel")
    rel = assemble(root, Config(), Ui(quiet=True), Options(), version="1.0.1")

    said = Build().undo(rel)

    assert kept.read_bytes() == b"the user's own older wheel"
    assert said is None


def test_the_renderer_of_restructuredtext_is_loaded_only_for_a_readme_that_may_be_it(
        tmp_path: Path):
    from release_tasks.build.readme import may_be_rst

    def project(name: str, pyproject: str, setup_cfg: str | None = None) -> Path:
        root = tmp_path / name
        root.mkdir()
        (root / "pyproject.toml").write_text(f'[project]\nname = "p"\n{pyproject}')
        if setup_cfg is not None:
            (root / "setup.cfg").write_text(setup_cfg)
        return root

    assert not may_be_rst(project("md", 'readme = "README.md"\n'))
    assert not may_be_rst(project("plain", 'readme = {file = "README", '
                                           'content-type = "text/plain"}\n'))
    assert not may_be_rst(project("cfg", "", "[metadata]\nlong_description = file: README.md\n"
                                  "long_description_content_type = text/markdown\n"))
    assert may_be_rst(project("rst", 'readme = "README.rst"\n'))
    assert may_be_rst(project("typed", 'readme = {file = "README", '
                                       'content-type = "text/x-rst"}\n'))
    assert may_be_rst(project("dynamic", 'dynamic = ["readme"]\n'))  # the build decides
