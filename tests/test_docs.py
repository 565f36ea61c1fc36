"""Scenarios: `fab build_docs` with a real sphinx-build on the sample projects."""

from __future__ import annotations

import re


def built_index(proj) -> str:
    return (proj.path / "build" / "docs-html" / "index.html").read_text(encoding="utf-8")


def test_build_docs_alone_builds_html_outside_the_source_tree(project, fab):
    proj = project("modern")

    run = fab(proj, "build_docs")

    assert run.code == 0, run.out
    html = proj.path / "build" / "docs-html"
    assert (html / "index.html").is_file() and (html / "usage.html").is_file()
    assert "modernpkg 1.4.2 documentation" in built_index(proj)
    # Nothing was written into the docs sources, and the work tree is still clean.
    assert sorted(p.name for p in (proj.path / "docs").iterdir()) == [
        "conf.py", "index.rst", "usage.rst"]
    assert proj.git("status", "--porcelain") == ""
    assert re.search(r"^✓ build_docs\s+\d+ pages", run.out, re.M), run.out


def test_the_release_version_wins_over_the_one_conf_py_computes(project, fab):
    proj = project("modern")
    # What conf.py files often do: read the version of whatever package is installed.
    proj.write("docs/conf.py", proj.read("docs/conf.py")
               + 'import importlib.metadata\nrelease = version = importlib.metadata.version('
                 '"sphinx")\n')
    proj.commit("Docs read the installed version")

    run = fab(proj, "build_docs")

    assert run.code == 0, run.out
    page = built_index(proj)
    assert "modernpkg 1.4.2 documentation" in page
    import sphinx

    assert f"modernpkg {sphinx.__version__} documentation" not in page


def test_docs_in_doc_source_are_found(project, fab):
    proj = project("modern")
    (proj.path / "doc").mkdir()
    (proj.path / "docs").rename(proj.path / "doc" / "source")
    proj.commit("Move the docs to doc/source")

    run = fab(proj, "build_docs")

    assert run.code == 0, run.out
    assert "The docs of modernpkg." in built_index(proj)
    assert sorted(p.name for p in (proj.path / "doc" / "source").iterdir()) == [
        "conf.py", "index.rst", "usage.rst"]


def test_docs_strict_turns_a_warning_into_a_one_line_error_every_time(project, fab):
    proj = project("modern")
    proj.write("docs/usage.rst", proj.read("docs/usage.rst") + "\nSee :ref:`nowhere`.\n")
    proj.commit("A broken reference")

    # Without docs_strict the warning does not stop the build.
    assert fab(proj, "build_docs").code == 0
    proj.write("pyproject.toml", proj.read("pyproject.toml") + "docs_strict = true\n")
    proj.commit("Strict docs")

    for _ in range(2):  # the second build must not hide the warning behind a cache
        run = fab(proj, "build_docs")
        assert run.code != 0, run.out
        errors = [line for line in run.lines() if "sphinx-build failed:" in line]
        assert len(errors) == 1, run.out
        assert "docs/usage.rst" in errors[0] and "undefined label" in errors[0], errors[0]
        assert "docs_strict" in errors[0]
        assert "Traceback" not in run.out


def test_strict_docs_build_with_an_extension_that_does_not_declare_parallel_safety(
        project, fab):
    proj = project("modern", tool_cfg="docs_strict = true\n")
    proj.write("docs/_ext/oldext.py", "def setup(app):\n    pass  # declares nothing\n")
    proj.write("docs/conf.py", "import os, sys\nsys.path.insert(0, os.path.abspath('_ext'))\n"
               + proj.read("docs/conf.py").replace("extensions = []",
                                                   'extensions = ["oldext"]'))
    # Enough pages for -j (a handful builds serially: nothing to warn about).
    from release_tasks.docs.sphinx import PARALLEL_FROM

    for n in range(PARALLEL_FROM):
        proj.write(f"docs/page{n}.rst", f"Page {n}\n=======\n")
    proj.write("docs/index.rst", proj.read("docs/index.rst") + "\n.. toctree::\n   :glob:\n\n"
               "   page*\n")
    proj.commit("An old-style extension")

    run = fab(proj, "build_docs")

    # The parallel-safety warning comes from our -j, not the project: it must not fail.
    assert run.code == 0, run.out
    assert "modernpkg 1.4.2 documentation" in built_index(proj)


def test_a_project_without_docs_is_skipped_with_one_line(project, fab):
    proj = project("plain")

    run = fab(proj, "build_docs")

    assert run.code == 0, run.out
    assert len(run.lines()) == 1, run.out
    assert re.match(r"^– build_docs\s+skipped: no Sphinx docs", run.lines()[0]), run.out
    assert not (proj.path / "build").exists()


def test_a_configured_docs_dir_without_conf_py_is_an_error(project, fab):
    proj = project("modern", tool_cfg='docs_dir = "manual"\n')

    run = fab(proj, "build_docs")

    assert run.code != 0
    assert "docs_dir manual has no conf.py" in run.out, run.out
    assert "Traceback" not in run.out
