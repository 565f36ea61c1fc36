"""The docs builder started early (core.worker.WarmRunner) and its plain form
(PlainRunner): real Sphinx processes, real files, the same results from both."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest

from release_tasks.core.worker import PlainRunner, WarmRunner
from release_tasks.docs import sphinx

from .servers import ended

PYTHON = Path(sys.executable)
AUTODOC = ('import os, sys\nsys.path.insert(0, os.path.abspath(".."))\n'
           'project = "modernpkg"\nextensions = ["sphinx.ext.autodoc"]\n')


def make_runner(kind: str, docs: Path):
    """A runner of this test's Python: the plain one, or a docs builder started now."""
    if kind == "plain":
        return PlainRunner(PYTHON)
    return WarmRunner(PYTHON, sphinx.PRELOAD, docs, sphinx=True)


def autodoc_project(project):
    proj = project("modern")
    proj.write("docs/conf.py", AUTODOC)
    proj.write("docs/index.rst", "Modern\n======\n\n.. automodule:: modernpkg\n")
    proj.write("modernpkg/__init__.py", '"""Written before the builder started."""\n'
               '__version__ = "1.4.2"\n')
    proj.commit("Autodoc")
    return proj


@pytest.mark.parametrize("kind", ["plain", "warm"])
def test_the_builder_documents_the_code_as_it_is_at_the_build_not_at_its_start(
        project, tmp_path, kind):
    proj = autodoc_project(project)
    runner = make_runner(kind, proj.path / "docs")
    # What the tag changes after the builder started: the code it documents.
    proj.write("modernpkg/__init__.py", '"""Written after the builder started."""\n'
               '__version__ = "1.5.0"\n')
    pid = runner.proc.pid if kind == "warm" else None

    out = sphinx.build(proj.path / "docs", "1.5.0", tmp_path / "html", cwd=proj.path,
                       python=PYTHON, runner=runner)

    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Written after the builder started." in page
    assert "Written before" not in page
    assert "modernpkg 1.5.0 documentation" in page
    if kind == "warm":  # it ran in the builder (which has ended), not a process of its own
        assert runner.proc is None and ended(pid)


def test_both_runners_make_the_same_pages(project, tmp_path):
    proj = autodoc_project(project)
    out = {kind: sphinx.build(proj.path / "docs", "1.5.0", tmp_path / kind, cwd=proj.path,
                              python=PYTHON, runner=make_runner(kind, proj.path / "docs"))
           for kind in ("plain", "warm")}

    for name in ("index.html", "_static/basic.css", "_static/documentation_options.js"):
        assert (out["plain"] / name).read_bytes() == (out["warm"] / name).read_bytes(), name


def test_a_builder_that_died_is_replaced_by_a_process_of_its_own(project, tmp_path):
    proj = autodoc_project(project)
    warm = WarmRunner(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True)
    warm.proc.kill()
    warm.proc.wait()

    out = sphinx.build(proj.path / "docs", "1.5.0", tmp_path / "html", cwd=proj.path,
                       python=PYTHON, runner=warm)

    assert "Written before the builder started." in (out / "index.html").read_text()
    assert warm.proc is None


def test_a_builder_not_needed_ends_when_closed(project):
    proj = autodoc_project(project)
    warm = WarmRunner(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True)
    pid = warm.proc.pid

    warm.close()

    assert warm.proc is None and ended(pid)
    warm.close()  # twice is harmless


@pytest.mark.parametrize("kind", ["plain", "warm"])
def test_a_failing_build_is_the_same_one_line_error(project, tmp_path, kind):
    proj = autodoc_project(project)
    proj.write("docs/conf.py", AUTODOC + "raise RuntimeError('conf says no')\n")
    runner = make_runner(kind, proj.path / "docs")

    try:
        sphinx.build(proj.path / "docs", "1.5.0", tmp_path / "html", cwd=proj.path,
                     python=PYTHON, runner=runner)
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


@pytest.mark.parametrize("kind", ["plain", "warm"])
def test_a_check_leaves_the_runner_as_it_was(tmp_path, kind):
    """In the started builder a check runs in a fork of it; in the plain form, in a
    process of its own: the same answers, nothing left for the command that follows."""
    runner = PlainRunner(PYTHON) if kind == "plain" else WarmRunner(PYTHON, [], tmp_path)
    pid = runner.proc.pid if kind == "warm" else None

    answers = [runner.check(CHECK, ["a", "b"], tmp_path)() for _ in range(2)]
    after = runner.run([str(PYTHON), "-c", AFTER], tmp_path)

    for done in answers:
        assert done.returncode == 3
        assert done.stdout == f"checked ['a', 'b'] {tmp_path}\n"
        assert done.stderr == "to stderr\n"
    # Nothing the checks did is left in the process that then ran the command.
    assert after.returncode == 0 and after.stdout == "False None False\n", after
    if kind == "warm":
        assert ended(pid)


def probing(project, old: str, new: str):
    """A project whose conf.py names something missing, its docs source and environment,
    and its docs builder started."""
    from release_tasks.docs import environment, find

    proj = project("modern")
    proj.write("docs/conf.py", proj.read("docs/conf.py").replace(old, new))
    source = find.find(proj.path, None, None)
    warm = WarmRunner(PYTHON, sphinx.PRELOAD, proj.path / "docs", sphinx=True)
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


# Put first on fab's sys.path: records, inside fab, each Python it starts early (the spec
# argument of core/warm.py), before the start returns.
RECORD_STARTS = """\
import os, sys

def _record(event, args):
    if event == "subprocess.Popen":
        argv = [str(a) for a in args[1] or []]
        if len(argv) > 3 and argv[1] == "-c" and argv[-1].startswith('{"preload"'):
            with open(os.environ["RT_STARTED"], "a") as f:
                f.write(argv[-1] + "\\n")

sys.addaudithook(_record)
"""


def test_only_a_run_that_builds_starts_the_docs_builder(project, fab, home, pypi, tmp_path):
    """`fab check` and a dry run build nothing: no builder; a release does."""
    import json

    proj = project("modern", tool_cfg=f'repository = "{pypi.url}"\n'
                   f'docs_target = "{tmp_path}/site/{{version}}"\n')
    site = tmp_path / "recording"
    site.mkdir()
    (site / "sitecustomize.py").write_text(RECORD_STARTS)
    started = tmp_path / "started.txt"
    env = {"PYTHONPATH": str(site), "RT_STARTED": str(started)}

    for args in (["check"], ["release", "--dry-run", "--notes", "x"]):
        assert fab(proj, *args, env=env).code == 0
    # Recorded by fab itself as it starts one: after it has ended, none was.
    assert not started.exists()

    run = fab(proj, "release", "--yes", "--notes", "Faster.", "--skip-notify", env=env)
    assert run.code == 0, run.out
    specs = [json.loads(line) for line in started.read_text().splitlines()]
    assert [spec["preload"] for spec in specs if spec["sphinx"]] == [sphinx.PRELOAD]
