"""Version detection through bump-my-version, on real project folders and git repos."""

from __future__ import annotations

import subprocess

import pytest

from release_tasks import versioning
from release_tasks.core.errors import ConfigError, VersionError

from .test_version_sources import repo


def test_bumpversion_cfg_with_its_own_parts(tmp_path):
    root = repo(tmp_path, {
        ".bumpversion.cfg": "[bumpversion]\ncurrent_version = 2024.1\n"
                            "parse = (?P<year>\\d+)\\.(?P<n>\\d+)\nserialize = {year}.{n}\n"
                            "tag_name = release-{new_version}\n",
        "pkg/__init__.py": "__version__ = '2024.1'\n"})
    scheme = versioning.detect(root)
    assert scheme.description == ".bumpversion.cfg"
    assert scheme.parts == ["year", "n"]
    assert scheme.next_version("n") == "2024.2"
    assert scheme.tag_name("2024.2") == "release-2024.2"
    with pytest.raises(VersionError, match=r"unknown version part 'patch'.*use one of: year, n"):
        scheme.next_version("patch")


def test_pep621_only_and_dunder_version_together(tmp_path):
    root = repo(tmp_path, {
        "pyproject.toml": '[project]\nname = "p"\nversion = "0.9.0"\n',
        "src/p/__init__.py": "__version__ = '0.9.0'\n"})
    scheme = versioning.detect(root)
    assert "pyproject.toml [project] version and src/p/__init__.py __version__" in \
        scheme.description
    assert scheme.next_version(new_version="1.0.0b1") == "1.0.0b1"
    scheme.apply("1.0.0b1")
    assert 'version = "1.0.0b1"' in (root / "pyproject.toml").read_text()
    assert "__version__ = '1.0.0b1'" in (root / "src/p/__init__.py").read_text()


def test_versions_that_disagree_are_an_error(tmp_path):
    root = repo(tmp_path, {
        "pyproject.toml": '[project]\nname = "p"\nversion = "0.9.0"\n',
        "p/__init__.py": "__version__ = '0.8.0'\n"})
    with pytest.raises(VersionError, match="the version differs between files"):
        versioning.detect(root)


def test_existing_v_tags_set_the_tag_format(tmp_path):
    root = repo(tmp_path, {"p/__init__.py": "__version__ = '1.0.0'\n"})
    subprocess.run(["git", "tag", "v1.0.0"], cwd=root, check=True)
    assert versioning.detect(root).tag_name("1.0.1") == "v1.0.1"


def test_dev_and_prerelease_versions_under_the_builtin_scheme(tmp_path):
    root = repo(tmp_path, {"p/__init__.py": "__version__ = '1.5.1.dev0'\n"})
    scheme = versioning.detect(root)
    assert scheme.next_version() == "1.5.1"  # a .dev version releases its final
    assert scheme.next_version("minor") == "1.6.0"
    assert scheme.next_version(new_version="1.5.1rc1") == "1.5.1rc1"
    with pytest.raises(VersionError, match=r"not greater than the current 1\.5\.1\.dev0"):
        scheme.next_version(new_version="1.5.0")


def test_malformed_bumpversion_config(tmp_path):
    root = repo(tmp_path, {"setup.cfg": "[bumpversion]\ncurrent_version = banana\n"})
    with pytest.raises(ConfigError, match="does not match its parse pattern"):
        versioning.detect(root)


def test_a_release_candidate_releases_its_final_by_default(tmp_path):
    root = repo(tmp_path, {"p/__init__.py": "__version__ = '2.0.0rc1'\n"})
    scheme = versioning.detect(root)
    assert scheme.next_version() == "2.0.0"
    assert scheme.next_version("pre_n") == "2.0.0rc2"
    assert scheme.tag_message("2.0.0") == "Release 2.0.0"
    with pytest.raises(VersionError, match=r"cannot bump dev_l of 2\.0\.0rc1"):
        scheme.next_version("dev_l")
