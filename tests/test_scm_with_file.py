"""A git-tag project (setuptools_scm) whose build also reads a version file: setup.cfg's
``version = attr: scmfile.__about__.__version__``, as semver keeps it. The tag decides the
version; the file the build reads is bumped with it, so the wheel's ``__version__`` is the
new one too."""

from __future__ import annotations

import zipfile

from .projects import make_project

PYPROJECT = """\
[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[tool.setuptools_scm]
"""
SETUP_CFG = """\
[metadata]
name = scmfile
version = attr: scmfile.__about__.__version__

[options]
packages = scmfile
"""


def test_the_file_the_build_reads_is_bumped_with_the_tag(tmp_path, fab, home):
    proj = make_project(tmp_path, "plain")
    for f in ("plainpkg/__init__.py", "pyproject.toml", "CHANGES.rst"):
        proj.git("rm", "-q", f)
    proj.write("CHANGES.rst", "Changes\n=======\n\n1.0.0 (2026-01-02)\n------------------\n\n"
               "- First.\n")
    proj.write("pyproject.toml", PYPROJECT)
    proj.write("setup.cfg", SETUP_CFG)
    proj.write("scmfile/__init__.py", "from .__about__ import __version__\n")
    proj.write("scmfile/__about__.py", '__version__ = "1.0.0"\n')
    proj.commit("setuptools_scm with a version file the build reads")
    proj.git("tag", "-a", "1.0.0", "-m", "Release 1.0.0")
    proj.write("scmfile/extra.py", "X = 1\n")
    proj.commit("Add extra")

    run = fab(proj, "release", "--yes", "--notes", "Extra.", "--skip-docs")

    assert run.code == 0, run.out
    assert "git tags (setuptools_scm) and setup.cfg version = attr:" in run.out
    assert proj.read("scmfile/__about__.py") == '__version__ = "1.0.1"\n'
    assert "scmfile/__about__.py" in proj.git("show", "--name-only", "--format=", "1.0.1")
    index = home / ".local" / "share" / "release_tasks" / "index" / "simple" / "scmfile"
    with zipfile.ZipFile(next(index.glob("scmfile-1.0.1-*.whl"))) as whl:
        assert whl.read("scmfile/__about__.py") == b'__version__ = "1.0.1"\n'
