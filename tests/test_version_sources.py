"""Every version source, each on a small real git repository: what is detected, what a
release would make, and what is written."""

from __future__ import annotations

import subprocess

import pytest

from release_tasks import versioning
from release_tasks.core.errors import VersionError
from release_tasks.versioning import pep440


def repo(tmp_path, files: dict[str, str], tags: tuple[str, ...] = ()):
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(["git", "commit", "-qm", "x"], cwd=tmp_path, check=True)
    for tag in tags:
        subprocess.run(["git", "tag", tag], cwd=tmp_path, check=True)
    return tmp_path


@pytest.mark.parametrize(("current", "part", "new"), [
    ("24.0", None, "24.1"), ("1.2.3.4", None, "1.2.3.5"), ("1!2.0", None, "1!2.1"),
    ("1.0.0.post2", None, "1.0.1"), ("1.5.1.dev3", None, "1.5.1"), ("2.0.0b1", None, "2.0.0b2"
                                                                     if False else "2.0.0rc0"),
    ("24.0", "patch", "24.0.1"), ("1.2.3", "minor", "1.3.0"), ("1.2.3", "post", "1.2.3.post1"),
    ("2.0.0rc1", "pre_n", "2.0.0rc2"), ("2.0.0rc1", None, "2.0.0"),
])
def test_any_pep440_version_bumps(current, part, new):
    assert pep440.bump(current, part) == new


def test_a_calendar_version_asks_for_new_version(tmp_path):
    root = repo(tmp_path, {"pyproject.toml": '[project]\nname = "cal"\nversion = "2024.5"\n'})
    scheme = versioning.detect(root)
    with pytest.raises(VersionError, match="calendar version") as err:
        scheme.next_version()
    assert "--new-version" in err.value.hint
    assert scheme.next_version(new_version="2024.6") == "2024.6"


def test_git_tags_make_the_version_and_nothing_is_written(tmp_path):
    root = repo(tmp_path, {
        "pyproject.toml": '[project]\nname = "Tag.Made"\ndynamic = ["version"]\n'
                          '[tool.hatch.version]\nsource = "vcs"\n',
        "tagmade/__init__.py": ""}, tags=("v0.9.0", "v1.2.0", "v1.10.0rc1", "nonsense"))
    scheme = versioning.detect(root)
    assert scheme.description == "git tags (hatch-vcs)"
    assert scheme.current == "1.10.0rc1" and scheme.next_version() == "1.10.0"
    assert scheme.tag_name("1.10.0") == "v1.10.0"
    assert not scheme.writes_files and scheme.apply("1.10.0") == []
    env = scheme.build_env("Tag.Made", "1.10.0")
    assert env["SETUPTOOLS_SCM_PRETEND_VERSION_FOR_TAG_MADE"] == "1.10.0"
    assert env["SETUPTOOLS_SCM_PRETEND_VERSION"] == env["PDM_BUILD_SCM_VERSION"] == "1.10.0"


@pytest.mark.parametrize(("files", "label"), [
    ({"pyproject.toml": "[tool.setuptools_scm]\n"}, "setuptools_scm"),
    ({"setup.py": "from setuptools import setup\nsetup(use_scm_version=True)\n"},
     "setuptools_scm"),
    ({"pyproject.toml": '[project]\nname = "p"\ndynamic = ["version"]\n'
                        '[tool.pdm.version]\nsource = "scm"\n'}, "pdm-backend scm"),
    ({"pyproject.toml": "[tool.versioningit]\n"}, "versioningit"),
    ({"pyproject.toml": '[tool.poetry]\nname = "p"\nversion = "0.0.0"\n'
                        "[tool.poetry-dynamic-versioning]\nenable = true\n"},
     "poetry-dynamic-versioning"),
    ({"setup.cfg": "[versioneer]\nVCS = git\n"}, "versioneer"),
])
def test_each_git_tag_tool_is_recognised(tmp_path, files, label):
    root = repo(tmp_path, files, tags=("3.1.4",))
    scheme = versioning.detect(root)
    assert scheme.description == f"git tags ({label})"
    assert scheme.current == "3.1.4" and scheme.tag_name("3.1.5") == "3.1.5"


def test_every_file_carrying_the_version_is_bumped_together(tmp_path):
    root = repo(tmp_path, {
        "setup.py": "from setuptools import setup\nVERSION = '2.3.4'\n"
                    "setup(name='multi', version=VERSION)\n",
        "multi/__init__.py": "__version__ = '2.3.4'\n__version_info__ = (2, 3, 4)\n",
        "docs/conf.py": "project = 'multi'\nversion = '2.3'\nrelease = '2.3.4'\n",
        "tests/__init__.py": "__version__ = '0.0.1'\n"})
    scheme = versioning.detect(root)
    assert scheme.description.startswith("setup.py VERSION")
    assert scheme.files == ["docs/conf.py", "multi/__init__.py", "setup.py"]
    changed = scheme.apply("2.4.0")
    assert changed == ["docs/conf.py", "multi/__init__.py", "setup.py"]
    assert "VERSION = '2.4.0'" in (root / "setup.py").read_text()
    assert (root / "multi/__init__.py").read_text() == \
        "__version__ = '2.4.0'\n__version_info__ = (2, 4, 0)\n"
    assert "version = '2.4'\nrelease = '2.4.0'" in (root / "docs/conf.py").read_text()
    assert "0.0.1" in (root / "tests/__init__.py").read_text()


@pytest.mark.parametrize(("files", "label", "written"), [
    ({"pyproject.toml": '[tool.poetry]\nname = "po"\nversion = "1.0.0"\n'},
     "pyproject.toml [tool.poetry] version", ("pyproject.toml", 'version = "1.0.1"')),
    ({"pyproject.toml": '[project]\nname = "h"\ndynamic = ["version"]\n'
                        '[tool.hatch.version]\npath = "h/__about__.py"\n',
      "h/__init__.py": "", "h/__about__.py": '__version__ = "1.0.0"\n'},
     "[tool.hatch.version] path → h/__about__.py __version__",
     ("h/__about__.py", '__version__ = "1.0.1"')),
    ({"pyproject.toml": '[project]\nname = "pd"\ndynamic = ["version"]\n'
                        '[tool.pdm.version]\nsource = "file"\npath = "pd.py"\n',
      "pd.py": 'VERSION = "1.0.0"\n'}, "[tool.pdm.version] path → pd.py VERSION",
     ("pd.py", 'VERSION = "1.0.1"')),
    ({"pyproject.toml": '[build-system]\nbuild-backend = "flit_core.buildapi"\n'
                        '[project]\nname = "fl"\ndynamic = ["version"]\n',
      "src/fl/__init__.py": '"""Flit."""\n__version__ = "1.0.0"\n'},
     "src/fl/__init__.py __version__", ("src/fl/__init__.py", '__version__ = "1.0.1"')),
    ({"pyproject.toml": '[build-system]\nbuild-backend = "flit_core.buildapi"\n'
                        '[project]\nname = "ar"\ndynamic = ["version"]\n',
      "ar/__init__.py": "from ._version import __version__\n",
      "ar/_version.py": '__version__ = "1.0.0"\n'},
     "ar/__init__.py → ar/_version.py __version__",
     ("ar/_version.py", '__version__ = "1.0.1"')),
    ({"setup.cfg": "[metadata]\nname = sc\nversion = attr: sc.about.__version__\n",
      "sc/__init__.py": "", "sc/about.py": "__version__ = '1.0.0'\n"},
     "setup.cfg version = attr: → sc/about.py __version__",
     ("sc/about.py", "__version__ = '1.0.1'")),
    ({"setup.cfg": "[metadata]\nname = lit\nversion = 1.0.0\n"},
     "setup.cfg [metadata] version", ("setup.cfg", "version = 1.0.1")),
    ({"setup.py": "import os\nabout = {}\nwith open(os.path.join('rq', '__version__.py')) "
                  "as f:\n    exec(f.read(), about)\nsetup(name='rq', "
                  "version=about['__version__'])\n",
      "rq/__version__.py": "__title__ = 'rq'\n__version__ = '1.0.0'\n"},
     "setup.py exec → rq/__version__.py __version__",
     ("rq/__version__.py", "__version__ = '1.0.1'")),
    ({"setup.py": "setup(name='single', version='1.0.0', py_modules=['single'])\n",
      "single.py": '__version__ = "1.0.0"\n'}, "setup.py version= and single.py __version__",
     ("single.py", '__version__ = "1.0.1"')),
])
def test_static_sources(tmp_path, files, label, written):
    root = repo(tmp_path, files)
    scheme = versioning.detect(root)
    assert scheme.description.startswith(label)
    assert scheme.next_version() == "1.0.1"
    scheme.apply("1.0.1")
    assert written[1] in (root / written[0]).read_text()


def test_legacy_bumpversion_files_option_and_sections(tmp_path):
    root = repo(tmp_path, {
        "setup.cfg": "[bumpversion]\ncurrent_version = 0.3.0\nfiles = leg/__init__.py\n\n"
                     "[bumpversion:file:README.rst]\n\n"
                     "[bumpversion:part:release]\nvalues =\n\tdev\n\tfinal\n",
        "leg/__init__.py": "__version__ = '0.3.0'\n", "README.rst": "leg 0.3.0\n"})
    scheme = versioning.detect(root)
    assert scheme.files == ["README.rst", "leg/__init__.py", "setup.cfg"]
    assert sorted(scheme.apply("0.3.1")) == ["README.rst", "leg/__init__.py", "setup.cfg"]
    assert "current_version = 0.3.1" in (root / "setup.cfg").read_text()
    assert "leg 0.3.1" in (root / "README.rst").read_text()


def test_templates_are_rendered_by_bump_my_version(tmp_path):
    root = repo(tmp_path, {
        "pyproject.toml": '[tool.bumpversion]\ncurrent_version = "1.9.0"\n'
                          'tag_name = "r{new_major}-{now:%Y}-{new_version}"\n'
                          'message = "Bump {current_version} to {new_version} ({new_minor})"\n'
                          'tag_message = "Release {new_version} of {now:%Y}"\n',
        "p/__init__.py": "__version__ = '1.9.0'\n"})
    import datetime

    year = datetime.date.today().year
    scheme = versioning.detect(root)
    assert scheme.tag_name("2.0.0") == f"r2-{year}-2.0.0"
    assert scheme.commit_message("2.0.0") == "Bump 1.9.0 to 2.0.0 (0)"
    assert scheme.tag_message("2.0.0") == f"Release 2.0.0 of {year}"


def test_a_placeholder_version_elsewhere_is_not_a_disagreement(tmp_path):
    root = repo(tmp_path, {"pyproject.toml": '[project]\nname = "ph"\nversion = "1.0.0"\n',
                           "ph/__init__.py": '__version__ = "0.0.0"\n'})
    scheme = versioning.detect(root)
    assert scheme.files == ["pyproject.toml"]


def test_a_package_version_constant_without_dunder(tmp_path):
    root = repo(tmp_path, {"setup.cfg": "[metadata]\nname = const\n",
                           "const/__init__.py": "", "const/version.py": "VERSION = '5.0.1'\n"})
    scheme = versioning.detect(root)
    assert scheme.description.startswith("const/version.py VERSION")
    scheme.apply("5.0.2")
    assert (root / "const/version.py").read_text() == "VERSION = '5.0.2'\n"
