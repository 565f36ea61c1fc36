"""The build backend is the truth of the current version: projects whose version is
computed, whose bumpversion config is behind, or whose readers cannot say, released through
the real `fab`; and the build proof naming the file a bump missed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .realworld import Real, checkout, git, wheel_version

NOTE = "A release."
FLIT_PYPROJECT = """\
[build-system]
requires = ["flit_core >=3.2,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "tuplever"
dynamic = ["version", "description"]
"""
TUPLE_MODULE = '''\
"""A package whose version is made from a named tuple."""
from typing import NamedTuple


class version_info(NamedTuple):
    major: int
    minor: int
    micro: int
    releaselevel: str
    serial: int

    @property
    def __version__(self):
        return f"{self.major}.{self.minor}.{self.micro}"


__version_info__ = version_info(1, 2, 3, "final", 0)
__version__ = __version_info__.__version__
'''
STALE_SETUP_CFG = """\
[bumpversion]
current_version = 1.0.0
commit = True
tag = True

[bumpversion:file:src/stale/version.py]

[metadata]
name = stale
"""
STALE_SETUP_PY = """\
from setuptools import setup

meta = {}
with open("./src/stale/version.py", encoding="utf-8") as f:
    exec(f.read(), meta)

setup(name="stale", version=meta["__version__"], package_dir={"": "src"},
      packages=["stale"])
"""


def project(path: Path, files: dict[str, str], tag: str | None = None) -> Path:
    """A git repository with ``files`` and a one-line fabfile, tagged at ``tag``."""
    files = {"fabfile.py": "from release_tasks import *\n", ".gitignore": "dist/\nbuild/\n",
             **files}
    for rel, text in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text, encoding="utf-8")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "Initial import")
    if tag:
        git(path, "tag", "-a", "-m", f"Release {tag}", tag)
    return path


def release(fab, path: Path, *args: str):
    return fab(path, "release", "--yes", "--skip-docs", "--skip-history", "--notes", NOTE,
               *args)


def test_a_version_computed_from_a_named_tuple_is_bumped_in_the_tuple(tmp_path, fab):
    path = project(tmp_path / "p", {"pyproject.toml": FLIT_PYPROJECT,
                                    "tuplever/__init__.py": TUPLE_MODULE}, tag="1.2.3")

    run = release(fab, path)

    assert run.code == 0, run.out
    assert "1.2.3 → 1.2.4" in run.lines()[0]
    assert "the build backend: 1.2.3 in tuplever/__init__.py __version_info__" in run.lines()[0]
    text = (path / "tuplever/__init__.py").read_text()
    assert '__version_info__ = version_info(1, 2, 4, "final", 0)' in text
    assert [wheel_version(w) for w in (path / "dist").glob("*.whl")] == ["1.2.4"]
    assert "1.2.4" in git(path, "tag", "--list").split()


def test_a_bumpversion_current_version_behind_the_file_the_build_reads(tmp_path, fab):
    path = project(tmp_path / "p", {"setup.cfg": STALE_SETUP_CFG, "setup.py": STALE_SETUP_PY,
                                    "src/stale/__init__.py": "",
                                    "src/stale/version.py": '__version__ = "1.0.1"\n'},
                   tag="1.0.1")

    run = release(fab, path)

    assert run.code == 0, run.out
    assert "1.0.1 → 1.0.2" in run.lines()[0]
    said = [line for line in run.lines() if "current_version 1.0.0 is behind" in line]
    assert len(said) == 1 and "(1.0.1)" in said[0]
    assert (path / "src/stale/version.py").read_text() == '__version__ = "1.0.2"\n'
    assert "current_version = 1.0.2\n" in (path / "setup.cfg").read_text()
    assert [wheel_version(w) for w in (path / "dist").glob("*.whl")] == ["1.0.2"]


def test_setuptools_scm_in_requires_beside_a_static_version_is_a_static_project(tmp_path, fab):
    path = project(tmp_path / "p", {"pyproject.toml": """\
[build-system]
requires = ["setuptools>=64", "setuptools_scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "staticscm"
version = "2.0.0"
""", "staticscm/__init__.py": ""}, tag="1.0.0")

    run = fab(path, "release", "--dry-run", "--skip-docs", "--skip-history")

    assert run.code == 0, run.out
    assert "2.0.0 → 2.0.1" in run.lines()[0]
    assert "pyproject.toml [project] version" in run.lines()[0]
    assert "git tags" not in run.out


@pytest.mark.parametrize(("current", "part", "new"), [
    ("4.1.0.dev0", None, "4.1.0"), ("2.0.0.dev", None, "2.0.0"),
    ("4.1.0.dev0", "minor", "4.2.0"), ("4.1.0.dev0", "patch", "4.1.1"),
])
def test_a_dev_version_names_the_next_release(tmp_path, fab, current, part, new):
    path = project(tmp_path / "p", {"pyproject.toml": f"""\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "devver"
version = "{current}"
""", "devver/__init__.py": ""})

    run = fab(path, "release", "--dry-run", "--skip-docs", "--skip-history",
              *(["--part", part] if part else []))

    assert run.code == 0, run.out
    assert f"{current} → {new}" in run.lines()[0]
    assert f'version = "{current}"' in (path / "pyproject.toml").read_text()  # a dry run


def test_the_build_proof_names_the_file_the_bump_missed(tmp_path, fab):
    path = project(tmp_path / "p", {"setup.cfg": """\
[bumpversion]
current_version = 1.0.0

[bumpversion:file:missed/__init__.py]
""", "setup.py": """\
from setuptools import setup

setup(name="missed", version="1.0.0", packages=["missed"])
""", "missed/__init__.py": '__version__ = "1.0.0"\n'}, tag="1.0.0")

    run = release(fab, path)

    assert run.code != 0
    assert "1.0.0 is still in setup.py, which the bump missed" in run.out
    assert not list(path.glob("dist/*1.0.1*"))  # nothing wrong is left to upload
    assert subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=path,
                          capture_output=True, text=True, check=True).stdout == ""


REAL = {"pyparsing": Real("pyparsing", "3.1.2", "3.1.3",
                          "the build backend: 3.1.2 in pyparsing/__init__.py __version_info__"),
        "python-dotenv": Real("python-dotenv", "1.0.1", "1.0.2", "setup.cfg [bumpversion]",
                              tag_prefix="v")}


@pytest.mark.realprojects
@pytest.mark.parametrize("name", sorted(REAL))
def test_a_real_project_whose_version_only_the_backend_knows(name, tmp_path, fab):
    real = REAL[name]
    path = checkout(real, tmp_path)

    run = fab(path, "release", "--yes", "--skip-docs", "--skip-history", "--notes", NOTE,
              env={"EDITOR": "false"}, timeout=600)

    assert run.code == 0, run.out
    assert f"{real.version} → {real.new}" in run.lines()[0]
    assert real.source in run.lines()[0]
    assert real.tag_prefix + real.new in git(path, "tag", "--list").split()
    assert [wheel_version(w) for w in (path / "dist").glob("*.whl")] == [real.new]
    if name == "pyparsing":
        assert 'version_info(3, 1, 3, "final", 1)' in (path / "pyparsing/__init__.py").read_text()
    else:
        assert (path / "src/dotenv/version.py").read_text() == '__version__ = "1.0.2"\n'
        assert "current_version = 1.0.2" in (path / "setup.cfg").read_text()


def test_setuptools_scm_in_requires_beside_a_version_file_the_build_reads(tmp_path, fab):
    path = project(tmp_path / "p", {"pyproject.toml": """\
[build-system]
requires = ["setuptools>=64", "setuptools_scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "filescm"
dynamic = ["version"]

[tool.setuptools.dynamic]
version = {file = "VERSION"}
""", "VERSION": "1.4.0\n", "filescm/__init__.py": ""}, tag="1.4.0")

    run = release(fab, path)

    assert run.code == 0, run.out
    assert "1.4.0 → 1.4.1 (version from [tool.setuptools.dynamic] version file → VERSION" \
        in run.lines()[0]
    assert (path / "VERSION").read_text() == "1.4.1\n"
    assert [wheel_version(w) for w in (path / "dist").glob("*.whl")] == ["1.4.1"]


@pytest.mark.parametrize(("pyproject", "label"), [
    ('[build-system]\nrequires = ["setuptools>=64", "setuptools-scm[simple]>=9"]\n'
     'build-backend = "setuptools.build_meta"\n[project]\nname = "p"\ndynamic = ["version"]\n',
     "git tags (setuptools_scm)"),
    ('[build-system]\nrequires = ["setuptools>=64", "setuptools-scm>=8"]\n'
     'build-backend = "setuptools.build_meta"\n[project]\nname = "p"\nversion = "3.1.4"\n'
     "[tool.setuptools_scm]\n", "pyproject.toml [project] version"),
    ('[build-system]\nrequires = ["setuptools>=64", "setuptools-scm>=8"]\n'
     'build-backend = "setuptools.build_meta"\n[project]\nname = "p"\ndynamic = ["version"]\n'
     '[tool.setuptools_scm]\n[tool.setuptools.dynamic]\nversion = {attr = "p.__version__"}\n',
     "[tool.setuptools.dynamic] version attr → p/__init__.py __version__"),
])
def test_git_tags_are_recognised_by_the_backend_configuration(tmp_path, pyproject, label):
    from release_tasks import versioning

    root = project(tmp_path / "p", {"pyproject.toml": pyproject,
                                    "p/__init__.py": '__version__ = "3.1.4"\n'}, tag="3.1.4")

    scheme = versioning.detect(root)

    assert scheme.description.startswith(label)
    assert scheme.current == "3.1.4"
    assert scheme.writes_files == (not label.startswith("git tags"))


def test_files_that_disagree_are_told_which_version_the_build_makes(tmp_path, fab):
    path = project(tmp_path / "p", {"pyproject.toml": """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "split"
version = "1.2.0"
""", "split/__init__.py": '__version__ = "1.1.0"\n'}, tag="1.2.0")
    before = (path / "split/__init__.py").read_text()

    run = fab(path, "release", "--dry-run", "--skip-docs", "--skip-history")

    assert run.code != 0
    assert "the version differs between files" in run.out
    assert "the build makes 1.2.0" in run.out and "make them agree on 1.2.0" in run.out
    assert (path / "split/__init__.py").read_text() == before


def test_the_backend_answer_is_kept_per_tree(tmp_path):
    """Asked twice about the same tree, the answer comes from the cache; a changed tracked
    file is another tree, asked afresh. The user's tree gets nothing written."""
    import json

    from release_tasks.build import backend_meta, envcache

    root = project(tmp_path / "p", {"pyproject.toml": FLIT_PYPROJECT,
                                    "tuplever/__init__.py": TUPLE_MODULE})
    kept = envcache.cache_root().parent / "metadata"

    assert backend_meta.metadata(root) == {"name": "tuplever", "version": "1.2.3"}
    (answer,) = kept.glob("*.json")
    answer.write_text(json.dumps({"name": "tuplever", "version": "9.9.9"}))
    assert backend_meta.metadata(root)["version"] == "9.9.9"  # not asked again

    (root / "tuplever/__init__.py").write_text(TUPLE_MODULE.replace("1, 2, 3", "1, 3, 0"))
    assert backend_meta.metadata(root)["version"] == "1.3.0"
    assert git(root, "status", "--porcelain") == "M tuplever/__init__.py"


def test_a_version_kept_in_any_module_of_the_package_is_found_and_bumped(tmp_path, fab):
    """distro's shape: setup.cfg reads ``attr: distro.__version__``, which __init__.py
    imports from distro.py, a module no reader looks in by its name."""
    path = project(tmp_path / "p", {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=61"]\n'
                          'build-backend = "setuptools.build_meta"\n',
        "setup.cfg": "[metadata]\nname = anymod\nversion = attr: anymod.__version__\n\n"
                     "[options]\npackage_dir =\n    = src\npackages = anymod\n",
        "src/anymod/__init__.py": "from .anymod import __version__\n",
        "src/anymod/anymod.py": '"""The module."""\n\n__version__ = "1.9.0"\n'},
        tag="1.9.0")

    run = release(fab, path)

    assert run.code == 0, run.out
    assert "1.9.0 → 1.9.1" in run.lines()[0]
    assert (path / "src/anymod/anymod.py").read_text().endswith('__version__ = "1.9.1"\n')
    assert [wheel_version(w) for w in (path / "dist").glob("*.whl")] == ["1.9.1"]
