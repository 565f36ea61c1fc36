"""The version scheme worked out by the versioning server (versioning/remote.py, serve.py):
a real server process, real projects; its answers are those of the scheme worked out here,
and without it (never started, or gone) the release still gets them."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest

from release_tasks import versioning
from release_tasks.core.errors import VersionError
from release_tasks.versioning import remote

from .projects import make_project

OWN_PARSE = r'''
[tool.bumpversion]
current_version = "2.3.1-rc1"
parse = '(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(-(?P<rel>[a-z]+)(?P<n>\d+))?'
serialize = ["{major}.{minor}.{patch}-{rel}{n}", "{major}.{minor}.{patch}"]
tag_name = "release-{new_version}"
message = "Version {new_version}, was {current_version}"

[tool.bumpversion.parts.rel]
values = ["rc", "final"]
optional_value = "final"

[[tool.bumpversion.files]]
filename = "ownpkg/__init__.py"
'''


def shapes(tmp_path: Path) -> dict[str, Path]:
    """A bumpversion config (the sample's), one with its own parse, files alone."""
    out = {}
    out["bumpversion"] = make_project(tmp_path / "bv", "modern").path
    own = make_project(tmp_path / "own", "modern", name="ownpkg")
    text = own.read("pyproject.toml")
    own.write("pyproject.toml", text[:text.index("[tool.bumpversion]")] + OWN_PARSE)
    own.write("ownpkg/__init__.py", '__version__ = "2.3.1-rc1"\n')
    own.commit("Own parse")
    out["own parse"] = own.path
    out["files"] = make_project(tmp_path / "plain", "cookiecutter").path
    return out


def answers(scheme, new: str) -> dict:
    """What a release asks of a scheme, before anything is written."""
    return {"current": scheme.current, "description": scheme.description,
            "files": scheme.files, "sign_tags": scheme.sign_tags,
            "writes_files": scheme.writes_files, "parts": scheme.parts,
            "message_template": scheme.message_template,
            "tag": scheme.tag_name(new), "tag message": scheme.tag_message(new),
            "commit message": scheme.commit_message(new), "fits": scheme.fits(new),
            "default part": scheme.default_part(),
            "next": [scheme.next_version(p) for p in ("patch", "minor", "major")],
            "given": scheme.next_version(None, new), "check": scheme.check_files(new),
            "build env": scheme.build_env("pkg", new)}


@pytest.fixture
def server():
    made = remote.Server()
    yield made
    made.close()


def test_the_servers_scheme_answers_as_the_scheme_worked_out_here(tmp_path, server):
    for shape, root in shapes(tmp_path).items():
        here = versioning.detect(root)
        there = remote.detect(root, server)
        new = here.next_version("patch")

        assert isinstance(there, remote.RemoteScheme), shape
        assert answers(there, new) == answers(here, new), shape


def test_the_server_writes_the_version_and_says_which_files_changed(tmp_path, server):
    root = make_project(tmp_path, "modern").path
    scheme = remote.detect(root, server)

    changed = scheme.apply("1.5.0")

    assert changed == ["modernpkg/__init__.py", "pyproject.toml"]
    assert '__version__ = "1.5.0"' in (root / "modernpkg/__init__.py").read_text()
    assert versioning.detect(root).current == "1.5.0"


def test_a_release_error_of_the_server_is_raised_here_as_it_is(tmp_path, server):
    root = make_project(tmp_path, "modern").path
    scheme = remote.detect(root, server)

    with pytest.raises(VersionError) as there:
        scheme.next_version("build")
    with pytest.raises(VersionError) as here:
        versioning.detect(root).next_version("build")

    assert (there.value.message, there.value.hint) == (here.value.message, here.value.hint)
    assert server.proc is not None  # it goes on serving


def test_a_tag_template_set_on_the_scheme_names_the_tag(tmp_path, server):
    root = make_project(tmp_path, "modern").path
    scheme = remote.detect(root, server)

    scheme.tag_template = "core-v{new_version}"

    assert scheme.tag_name("1.5.0") == "core-v1.5.0"


def test_without_a_server_the_scheme_is_worked_out_here(tmp_path):
    root = make_project(tmp_path, "modern").path

    scheme = remote.detect(root, None)

    assert not isinstance(scheme, remote.RemoteScheme)
    assert scheme.current == "1.4.2"


def test_a_server_gone_before_a_request_leaves_the_work_to_this_interpreter(tmp_path, server):
    root = make_project(tmp_path, "modern").path
    scheme = remote.detect(root, server)
    scheme.tag_template = "v{new_version}"
    server.proc.kill()
    server.proc.wait()

    assert scheme.tag_name("1.5.0") == "v1.5.0"  # the template set before is kept
    assert scheme.apply("1.5.0") == ["modernpkg/__init__.py", "pyproject.toml"]
    assert server.proc is None


def test_a_server_that_ends_while_writing_is_not_asked_to_write_again(tmp_path, server):
    """Its hook kills it half-way through the bump: what it wrote is unknown, so the
    release says so (and undoes the bump) instead of writing a second time here."""
    proj = make_project(tmp_path, "modern")
    proj.write("killparent.py", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n")
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        "[tool.bumpversion]\n",
        f'[tool.bumpversion]\npre_commit_hooks = ["{sys.executable} killparent.py"]\n'))
    proj.commit("A hook that ends the server")
    scheme = remote.detect(proj.path, server)
    pid = server.proc.pid

    with pytest.raises(VersionError, match=r"writing version 1\.5\.0 stopped half-way"):
        scheme.apply("1.5.0")

    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert server.proc is None


def test_closing_the_server_ends_it_at_once_even_while_it_still_imports(tmp_path):
    idle, starting = remote.Server(), remote.Server()
    remote.detect(make_project(tmp_path, "modern").path, idle)
    procs = [idle.proc, starting.proc]

    idle.close()
    starting.close()  # never asked: bump-my-version's import is not waited for

    assert all(p.returncode is not None for p in procs)
    assert not any(psutil.pid_exists(p.pid) for p in procs)
    assert idle.proc is None and starting.proc is None


def test_a_release_given_a_server_started_before_it_asks_that_one_and_closes_it(tmp_path):
    """`fab release` starts the server before the rest of the release is even imported;
    the release uses that one (not a second) and ends it with itself."""
    import io

    from release_tasks.core import config
    from release_tasks.core.release import Options
    from release_tasks.core.ui import Ui
    from release_tasks.pipeline import run

    root = make_project(tmp_path, "modern").path
    started = remote.start()
    made = started.peek()
    pid = made.proc.pid

    rel = run.release(root, config.load(root), Ui(stream=io.StringIO()),
                      Options(dry_run=True), started)

    scheme = rel.known("scheme")
    assert isinstance(scheme, remote.RemoteScheme) and scheme._server is made
    assert (scheme.current, rel.version) == ("1.4.2", "1.4.3")
    assert made.proc is None and not psutil.pid_exists(pid)


def test_the_server_ends_by_itself_when_the_release_is_gone(tmp_path):
    """A release killed outright never closes it: the end of its input ends it."""
    made = remote.Server()
    remote.detect(make_project(tmp_path, "modern").path, made)

    made.proc.stdin.close()

    assert made.proc.wait(timeout=10) == 0


def test_a_release_whose_version_writer_ends_mid_bump_ends_as_before_then_releases_once(
        project, fab, pypi, editor, tmp_path):
    """The real `fab release`: the versioning server is killed half-way through writing the
    version (by the project's own hook, once). The release says so, undoes everything,
    and the next run releases once."""
    from .test_failures import assert_rolled_back, prepare, rerun_releases_once

    killed = tmp_path / "killed-once"
    script = tmp_path / "kill_parent_once.py"
    script.write_text("import os, pathlib, signal\n"
                      f"mark = pathlib.Path({str(killed)!r})\n"
                      "if not mark.exists():\n"
                      "    mark.write_text('')\n"
                      "    os.kill(os.getppid(), signal.SIGKILL)\n")
    proj = prepare(project, pypi)
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        "[tool.bumpversion]\n",
        f'[tool.bumpversion]\npre_commit_hooks = ["{sys.executable} {script}"]\n'))
    proj.commit("A hook that ends the version writer the first time")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert killed.exists()
    assert "writing version 1.4.3 stopped half-way" in run.out
    assert_rolled_back(proj, before, run)
    assert pypi.files() == []
    rerun_releases_once(proj, fab, pypi, editor)
