"""The docs builder started early (core.worker.Warm): real Sphinx processes, real files."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest

from release_tasks.core.worker import Warm
from release_tasks.docs import sphinx

PYTHON = Path(sys.executable)
AUTODOC = ('import os, sys\nsys.path.insert(0, os.path.abspath(".."))\n'
           'project = "modernpkg"\nextensions = ["sphinx.ext.autodoc"]\n')


def autodoc_project(project):
    proj = project("modern")
    proj.write("docs/conf.py", AUTODOC)
    proj.write("docs/index.rst", "Modern\n======\n\n.. automodule:: modernpkg\n")
    proj.write("modernpkg/__init__.py", '"""Written before the builder started."""\n'
               '__version__ = "1.4.2"\n')
    proj.commit("Autodoc")
    return proj


def test_the_builder_documents_the_code_as_it_is_at_the_build_not_at_its_start(
        project, tmp_path):
    proj = autodoc_project(project)
    warm = Warm(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True,
                templates=tmp_path / "templates")
    # What the tag changes after the builder started: the code it documents.
    proj.write("modernpkg/__init__.py", '"""Written after the builder started."""\n'
               '__version__ = "1.5.0"\n')
    pid = warm.proc.pid

    out = sphinx.build(proj.path / "docs", "1.5.0", tmp_path / "html", cwd=proj.path,
                       python=PYTHON, warm=warm)

    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Written after the builder started." in page
    assert "Written before" not in page
    assert "modernpkg 1.5.0 documentation" in page
    # It ran in the builder (which has ended), not in a process of its own.
    assert warm.proc is None and not psutil.pid_exists(pid)
    assert list((tmp_path / "templates").glob("__jinja2_*.cache"))


def test_compiled_templates_are_reused_and_the_pages_are_the_same(project, tmp_path):
    proj = autodoc_project(project)
    pages = []
    for n in range(2):
        warm = Warm(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True,
                templates=tmp_path / "templates")
        out = sphinx.build(proj.path / "docs", "1.5.0", tmp_path / f"html{n}", cwd=proj.path,
                           python=PYTHON, warm=warm)
        pages.append((out / "index.html").read_text(encoding="utf-8"))
        if n == 0:
            cached = sorted((tmp_path / "templates").iterdir())
            stamps = [p.stat().st_mtime_ns for p in cached]
    assert pages[0] == pages[1]
    # So are the static files rendered from templates (basic.css_t, through from_string).
    for name in ("basic.css", "documentation_options.js"):
        assert (tmp_path / "html0" / "_static" / name).read_bytes() == \
            (tmp_path / "html1" / "_static" / name).read_bytes()
    # The second build read the compiled templates and wrote none anew.
    assert sorted((tmp_path / "templates").iterdir()) == cached
    assert [p.stat().st_mtime_ns for p in cached] == stamps
    # Without the builder the same pages come out.
    cold = sphinx.build(proj.path / "docs", "1.5.0", tmp_path / "cold", cwd=proj.path,
                        python=PYTHON)
    assert (cold / "index.html").read_text(encoding="utf-8") == pages[0]
    for name in ("basic.css", "documentation_options.js"):
        assert (cold / "_static" / name).read_bytes() == \
            (tmp_path / "html1" / "_static" / name).read_bytes()


def test_a_builder_that_died_is_replaced_by_a_process_of_its_own(project, tmp_path):
    proj = autodoc_project(project)
    warm = Warm(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True)
    warm.proc.kill()
    warm.proc.wait()

    out = sphinx.build(proj.path / "docs", "1.5.0", tmp_path / "html", cwd=proj.path,
                       python=PYTHON, warm=warm)

    assert "Written before the builder started." in (out / "index.html").read_text()
    assert warm.proc is None


def test_a_builder_not_needed_ends_when_closed(project):
    proj = autodoc_project(project)
    warm = Warm(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True)
    pid = warm.proc.pid

    warm.close()

    assert warm.proc is None and not psutil.pid_exists(pid)
    warm.close()  # twice is harmless


def test_a_failing_build_in_the_builder_is_the_same_one_line_error(project, tmp_path):
    proj = autodoc_project(project)
    proj.write("docs/conf.py", AUTODOC + "raise RuntimeError('conf says no')\n")
    warm = Warm(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True)

    try:
        sphinx.build(proj.path / "docs", "1.5.0", tmp_path / "html", cwd=proj.path,
                     python=PYTHON, warm=warm)
    except Exception as e:  # DocsError
        message = str(e)
    else:
        raise AssertionError("the build did not fail")

    assert message.startswith("sphinx-build failed:")
    assert "conf says no" in message and "docs/conf.py" in message


def test_a_release_starts_the_builder_during_the_checks_and_leaves_none(project, fab,
                                                                        pypi, tmp_path):
    proj = project("modern", tool_cfg=f'repository = "{pypi.url}"\n'
                   f'docs_target = "{tmp_path}/site/{{version}}"\n')
    before = {p.pid for p in psutil.Process().children(recursive=True)}

    run = fab(proj, "release", "--yes", "--notes", "Faster.", "--skip-notify", "--verbose")

    assert run.code == 0, run.out
    assert (tmp_path / "site" / "1.4.3" / "index.html").is_file()
    # Verbose shows the command the builder ran: serial for a handful of pages.
    line = next(x for x in run.lines() if "-m sphinx" in x)
    assert "-j" not in line.split()
    after = {p.pid for p in psutil.Process().children(recursive=True)}
    assert after <= before


def test_sphinx_reads_in_parallel_only_when_there_are_many_pages(project, tmp_path):
    proj = project("modern")
    commands: list[str] = []
    sphinx.build(proj.path / "docs", "1.4.2", tmp_path / "few", cwd=proj.path, python=PYTHON,
                 echo=commands.append)
    for n in range(sphinx.PARALLEL_FROM):
        proj.write(f"docs/page{n}.rst", f"Page {n}\n=======\n\nText.\n")
    proj.write("docs/index.rst", proj.read("docs/index.rst") + "\n.. toctree::\n   :glob:\n\n"
               "   page*\n")

    out = sphinx.build(proj.path / "docs", "1.4.2", tmp_path / "many", cwd=proj.path,
                       python=PYTHON, echo=commands.append)

    assert (out / f"page{sphinx.PARALLEL_FROM - 1}.html").is_file()
    assert "-j" not in commands[0].split()
    assert "-j auto" in commands[1]


CHECK = """\
import os, sys
sys.path.insert(0, "/nowhere")
os.environ["RT_LEAK"] = "1"
import colorsys
print("checked", sys.argv[1:], os.getcwd())
print("to stderr", file=sys.stderr)
sys.exit(3)
"""
AFTER = """\
import os, sys
print("/nowhere" in sys.path, os.environ.get("RT_LEAK"), "colorsys" in sys.modules)
"""


def test_a_check_runs_in_a_fork_and_leaves_the_builder_as_it_was(tmp_path):
    warm = Warm(PYTHON, [], tmp_path)
    pid = warm.proc.pid

    answers = [warm.check(CHECK, ["a", "b"], tmp_path)() for _ in range(2)]
    after = warm.run([str(PYTHON), "-c", AFTER], tmp_path)

    for done in answers:
        assert done.returncode == 3
        assert done.stdout == f"checked ['a', 'b'] {tmp_path}\n"
        assert done.stderr == "to stderr\n"
    # Nothing the checks did is left in the process that then ran the command.
    assert after.returncode == 0 and after.stdout == "False None False\n", after
    assert not psutil.pid_exists(pid)


def probing(project, old: str, new: str):
    """A project whose conf.py names something missing, its docs source and environment,
    and its docs builder started."""
    from release_tasks.docs import environment, find

    proj = project("modern")
    proj.write("docs/conf.py", proj.read("docs/conf.py").replace(old, new))
    source = find.find(proj.path, None, None)
    warm = Warm(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True)
    return environment.choose(source, None), source, warm


def found(missing) -> list[tuple[str, str]]:
    return [(m.module, m.by) for m in missing]


def test_the_docs_probe_without_its_builder_runs_as_a_process_of_its_own(project):
    from release_tasks.docs import environment

    env, source, warm = probing(project, "alabaster", "no_such_theme")
    warm.proc.kill()
    warm.proc.wait()

    missing = environment.start_probe(env, source, warm)()

    assert found(missing) == [("no_such_theme", "html_theme no_such_theme")]
    warm.close()


def test_the_docs_probe_in_the_builder_finds_what_a_process_of_its_own_finds(project):
    from release_tasks.docs import environment

    env, source, warm = probing(project, "extensions = []",
                                'extensions = ["sphinx.ext.autodoc", "sphinxcontrib.nope"]')
    pid = warm.proc.pid

    forked = environment.start_probe(env, source, warm)()
    alone = environment.probe(env, source)

    assert found(forked) == found(alone) == [("sphinxcontrib.nope",
                                              "extension sphinxcontrib.nope")]
    assert psutil.pid_exists(pid)  # still waiting for its build
    warm.close()


@pytest.mark.parametrize("where", ["file", "/proc/self"])
def test_a_template_cache_that_cannot_be_written_is_no_failure(project, tmp_path, where):
    """A file where the folder should be; a folder no one can write in, even root."""
    proj = autodoc_project(project)
    cache = Path(where) if where.startswith("/") else tmp_path / where
    if not where.startswith("/"):
        cache.write_text("not a folder")
    warm = Warm(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True, templates=cache)

    out = sphinx.build(proj.path / "docs", "1.5.0", tmp_path / "html", cwd=proj.path,
                       python=PYTHON, warm=warm)

    assert "Written before the builder started." in (out / "index.html").read_text()
    assert warm.proc is None


def test_only_a_run_that_builds_starts_the_docs_builder(project, fab, home, pypi, tmp_path):
    """`fab check` and a dry run build nothing: no builder (it would make its template
    cache once started); a release does."""
    import time

    proj = project("modern", tool_cfg=f'repository = "{pypi.url}"\n'
                   f'docs_target = "{tmp_path}/site/{{version}}"\n')
    templates = home / ".cache" / "release_tasks" / "templates"

    for args in (["check"], ["release", "--dry-run", "--notes", "x"]):
        assert fab(proj, *args).code == 0
    time.sleep(1.5)  # what a builder started by them would have had to make the folder
    assert not templates.exists()

    run = fab(proj, "release", "--yes", "--notes", "Faster.", "--skip-notify")
    assert run.code == 0, run.out
    assert list(templates.glob("__jinja2_*.cache"))
