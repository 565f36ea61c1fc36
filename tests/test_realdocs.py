"""Scenarios: real projects from PyPI release with their docs built the way their authors
build them (Read the Docs' config, docs/requirements.txt, requirements/docs.txt), and bad
docs input stops the release before anything changed, naming the problem.

Each project is its own sdist, downloaded once into ``RELEASE_TASKS_TEST_CACHE`` (default
``~/.cache/release_tasks-tests``) and made a git checkout tagged at its version. The docs
environments are made once per test session: ``XDG_CACHE_HOME`` points every `fab` run
at one session-wide folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from .projects import GIT_ENV

CACHE = Path(os.environ.get("RELEASE_TASKS_TEST_CACHE")
             or Path.home() / ".cache" / "release_tasks-tests") / "sdists"

pytestmark = pytest.mark.slow


def sdist(name: str, version: str) -> Path:
    """The project's sdist from the package index, downloaded on first use only."""
    CACHE.mkdir(parents=True, exist_ok=True)
    found = _cached(name, version)
    if found:
        return found
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary",
             ":all:", "--dest", tmp, f"{name}=={version}"],
            capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        (file,) = Path(tmp).glob("*.tar.gz")
        os.replace(file, CACHE / file.name)
    found = _cached(name, version)
    assert found is not None
    return found


def _cached(name: str, version: str) -> Path | None:
    for spelling in {name, name.replace("-", "_"), name.replace("_", "-")}:
        path = CACHE / f"{spelling}-{version}.tar.gz"
        if path.is_file():
            return path
    return None


def git(path: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, check=True)
    return proc.stdout.strip()


def checkout(tmp_path: Path, name: str, version: str, tag: str,
             edit: Callable[[Path], None] | None = None, site: Path | None = None) -> Path:
    """The sdist as a git checkout at its release tag, with a one-line fabfile."""
    with tarfile.open(sdist(name, version)) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (top,) = (tmp_path / "unpacked").iterdir()
    path = tmp_path / name
    top.rename(path)
    for generated in [path / "PKG-INFO", *path.glob("**/*.egg-info")]:
        shutil.rmtree(generated) if generated.is_dir() else generated.unlink()
    (path / "fabfile.py").write_text("from release_tasks import *\n")
    (path / ".gitignore").write_text("build/\ndist/\n*.egg-info/\n__pycache__/\n")
    if site is not None:
        (path / "fabric.yaml").write_text(
            f"release_tasks:\n  docs_target: {site}/{{name}}/{{version}}\n")
    if edit is not None:
        edit(path)
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", f"{name} {version} as released")
    git(path, "tag", "-a", tag, "-m", f"Release {version}")
    return path


@pytest.fixture(scope="session")
def docs_envs(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One cache folder for the whole session: each docs environment is made once."""
    return str(tmp_path_factory.mktemp("xdg-cache"))


def release(fab, path: Path, docs_envs: str, *args: str):
    return fab(path, "release", "--yes", "--notes", "- Docs built in their own environment.",
               *args, env={"XDG_CACHE_HOME": docs_envs, "CI": "true"}, timeout=600)


def shipped(site: Path, name: str, version: str) -> str:
    """The shipped front page, after checking ``latest`` points at ``version``."""
    assert (site / name / "latest").resolve() == (site / name / version).resolve()
    return (site / name / version / "index.html").read_text(encoding="utf-8")


def env_python(docs_envs: str, name: str) -> Path:
    (env,) = (Path(docs_envs) / "release_tasks" / "docs-envs").glob(f"{name}-*")
    return env / "bin" / "python"


def installed_version(python: Path, dist: str) -> str:
    return subprocess.run([str(python), "-c", "import importlib.metadata as m; "
                           f"print(m.version({dist!r}))"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_blinker_a_pallets_project_releases_with_its_locked_docs_requirements(
        tmp_path, fab, docs_envs, home):
    site = tmp_path / "site"
    path = checkout(tmp_path, "blinker", "1.8.2", "1.8.2", site=site)

    run = release(fab, path, docs_envs)

    assert run.code == 0, run.out
    assert "requirements/docs.txt" in run.out  # where the environment came from
    page = shipped(site, "blinker", "1.8.3")
    assert "Blinker Documentation" in page and "pallets" in page.lower()
    assert "VERSION: '1.8.3'" in (site / "blinker/1.8.3/_static/documentation_options.js"
                                  ).read_text()
    # The package is on the default local index, and the work tree is clean.
    index = home / ".local/share/release_tasks/index"
    assert sorted(p.name for p in index.rglob("blinker-1.8.3*")
                  if ".sha256" not in p.parts) == [
        "blinker-1.8.3-py3-none-any.whl", "blinker-1.8.3.tar.gz"]
    assert git(path, "status", "--porcelain") == ""


def test_pytest_cov_a_furo_project_with_a_readthedocs_config_and_editable_line(
        tmp_path, fab, docs_envs):
    site = tmp_path / "site"
    path = checkout(tmp_path, "pytest-cov", "5.0.0", "v5.0.0", site=site)

    run = release(fab, path, docs_envs)

    assert run.code == 0, run.out
    assert "docs/requirements.txt (from .readthedocs.yml)" in run.out
    page = shipped(site, "pytest-cov", "5.0.1")
    assert "<title>pytest-cov 5.0.1 documentation</title>" in page
    assert "furo" in page
    # `-e .` in the docs requirements never wrote egg-info into the work tree.
    assert git(path, "status", "--porcelain") == ""
    assert not list(path.glob("src/*.egg-info"))


def test_arrow_a_sphinx_rtd_theme_project_with_readthedocs_yaml(tmp_path, fab, docs_envs):
    site = tmp_path / "site"
    path = checkout(tmp_path, "arrow", "1.3.0", "1.3.0", site=site)

    run = release(fab, path, docs_envs)

    assert run.code == 0, run.out
    assert "requirements/requirements-docs.txt (from .readthedocs.yaml)" in run.out
    page = shipped(site, "arrow", "1.3.1")
    assert "Arrow 🏹 1.3.1 documentation" in page
    assert "sphinx_rtd_theme" in page or "wy-nav" in page


def test_python_dotenv_a_mkdocs_material_project(tmp_path, fab, docs_envs):
    """python-dotenv's docs pins (mkdocs 1.3, mkdocstrings 0.18) no longer install a
    working set (see the pre-flight test below), so this checkout carries the current
    releases of the same packages, as its later versions would."""
    site = tmp_path / "site"

    def refresh(path: Path) -> None:
        (path / "requirements-docs.txt").write_text(
            "mdx_truly_sane_lists==1.3\nmkdocs==1.6.1\nmkdocs-material==9.5.44\n"
            "mkdocstrings[python]==0.27.0\n")

    path = checkout(tmp_path, "python-dotenv", "1.1.1", "v1.1.1", edit=refresh, site=site)

    run = release(fab, path, docs_envs)

    assert run.code == 0, run.out
    page = shipped(site, "python-dotenv", "1.1.2")
    assert '<meta name="version" content="1.1.2">' in page
    assert "material" in page.lower()
    reference = (site / "python-dotenv/1.1.2/reference/index.html").read_text()
    assert "load_dotenv" in reference  # mkdocstrings imported the released package


def test_click_with_a_lock_pinning_itself_an_extension_needing_pkg_resources_offline(
        tmp_path, fab, docs_envs):
    """click (Pallets): sphinx-tabs imports pkg_resources, intersphinx cannot reach
    docs.python.org here, and the docs lock gains the pin pip-compile writes for a project
    listed in its own docs.in. The release's wheel goes over that pin."""
    site = tmp_path / "site"

    def pin_itself(path: Path) -> None:
        lock = path / "requirements" / "docs.txt"
        lock.write_text(lock.read_text() + "click==8.1.3\n    # via -r requirements/docs.in\n")

    path = checkout(tmp_path, "click", "8.1.7", "8.1.7", edit=pin_itself, site=site)

    run = release(fab, path, docs_envs)

    assert run.code == 0, run.out
    page = shipped(site, "click", "8.1.8")
    assert "Click Documentation (8.1.x)" in page
    assert "VERSION: '8.1.8'" in (site / "click/8.1.8/_static/documentation_options.js"
                                  ).read_text()
    assert installed_version(env_python(docs_envs, "click"), "click") == "8.1.8"


def test_stale_docs_pins_are_a_preflight_problem_naming_the_broken_plugin(
        tmp_path, fab, docs_envs):
    path = checkout(tmp_path, "python-dotenv", "1.1.1", "v1.1.1")
    head = git(path, "rev-parse", "HEAD")

    run = fab(path, "check", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 1, run.out
    line = next(x for x in run.lines() if "mkdocstrings" in x)
    assert "plugin mkdocstrings" in line and "fails to import" in line
    assert "requirements-docs.txt" in line
    assert git(path, "rev-parse", "HEAD") == head
