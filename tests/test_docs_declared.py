"""Scenarios: the docs environment found where the project declares it (dependency groups,
Poetry, Hatch, tox, nox, requirement folders, a root requirements file), inferred from
conf.py when nothing declares it, and the docs built the way the project builds them: from
conf.py's folder, with the environment's scripts on the PATH, and a strict build that an
unreachable intersphinx inventory alone does not fail.

The docs environments are made once per test session (``XDG_CACHE_HOME`` is shared).
"""

from __future__ import annotations

import functools
import http.server
import textwrap
import threading
import zipfile
import zlib
from pathlib import Path

import pytest

from release_tasks.docs import environment, find

SPHINX = "sphinx>=7"


@pytest.fixture(scope="session")
def docs_envs(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("xdg-cache"))


def docs_project(root: Path, files: dict[str, str]) -> Path:
    """A small project with Sphinx docs and nothing else that declares docs requirements."""
    base = {
        "pyproject.toml": '[project]\nname = "proj"\nversion = "1.0"\n',
        "docs/conf.py": 'project = "proj"\nextensions = ["sphinx_copybutton"]\n',
        "docs/index.rst": "proj\n====\n\nThe docs.\n",
    }
    for name, text in {**base, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == "pyproject.toml" and name in files:
            text = base[name] + textwrap.dedent(text)
        path.write_text(textwrap.dedent(text))
    return root


def chosen(root: Path) -> str:
    """The environment the plan names, as `fab release --dry-run` and `fab check` say."""
    return environment.choose(find.find(root)).describe()


# --- each way of declaring it ------------------------------------------------------------------

@pytest.mark.parametrize(("files", "where", "wanted"), [
    ({"pyproject.toml": """
        [dependency-groups]
        test = ["pytest"]
        docs = ["sphinx-copybutton", {include-group = "theme"}]
        theme = ["furo"]
        """}, "[dependency-groups] docs in pyproject.toml", ("sphinx-copybutton", "furo")),
    ({"pyproject.toml": """
        [tool.poetry.group.docs.dependencies]
        sphinx = "^7.2"
        sphinx-copybutton = {version = "~0.5", extras = []}
        """}, "[tool.poetry.group.docs] in pyproject.toml",
     ("sphinx>=7.2,<8", "sphinx-copybutton>=0.5,<0.6")),
    ({"pyproject.toml": """
        [tool.hatch.envs.docs]
        dependencies = ["sphinx-copybutton"]
        features = ["cli"]
        """}, "[tool.hatch.envs.docs] in pyproject.toml", ("sphinx-copybutton",)),
    ({"pyproject.toml": """
        [tool.pdm.dev-dependencies]
        docs = ["sphinx-copybutton", "-e file:///${PROJECT_ROOT}/plugin"]
        """}, "[tool.pdm.dev-dependencies] docs in pyproject.toml", ("sphinx-copybutton",)),
    ({"noxfile.py": """
        import nox

        @nox.session(python="3.12")
        def tests(session):
            session.install("pytest")

        @nox.session(name="docs")
        def build_the_docs(session):
            session.install("-r", "ci/docs.txt")
            session.install("sphinx-copybutton", ".[cli]")
            session.run("sphinx-build", "docs", "build")
        """, "ci/docs.txt": "sphinx\n"},
     "nox session docs in noxfile.py", ("sphinx-copybutton",)),
])
def test_each_declaration_form_names_where_the_docs_requirements_are(
        tmp_path, files, where, wanted):
    root = docs_project(tmp_path, files)

    env = environment.choose(find.find(root))

    assert env.isolated and not env.inferred
    assert env.describe() == f"the project's docs environment from {where} (to be made)"
    assert env.wants.requirements == wanted
    if "features" in files.get("pyproject.toml", "") or "cli" in files.get("noxfile.py", ""):
        assert env.wants.extras == ("cli",)
    if "ci/docs.txt" in files:
        assert env.wants.files == (root / "ci/docs.txt",)


def test_tox_docs_env_folder_requirements_and_a_root_file_naming_sphinx(tmp_path):
    root = docs_project(tmp_path, {
        "tox.ini": """
            [tox]
            envlist = py312

            [testenv]
            deps = pytest

            [testenv:docs]
            deps =
                -r{toxinidir}/requirements/docs.in
                sphinx-copybutton
            extras = cli
            commands = sphinx-build -W docs build
            """,
        "requirements/docs.in": "sphinx\n",
        "requirements/test.txt": "pytest\n",
        "requirements-dev.txt": "sphinx>=7\nruff\n"})

    assert chosen(root) == "the project's docs environment from [testenv:docs] in tox.ini " \
        "(to be made)"
    wants = environment.choose(find.find(root)).wants
    assert (wants.files, wants.extras, wants.requirements) == (
        (root / "requirements/docs.in",), ("cli",), ("sphinx-copybutton",))

    (root / "tox.ini").unlink()
    assert chosen(root) == "the project's docs environment from requirements/docs.in " \
        "(to be made)"

    (root / "requirements/docs.in").unlink()
    assert chosen(root) == "the project's docs environment from requirements-dev.txt " \
        "(it names sphinx) (to be made)"


def test_nothing_declared_infers_the_distributions_conf_py_names(tmp_path):
    root = docs_project(tmp_path, {
        "docs/conf.py": """
            import sys, os
            import sphinx_rtd_theme
            sys.path.insert(0, os.path.abspath("_ext"))
            project = "proj"
            extensions = ["sphinx.ext.autodoc", "sphinxext.opengraph", "notfound.extension",
                          "sphinx_tabs.tabs", "sphinxcontrib.mermaid", "local_ext"]
            extensions.append("autoapi.extension")
            html_theme = "sphinx_book_theme"
            """,
        "docs/_ext/local_ext.py": "def setup(app):\n    return {}\n"})

    env = environment.choose(find.find(root))

    assert env.inferred and env.isolated
    assert env.wants.requirements == ("sphinx-rtd-theme", "sphinxext-opengraph",
                                      "sphinx-notfound-page",
                                      "sphinx-tabs", "sphinxcontrib-mermaid",
                                      "sphinx-autoapi", "sphinx-book-theme")
    assert env.describe().startswith("a docs environment inferred from docs/conf.py: sphinx, "
                                     "sphinx-rtd-theme, sphinxext-opengraph, ")


# --- real builds -------------------------------------------------------------------------------

def test_a_dependency_group_environment_builds_the_docs(project, fab, docs_envs):
    proj = project("modern")
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        "[tool.setuptools]", f'[dependency-groups]\ndocs = ["{SPHINX}"]\n\n[tool.setuptools]'))
    proj.commit("Docs requirements in a dependency group")

    run = fab(proj, "build_docs", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 0, run.out
    assert "making the docs environment from [dependency-groups] docs in pyproject.toml" \
        in run.out
    page = (proj.path / "build/docs-html/index.html").read_text()
    assert "modernpkg" in page


def test_a_tox_docs_env_builds_with_its_scripts_on_the_path(project, fab, docs_envs):
    proj = project("modern")
    proj.write("tox.ini", f"[testenv:docs]\ndeps =\n    {SPHINX}\n")
    # An extension that runs a command of the docs environment, as a plugin would.
    proj.write("docs/conf.py", proj.read("docs/conf.py") + textwrap.dedent("""
        import shutil, subprocess

        def setup(app):
            tool = shutil.which("sphinx-build")
            out = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
            with open("which.txt", "w") as f:
                f.write(tool + "\\n" + out)
        """))
    proj.commit("Docs requirements in tox")

    run = fab(proj, "build_docs", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 0, run.out
    # Made by the test before (same requirements) or now: either way the line says whence.
    assert "docs environment from [testenv:docs] in tox.ini" in run.out, run.out
    tool = (proj.path / "docs/which.txt").read_text().splitlines()[0]
    assert Path(tool).parent.parent.parent == Path(docs_envs) / "release_tasks" / "docs-envs"


def test_an_inferred_environment_builds_with_the_theme_and_extension_conf_py_names(
        project, fab, docs_envs):
    proj = project("modern")
    proj.write("docs/conf.py", 'project = "modernpkg"\nextensions = ["sphinx_copybutton"]\n'
               'html_theme = "furo"\n')
    proj.commit("A theme and an extension, declared nowhere")

    run = fab(proj, "build_docs", env={"XDG_CACHE_HOME": docs_envs})

    assert run.code == 0, run.out
    assert "making the docs environment from docs/conf.py: sphinx, sphinx-copybutton, furo" \
        in run.out
    assert "inferred" in run.out
    page = (proj.path / "build/docs-html/index.html").read_text()
    assert "copybutton" in page and "furo" in page


def test_a_conf_py_that_reads_files_beside_it_builds_from_its_own_folder(project, fab):
    proj = project("modern")
    proj.write("README.rst", "The readme, included.\n")
    proj.write("docs/conf.py", proj.read("docs/conf.py") + textwrap.dedent("""
        def setup(app):
            with open("../README.rst") as f:
                app.add_config_value("readme", f.read(), "env")
        """))
    proj.commit("conf.py reads the README beside the docs")

    run = fab(proj, "build_docs")

    assert run.code == 0, run.out
    assert (proj.path / "build/docs-html/index.html").is_file()


def intersphinx_project(project, extra: str = ""):
    proj = project("modern")
    proj.write("docs/conf.py", proj.read("docs/conf.py").replace(
        "extensions = []", 'extensions = ["sphinx.ext.intersphinx"]') +
        'intersphinx_mapping = {"other": ("http://127.0.0.1:9/", None)}\n'
        "intersphinx_timeout = 5\n")
    proj.write("docs/usage.rst", proj.read("docs/usage.rst") + extra)
    proj.write("pyproject.toml", proj.read("pyproject.toml") + "docs_strict = true\n")
    proj.commit("A strict build that links to another project")
    return proj


def test_a_strict_build_goes_on_when_an_intersphinx_inventory_is_unreachable(project, fab):
    proj = intersphinx_project(project)

    run = fab(proj, "build_docs")

    assert run.code == 0, run.out
    said = [line for line in run.lines() if "intersphinx" in line]
    assert len(said) == 1, run.out
    assert "http://127.0.0.1:9/objects.inv unreachable and never cached; built without it" \
        in said[0]
    assert (proj.path / "build/docs-html/usage.html").is_file()


def test_a_strict_build_with_another_warning_still_fails(project, fab):
    proj = intersphinx_project(project, "\nSee :doc:`nowhere`.\n")

    run = fab(proj, "build_docs")

    assert run.code == 1, run.out
    error = next(line for line in run.lines() if "sphinx-build failed" in line)
    assert "nowhere" in error and "WARNING" in error, error


def test_a_makefile_with_w_makes_the_build_strict(project, fab):
    proj = project("modern")
    proj.write("docs/Makefile", "SPHINXOPTS    ?= -W --keep-going\nSPHINXBUILD   ?= "
               "sphinx-build\n")
    proj.write("docs/usage.rst", proj.read("docs/usage.rst") + "\nSee :doc:`nowhere`.\n")
    proj.commit("Warnings are errors, as the Makefile says")

    run = fab(proj, "build_docs")

    assert run.code == 1, run.out
    assert any("sphinx-build failed" in line and "nowhere" in line for line in run.lines())


def test_nothing_declared_infers_mkdocs_theme_plugins_and_extensions(tmp_path):
    root = docs_project(tmp_path, {"mkdocs.yml": """
        site_name: proj
        theme:
          name: material
        plugins:
          - search
          - mkdocstrings:
              handlers: {python: {}}
          - git-revision-date-localized
        markdown_extensions:
          - admonition
          - toc:
              permalink: true
          - pymdownx.emoji:
              emoji_index: !!python/name:material.extensions.emoji.twemoji
          - pymdownx.superfences
        """})
    (root / "docs/conf.py").unlink()

    env = environment.choose(find.find(root))

    assert env.inferred and env.describe() == (
        "a docs environment inferred from mkdocs.yml: mkdocs, mkdocs-material, "
        "mkdocstrings[python], mkdocs-git-revision-date-localized-plugin, pymdown-extensions "
        "(to be made)")


def test_a_strict_build_reuses_the_inventory_cached_when_its_site_was_up(project, fab,
                                                                          tmp_path):
    site = tmp_path / "other-site"
    site.mkdir()
    (site / "objects.inv").write_bytes(
        b"# Sphinx inventory version 2\n# Project: other\n# Version: 1.0\n"
        b"# The remainder of this file is compressed using zlib.\n"
        + zlib.compress(b"index std:doc -1 index.html Other docs\n"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    proj = project("modern")
    proj.write("docs/conf.py", proj.read("docs/conf.py").replace(
        "extensions = []", 'extensions = ["sphinx.ext.intersphinx"]') +
        f'intersphinx_mapping = {{"other": ("{url}", None)}}\n'
        "intersphinx_cache_limit = 0  # fetched again at every build\n")
    proj.write("docs/usage.rst", proj.read("docs/usage.rst") +
               "\nSee :external+other:doc:`index`.\n")
    proj.write("pyproject.toml", proj.read("pyproject.toml") + "docs_strict = true\n")
    proj.commit("A strict build that links to another project")
    try:
        first = fab(proj, "build_docs")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert first.code == 0 and "intersphinx" not in first.out, first.out

    run = fab(proj, "build_docs")

    assert run.code == 0, run.out
    said = [line for line in run.lines() if "intersphinx" in line]
    assert len(said) == 1 and f"{url}objects.inv unreachable; used the inventories cached " \
        "by the last successful build" in said[0], run.out
    assert f'href="{url}index.html' in (proj.path / "build/docs-html/usage.html").read_text()


def test_a_missing_extension_is_named_with_the_distribution_to_install(project, fab):
    proj = project("modern")
    proj.write("docs/conf.py", proj.read("docs/conf.py").replace(
        "extensions = []", 'extensions = ["notfound.extension"]'))
    proj.write("pyproject.toml", proj.read("pyproject.toml") + "docs_isolation = false\n")
    proj.commit("An extension this environment lacks")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--notes", "- Docs.")

    assert run.code == 1, run.out
    problem = next(line for line in run.lines() if "the docs need notfound" in line)
    assert "pip install sphinx-notfound-page" in problem, problem
    assert proj.state() == before


def test_requirements_that_need_a_python_nobody_has_say_so_in_one_line(project, fab, tmp_path,
                                                                       docs_envs):
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    with zipfile.ZipFile(wheelhouse / "future_docs_tool-1.0-py3-none-any.whl", "w") as whl:
        whl.writestr("future_docs_tool/__init__.py", "")
        whl.writestr("future_docs_tool-1.0.dist-info/METADATA",
                     "Metadata-Version: 2.1\nName: future-docs-tool\nVersion: 1.0\n"
                     "Requires-Python: >=3.99\n")
        whl.writestr("future_docs_tool-1.0.dist-info/WHEEL",
                     "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                     "Tag: py3-none-any\n")
        whl.writestr("future_docs_tool-1.0.dist-info/RECORD", "")
    proj = project("modern")
    proj.write("docs/requirements.txt", f"--find-links {wheelhouse}\nsphinx\nfuture-docs-tool\n")
    proj.commit("A docs tool for a Python of the future")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--notes", "- Docs.",
              env={"XDG_CACHE_HOME": docs_envs, "UV_PYTHON_DOWNLOADS": "never"})

    assert run.code == 1, run.out
    (problem,) = problems(run.out)
    assert problem.startswith("the docs requirements need Python >=3.99 (this is "), problem
    assert "uv python install '>=3.99'" in problem
    assert proj.state() == before


def problems(out: str) -> list[str]:
    return [line.strip()[2:] for line in out.splitlines() if line.strip().startswith("- ")]
