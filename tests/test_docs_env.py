"""Scenarios: the docs environment on the sample project, a MkDocs site, and bad docs input
(a theme nothing provides, a conf.py that raises, a broken requirements file), each
stopping before anything changed with the cause in one line.

The docs environments are made once per test session (``XDG_CACHE_HOME`` is shared).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from release_tasks.docs import find, requirements

MKDOCS_REQUIREMENTS = "mkdocs==1.6.1\n"


@pytest.fixture(scope="session")
def docs_envs(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("xdg-cache"))


def problems(out: str) -> list[str]:
    return [line.strip()[2:] for line in out.splitlines() if line.strip().startswith("- ")]


# --- finding the docs and what they need (no builds) -----------------------------------------

def test_readthedocs_config_names_the_sphinx_folder_and_the_requirements(tmp_path):
    (tmp_path / "docs/source").mkdir(parents=True)
    (tmp_path / "docs/source/conf.py").write_text("")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")  # not the one RTD builds
    (tmp_path / "docs/requirements.txt").write_text("furo\n")  # not the one RTD installs
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci/docs.txt").write_text("sphinx\n")
    (tmp_path / ".readthedocs.yaml").write_text(
        "version: 2\nsphinx:\n  configuration: docs/source/conf.py\n  fail_on_warning: true\n"
        "python:\n  install:\n    - requirements: ci/docs.txt\n    - method: pip\n"
        "      path: .\n      extra_requirements: [docs]\n")

    source = find.find(tmp_path)
    wants = requirements.declared(source)

    assert (source.builder, source.relative(), source.found_by) == (
        "sphinx", "docs/source/conf.py", ".readthedocs.yaml")
    assert source.fail_on_warning
    assert wants.files == (tmp_path / "ci/docs.txt",) and wants.extras == ("docs",)
    assert wants.where == "ci/docs.txt, extra docs (from .readthedocs.yaml)"


def test_conventional_requirement_files_and_a_docs_extra_are_all_declared(tmp_path):
    (tmp_path / "doc").mkdir()
    (tmp_path / "doc/conf.py").write_text("")
    (tmp_path / "doc/requirements.txt").write_text("sphinx\n")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements/docs.txt").write_text("furo\n")
    (tmp_path / "requirements.txt").write_text("requests\n")  # the project's own, not docs
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n[project.optional-dependencies]\n'
        'documentation = ["myst-parser"]\ntest = ["pytest"]\n')

    wants = requirements.declared(find.find(tmp_path))

    assert wants.where == "doc/requirements.txt, requirements/docs.txt, extra documentation"


def test_docs_builder_picks_mkdocs_where_both_exist_and_the_cache_key_follows_the_files(
        tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/conf.py").write_text("")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    (tmp_path / "requirements-docs.txt").write_text("mkdocs-material\n")

    assert find.find(tmp_path).builder == "sphinx"
    source = find.find(tmp_path, builder="mkdocs")
    assert (source.builder, source.relative()) == ("mkdocs", "mkdocs.yml")
    wants = requirements.declared(source)
    key = requirements.cache_key(source, wants, ["mkdocs"])
    assert key == requirements.cache_key(source, wants, ["mkdocs"])
    (tmp_path / "requirements-docs.txt").write_text("mkdocs-material==9.5.44\n")
    assert requirements.cache_key(source, wants, ["mkdocs"]) != key


def test_a_readthedocs_mkdocs_section_picks_mkdocs_and_its_strictness(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/conf.py").write_text("")  # an old Sphinx setup left behind
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    (tmp_path / ".readthedocs.yml").write_text("version: 2\nmkdocs:\n  fail_on_warning: true\n")

    source = find.find(tmp_path)

    assert (source.builder, source.relative(), source.fail_on_warning) == (
        "mkdocs", "mkdocs.yml", True)


# --- the sample project ------------------------------------------------------------------------

def test_dry_run_says_which_environment_builds_the_docs_and_why(project, fab, docs_envs):
    proj = project("modern")
    env = {"XDG_CACHE_HOME": docs_envs}

    run = fab(proj, "release", "--dry-run", env=env)
    assert run.code == 0, run.out
    assert "in the running environment (the project declares no docs requirements)" in run.out

    proj.write("docs/requirements.txt", "sphinx\n")
    proj.commit("Declare the docs requirements")
    run = fab(proj, "release", "--dry-run", env=env)
    assert run.code == 0, run.out
    assert "making the docs environment from docs/requirements.txt" in run.out
    assert "in the project's docs environment from docs/requirements.txt (made now, cached " \
        "for next time)" in run.out
    made = list((Path(docs_envs) / "release_tasks" / "docs-envs").glob("proj-*"))
    assert len(made) == 1 and (made[0] / "bin" / "python").exists()
    # The second time it is found in the cache: nothing is made.
    again = fab(proj, "release", "--dry-run", env=env)
    assert "making the docs environment" not in again.out, again.out
    assert "from docs/requirements.txt (cached)" in again.out

    proj.write("pyproject.toml", proj.read("pyproject.toml") + "docs_isolation = false\n")
    proj.commit("Docs in the running environment")
    run = fab(proj, "release", "--dry-run", env=env)
    assert "in the running environment (docs_isolation = false)" in run.out, run.out


def test_a_theme_that_no_requirement_provides_is_a_preflight_problem(project, fab, docs_envs):
    proj = project("modern")
    proj.write("docs/requirements.txt", "sphinx\n")
    proj.write("docs/conf.py", proj.read("docs/conf.py").replace('"alabaster"', '"furo"'))
    proj.commit("Use furo")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--notes", "- Docs.", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 1, run.out
    (problem,) = problems(run.out)
    assert problem.startswith("the docs need furo (html_theme furo in docs/conf.py)"), problem
    assert "declare furo in docs/requirements.txt (pip install furo)" in problem
    assert "--skip-docs" in problem
    assert proj.state() == before


def _older_python() -> str | None:
    """An installed Python before 3.10 (whose ``entry_points()`` takes no ``group``)."""
    from release_tasks.docs import pythons

    for minor in ("3.9", "3.8"):
        if pythons.find(f"=={minor}.*") is not None:
            return minor
    return None


@pytest.mark.skipif(_older_python() is None, reason="no Python 3.8 or 3.9 installed")
def test_the_probe_runs_in_a_docs_environment_of_an_older_python(project, fab, docs_envs):
    """The Read the Docs config asks for Python 3.9 (or 3.8): the environment is made with
    it, and the probe still names the theme nothing provides (its entry point lookup
    works there too)."""
    minor = _older_python()
    proj = project("modern")
    proj.write("docs/requirements.txt", "sphinx\n")
    proj.write(".readthedocs.yaml", f'version: 2\nbuild:\n  os: ubuntu-22.04\n  tools:\n'
               f'    python: "{minor}"\nsphinx:\n  configuration: docs/conf.py\n'
               "python:\n  install:\n    - requirements: docs/requirements.txt\n")
    proj.write("docs/conf.py", proj.read("docs/conf.py").replace('"alabaster"', '"furo"'))
    proj.commit("Docs on an older Python, with furo")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--notes", "- Docs.", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 1, run.out
    (problem,) = problems(run.out)
    assert problem.startswith("the docs need furo (html_theme furo in docs/conf.py)"), problem
    assert proj.state() == before


def test_a_conf_py_that_raises_is_shown_with_its_message_and_line(project, fab, docs_envs):
    proj = project("modern")
    proj.write("docs/conf.py", "import os\n\nproject = 'x'\n"
               "raise RuntimeError('set GRAPHVIZ_DOT to build these docs')\n")
    proj.commit("A conf.py that needs the environment")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--notes", "- Docs.", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 1, run.out
    (problem,) = problems(run.out)
    assert problem.startswith("docs/conf.py fails: RuntimeError: set GRAPHVIZ_DOT to build "
                              "these docs (docs/conf.py, line 4)"), problem
    assert proj.state() == before


def test_a_failing_sphinx_build_shows_the_exception_and_its_place_not_sphinx_internals(
        project, fab):
    proj = project("modern")
    proj.write("docs/conf.py", proj.read("docs/conf.py") + "\n\ndef setup(app):\n"
               "    raise ValueError('the diagrams need graphviz')\n")
    proj.commit("A setup() that fails at build time")

    run = fab(proj, "build_docs")

    assert run.code == 1, run.out
    error = next(line for line in run.lines() if "sphinx-build failed" in line)
    assert "ValueError: the diagrams need graphviz (docs/conf.py, line 7)" in error, error
    assert "site-packages" not in error


def test_a_broken_requirements_file_is_shown_with_its_line(project, fab, docs_envs):
    proj = project("modern")
    proj.write("docs/requirements.txt", "sphinx\nfuro>=>2024\n")
    proj.commit("A typo in the docs requirements")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--notes", "- Docs.", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 1, run.out
    (problem,) = problems(run.out)
    assert "cannot make the docs environment" in problem
    assert "docs/requirements.txt, line 2" in problem and "furo>=>2024" in problem, problem
    assert proj.state() == before
    assert not list((Path(docs_envs) / "release_tasks" / "docs-envs").glob(".proj-*"))


# --- MkDocs ------------------------------------------------------------------------------------

def mkdocs_project(project, strict: bool = False):
    proj = project("modern")
    proj.git("rm", "-q", "-r", "docs")
    proj.write("mkdocs.yml", "site_name: modernpkg\n" + ("strict: true\n" if strict else ""))
    proj.write("docs/index.md", "# modernpkg\n\nSee [usage](usage.md).\n")
    proj.write("docs/usage.md", "# Usage\n\nImport it.\n")
    proj.write("docs/requirements.txt", MKDOCS_REQUIREMENTS)
    proj.commit("Docs with MkDocs")
    return proj


def test_a_mkdocs_project_releases_with_its_site_shipped_and_latest_switched(
        project, fab, docs_envs, tmp_path):
    proj = mkdocs_project(project)
    site = tmp_path / "site"
    proj.write("pyproject.toml", proj.read("pyproject.toml")
               + f'docs_target = "{site}/{{name}}/{{version}}"\n')
    proj.commit("Ship the docs to a folder")

    run = fab(proj, "release", "--yes", "--notes", "- Docs.", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 0, run.out
    assert (site / "modernpkg/latest").resolve() == (site / "modernpkg/1.4.3").resolve()
    page = (site / "modernpkg/1.4.3/index.html").read_text()
    assert '<meta name="version" content="1.4.3">' in page
    assert (site / "modernpkg/1.4.3/usage/index.html").is_file()
    assert f"docs      {site}/modernpkg/1.4.3" in run.out
    assert proj.git("status", "--porcelain") == ""


def test_mkdocs_strict_from_mkdocs_yml_turns_a_broken_link_into_the_error_shown(
        project, fab, docs_envs):
    proj = mkdocs_project(project, strict=True)
    proj.write("docs/usage.md", "# Usage\n\nSee [the API](api.md).\n")
    proj.commit("A link to a page that does not exist")

    run = fab(proj, "build_docs", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 1, run.out
    error = next(line for line in run.lines() if "mkdocs build failed" in line)
    assert "WARNING" in error and "api.md" in error and "strict" in error, error
