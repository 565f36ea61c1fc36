"""Scenarios: one release, several repositories (`repository` as a list).

Real parts only: pypiserver indexes (behind a real HTTP proxy that counts the uploads it
passes on, or fails them), a local folder index, an scp drop on a real SSH server, and the
real `fab`. Each scenario asserts on what every repository holds afterwards.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from . import sshserver
from .servers import FlakyProxy, PyPIServer, closing, free_port

FILES = ["modernpkg-1.4.3-py3-none-any.whl", "modernpkg-1.4.3.tar.gz"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def folder_files(index: Path) -> list[str]:
    """The release's files in a folder index (not its index pages or hash records)."""
    return [n for n in listing(index / "simple" / "modernpkg") if n.startswith("modernpkg-")
            and n.endswith((".whl", ".tar.gz"))]


def toml_list(*places: str) -> str:
    return "repository = [" + ", ".join(f'"{p}"' for p in places) + "]\n"


def installs(index_url: str, target: Path) -> str:
    """What a fresh ``pip install --index-url`` gets from that index: the module's text."""
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-cache-dir", "--index-url", index_url, "--target", str(target),
                    "modernpkg==1.4.3"], check=True, capture_output=True,
                   env={"PIP_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin"})
    return (target / "modernpkg" / "__init__.py").read_text()


@pytest.fixture
def server(home, tmp_path, monkeypatch):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    srv = sshserver.start("asyncssh", home, tmp_path / "sshd")
    yield srv
    srv.close()


@pytest.fixture
def second(tmp_path):
    with closing(PyPIServer(tmp_path / "second" / "packages")) as srv:
        yield srv


# --- every repository gets the same files ------------------------------------------------


def test_every_repository_gets_the_same_files_and_installs_from_each(
        project, fab, pypi, editor, server, tmp_path):
    folder = tmp_path / "folder-index"
    drop = tmp_path / "srv" / "packages"
    places = (pypi.url, folder.as_uri(), f"scp://127.0.0.1:{server.port}{drop}")
    proj = project("modern", tool_cfg=toml_list(*places) + "verify_install = true\n")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    built = {p.name: sha(p) for p in (proj.path / "dist").iterdir()}
    assert sorted(built) == FILES
    assert pypi.files() == FILES
    assert folder_files(folder) == FILES
    assert listing(drop) == FILES
    for name, digest in built.items():
        assert sha(pypi.packages / name) == digest
        assert sha(folder / "simple" / "modernpkg" / name) == digest
        assert sha(drop / name) == digest
    # The summary names the first; its install line is the first's.
    assert f"  install   pip install --index-url {pypi.simple} modernpkg==1.4.3" in run.lines()
    uploaded = next(line for line in run.lines() if line.startswith("  uploaded  "))
    assert uploaded.index(pypi.url) < uploaded.index(folder.as_uri()) < uploaded.index("scp://")
    assert "install was not checked on scp://" in run.out  # pip cannot read an scp drop
    # What users install from each index is the release.
    assert '"1.4.3"' in installs(pypi.simple, tmp_path / "from-pypi")
    assert '"1.4.3"' in installs((folder / "simple").as_uri(), tmp_path / "from-folder")


def test_the_install_check_runs_on_each_index_and_names_each_that_fails(
        project, fab, pypi, editor, tmp_path):
    folder = tmp_path / "folder-index"
    proj = project("modern", tool_cfg=toml_list(pypi.url, folder.as_uri())
                   + "verify_install = true\n")
    proj.write("modernpkg/__init__.py", proj.read("modernpkg/__init__.py")
               + 'raise RuntimeError("broken on import")\n')
    proj.commit("A package that does not import")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 1, run.out
    assert pypi.files() == FILES and folder_files(folder) == FILES
    failure = next(line for line in run.lines() if "upload failed on 2 of 2" in line)
    for place in (pypi.url, folder.as_uri()):
        assert f"{place}: modernpkg==1.4.3 installs but does not import: RuntimeError: " \
               "broken on import" in failure, failure


# --- a failure on one repository, then --resume ------------------------------------------


def failing_list(pypi: PyPIServer, second: PyPIServer, folder: Path):
    counted = FlakyProxy(pypi.url)
    counted.failing = False  # passes every upload on, and counts them
    broken = FlakyProxy(second.url, status=500)
    return counted, broken, toml_list(counted.url, folder.as_uri(), broken.url)


def test_a_failure_on_one_repository_resumes_uploading_only_there(
        project, fab, pypi, second, editor, tmp_path):
    folder = tmp_path / "folder-index"
    counted, broken, cfg = failing_list(pypi, second, folder)
    with closing(counted), closing(broken):
        proj = project("modern", tool_cfg=cfg)

        run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

        assert run.code == 1, run.out
        failure = next(line for line in run.lines() if "upload failed on 1 of 3" in line)
        assert f"{broken.url}: {broken.url} failed to store" in failure
        assert f"({counted.url}, {folder.as_uri()} have the files)" in failure
        assert any(line.startswith(f"✗ upload        failed on {broken.url}  (")
                   for line in run.lines()), run.out
        assert failure.count("--resume") == 1
        assert pypi.files() == FILES and folder_files(folder) == FILES
        assert second.files() == []
        assert counted.posts == 2
        folder_stat = {n: (folder / "simple" / "modernpkg" / n).stat().st_mtime_ns
                       for n in FILES}

        broken.failing = False
        resumed = fab(proj, "release", "--resume", "--yes")

        assert resumed.code == 0, resumed.out
        assert second.files() == FILES
        assert counted.posts == 2  # nothing sent to the first index a second time
        assert {n: (folder / "simple" / "modernpkg" / n).stat().st_mtime_ns
                for n in FILES} == folder_stat
        built = {p.name: sha(p) for p in (proj.path / "dist").iterdir()}
        assert {n: sha(second.packages / n) for n in FILES} == built
        assert f"already there: {', '.join(FILES)} → {counted.url}" in resumed.out
        assert f"  uploaded  {', '.join(FILES)} → {counted.url} (and {folder.as_uri()}, " \
               f"{broken.url})" in resumed.lines()  # each file named once
        assert f"pip install --index-url {counted.url}simple/ modernpkg==1.4.3" in resumed.out


def test_rollback_after_a_failure_on_one_repository_lists_what_each_holds(
        project, fab, pypi, second, editor, tmp_path):
    folder = tmp_path / "folder-index"
    counted, broken, cfg = failing_list(pypi, second, folder)
    with closing(counted), closing(broken):
        proj = project("modern", tool_cfg=cfg)
        before = proj.state()
        run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})
        assert run.code == 1, run.out

        rolled = fab(proj, "rollback")

    assert rolled.code == 0, rolled.out
    held = [line for line in rolled.lines() if "indexes never delete" in line]
    assert len(held) == 2, rolled.out  # the two that got the files; not the one that failed
    assert any(f"on {counted.url}" in line for line in held)
    assert any(str(folder) in line for line in held)
    assert all(line.endswith(", ".join(sorted(FILES))) or
               line.endswith(", ".join(FILES)) for line in held)
    assert proj.state() == before
    assert pypi.files() == FILES and folder_files(folder) == FILES  # indexes never delete


# --- the same version already on one repository ------------------------------------------


def released_without_upload(project, fab, editor, cfg: str):
    proj = project("modern", tool_cfg=cfg)
    run = fab(proj, "release", "--yes", "--skip-docs", "--skip-upload",
              env={"EDITOR": editor()})
    assert run.code == 0, run.out
    return proj


def test_files_already_on_one_repository_are_skipped_there_and_uploaded_elsewhere(
        project, fab, pypi, editor, tmp_path):
    folder = tmp_path / "folder-index"
    proj = released_without_upload(project, fab, editor, toml_list(pypi.url, folder.as_uri()))
    first = fab(proj, "upload", "--repository", folder.as_uri())
    assert first.code == 0, first.out
    assert folder_files(folder) == FILES and pypi.files() == []
    stamps = {n: (folder / "simple" / "modernpkg" / n).stat().st_mtime_ns for n in FILES}

    run = fab(proj, "upload")

    assert run.code == 0, run.out
    assert pypi.files() == FILES
    assert {n: (folder / "simple" / "modernpkg" / n).stat().st_mtime_ns
            for n in FILES} == stamps
    note = next(line for line in run.lines() if "already there" in line)
    assert f"→ {pypi.url}" in note and f"→ {folder.as_uri()}" in note
    assert note.index("already there") > note.index(pypi.url)  # skipped on the folder only


def test_other_content_on_one_repository_is_refused_before_anything_is_sent(
        project, fab, pypi, editor, tmp_path):
    folder = tmp_path / "folder-index"
    proj = released_without_upload(project, fab, editor, toml_list(pypi.url, folder.as_uri()))
    planted = folder / "simple" / "modernpkg" / FILES[0]
    planted.parent.mkdir(parents=True)
    planted.write_bytes(b"another wheel of the same name")

    run = fab(proj, "upload")

    assert run.code == 1, run.out
    refusal = [line for line in run.lines() if "with different content" in line]
    assert len(refusal) == 1 and FILES[0] in refusal[0] and str(folder) in refusal[0], run.out
    assert pypi.files() == []  # the pre-flight stopped it: nothing went anywhere
    assert planted.read_bytes() == b"another wheel of the same name"
    assert "Traceback" not in run.out


# --- the configuration and fab check ------------------------------------------------------


def test_fab_check_lists_every_repository(project, fab, pypi, tmp_path):
    folder = tmp_path / "folder-index"
    proj = project("modern", tool_cfg=toml_list(pypi.url, folder.as_uri()))
    proj.write("modernpkg/extra.py", "X = 1\n")
    proj.commit("Add extra")

    run = fab(proj, "check")

    assert run.code == 0, run.out
    upload = [line for line in run.lines() if line.startswith("  upload: ")]
    assert upload == [f"  upload: {pypi.url}", f"  upload: {folder.as_uri()}"], run.out
    assert not folder.exists()  # a check changes nothing

    dry = fab(proj, "release", "--dry-run")

    assert dry.code == 0, dry.out
    assert f"sdist + wheel → {pypi.url}, {folder.as_uri()}, then check each simple page " \
           "lists them" in dry.out
    assert not folder.exists() and pypi.files() == []


@pytest.mark.parametrize(("value", "says"), [
    ("[]", "repository in pyproject.toml [tool.release_tasks] is an empty list"),
    ("[1, 2]", "repository = [1, 2] in pyproject.toml [tool.release_tasks] is neither"),
])
def test_a_repository_list_of_the_wrong_shape_is_one_line(project, fab, value, says):
    proj = project("modern", tool_cfg=f"repository = {value}\n")
    before = proj.state()

    run = fab(proj, "check")

    assert run.code == 1, run.out
    assert [line for line in run.lines() if says in line], run.out
    assert "Traceback" not in run.out
    assert proj.state() == before


def test_a_repository_listed_twice_is_refused(project, fab, tmp_path):
    folder = tmp_path / "folder-index"
    proj = project("modern", tool_cfg=toml_list(folder.as_uri(), folder.as_uri() + "/"))

    run = fab(proj, "check")

    assert run.code == 1, run.out
    assert f"repository lists {folder.as_uri()} twice" in run.out
    assert not folder.exists()


def test_the_pre_flight_lists_every_repository_that_cannot_be_reached(project, fab, pypi):
    down = [f"http://127.0.0.1:{free_port()}/" for _ in range(2)]
    proj = project("modern", tool_cfg=toml_list(down[0], pypi.url, down[1]))
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs")

    assert run.code == 1, run.out
    for url in down:
        assert [line for line in run.lines() if f"index {url} is unreachable" in line], run.out
    assert pypi.files() == [] and proj.state() == before


def test_setup_cfg_lists_one_repository_a_line(project, fab, pypi, tmp_path):
    folder = tmp_path / "folder-index"
    proj = project("cookiecutter")
    proj.write("setup.cfg", proj.read("setup.cfg").rstrip("\n")
               + f"\nrepository =\n    {pypi.url}\n    {folder.as_uri()}\n")
    proj.write("cookiepkg/extra.py", "X = 1\n")
    proj.commit("Two repositories")

    run = fab(proj, "check")

    assert run.code == 0, run.out
    upload = [line for line in run.lines() if line.startswith("  upload: ")]
    assert upload == [f"  upload: {pypi.url}", f"  upload: {folder.as_uri()}"], run.out
