"""Scenarios: docs shipped and packages uploaded over SSH to a real server on 127.0.0.1.

Every test runs against asyncssh's server and, where it is installed, OpenSSH's sshd. The
"remote" filesystem is this machine's, so the tests assert on the files under tmp_path.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from release_tasks.core.config import Config
from release_tasks.core.errors import SSHError, UploadError
from release_tasks.core.release import Options, Release, Report
from release_tasks.core.results import DocsBuilt
from release_tasks.core.ui import Ui
from release_tasks.docs import ship_ssh
from release_tasks.pipeline.assembly import assemble
from release_tasks.publish import scp
from release_tasks.publish.index import resolve
from release_tasks.ssh import connection
from release_tasks.steps.ship_docs import ShipDocs

from . import sshserver
from .docstrees import StepLine, html_tree, tree


@pytest.fixture(params=sshserver.KINDS)
def server(request, home, tmp_path, monkeypatch):
    """A real SSH server; HOME holds the user's key, ~/.ssh/config and known_hosts."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)  # only the throwaway key is offered
    if request.param == "openssh" and not sshserver.sshd_available():
        pytest.skip("OpenSSH sshd is not installed (apt-get install openssh-server)")
    srv = sshserver.start(request.param, home, tmp_path / "sshd")
    yield srv
    srv.close()


def release(root: Path, trust: bool = False, version: str = "1.0.0",
            resume: bool = False) -> Release:
    if not (root / "pyproject.toml").exists():  # the project whose docs these are: pkg
        (root / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    rel = assemble(root, Config(ssh_trust_unknown_hosts=trust), Ui(quiet=True),
                  Options(resume=resume), version=version)
    rel.replan(fresh=not resume)  # a new release, as `fab release` makes it
    return rel


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dists(folder: Path, version: str = "1.0.0", salt: bytes = b"") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    sdist = folder / f"modernpkg-{version}.tar.gz"
    wheel = folder / f"modernpkg-{version}-py3-none-any.whl"
    sdist.write_bytes(os.urandom(70_000) + salt)
    wheel.write_bytes(os.urandom(30_000) + salt)
    return [sdist, wheel]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- docs ---------------------------------------------------------------------------------


def test_docs_land_in_versioned_folders_and_latest_follows_the_newest(server, tmp_path):
    site = tmp_path / "site"
    first = html_tree(tmp_path / "html-1", "1.0.0")
    steps: list[str] = []

    where = ship_ssh.ship_docs(release(tmp_path), first, f"ssh://127.0.0.1{site}/pkg/1.0.0",
                               steps.append)

    assert where == f"ssh://127.0.0.1:{server.port}{site}/pkg/1.0.0"
    assert tree(site / "pkg" / "1.0.0") == tree(first)
    assert os.readlink(site / "pkg" / "latest") == "1.0.0"
    assert any("streaming 4 files" in s for s in steps), steps
    # Readable by a web server, whatever the local umask was.
    assert (site / "pkg" / "1.0.0" / "index.html").stat().st_mode & 0o777 == 0o644

    second = html_tree(tmp_path / "html-2", "1.1.0", pages=("usage", "api"))
    ship_ssh.ship_docs(release(tmp_path), second,
                       f"ssh://127.0.0.1:{server.port}{site}/pkg/1.1.0", steps.append)

    assert tree(site / "pkg" / "1.1.0") == tree(second)
    assert tree(site / "pkg" / "1.0.0") == tree(first)  # old versions stay browsable
    assert os.readlink(site / "pkg" / "latest") == "1.1.0"
    assert (site / "pkg" / "latest" / "api.html").is_file()
    # No archive, temporary folder or temporary link left behind.
    assert listing(site / "pkg") == ["1.0.0", "1.1.0", "latest"]


def test_reshipping_a_version_replaces_it_cleanly(server, tmp_path):
    site = tmp_path / "site"
    target = f"ssh://127.0.0.1{site}/pkg/2.0.0"
    ship_ssh.ship_docs(release(tmp_path), html_tree(tmp_path / "a", "2.0.0", ("old",)), target,
                       None)
    again = html_tree(tmp_path / "b", "2.0.0", ("new",))

    ship_ssh.ship_docs(release(tmp_path), again, target, None)

    assert tree(site / "pkg" / "2.0.0") == tree(again)  # old.html is gone, not merged
    assert os.readlink(site / "pkg" / "latest") == "2.0.0"
    assert listing(site / "pkg") == ["2.0.0", "latest"]


def test_a_real_latest_folder_is_left_alone(server, tmp_path):
    site = tmp_path / "site"
    (site / "pkg" / "latest").mkdir(parents=True)
    (site / "pkg" / "latest" / "index.html").write_text("hand-made")

    where = ship_ssh.ship_docs(release(tmp_path), html_tree(tmp_path / "a", "1.0.0"),
                               f"ssh://127.0.0.1{site}/pkg/1.0.0", None)

    assert where.endswith("(latest left alone: it is a real folder)")
    assert (site / "pkg" / "latest" / "index.html").read_text() == "hand-made"
    assert listing(site / "pkg") == ["1.0.0", "latest"]


@pytest.mark.parametrize("failure", ["wrong port", "refused key", "unknown host key"])
def test_a_failed_connection_is_one_line_naming_the_host_and_keeps_latest(
        server, home, tmp_path, failure):
    site = tmp_path / "site"
    ship_ssh.ship_docs(release(tmp_path), html_tree(tmp_path / "a", "1.0.0"),
                       f"ssh://127.0.0.1{site}/pkg/1.0.0", None)
    port = server.port
    if failure == "wrong port":
        port = closed_port()
    elif failure == "refused key":
        sshserver.replace_client_key(home)
    else:
        sshserver.forget_host(home)

    with pytest.raises(SSHError) as raised:
        ship_ssh.ship_docs(release(tmp_path), html_tree(tmp_path / "b", "1.1.0"),
                           f"ssh://127.0.0.1:{port}{site}/pkg/1.1.0", None)

    message = str(raised.value)
    assert "\n" not in message and f"127.0.0.1:{port}" in message
    expected = {"wrong port": "connection refused",
                "refused key": "refused our SSH keys",
                "unknown host key": f"ssh-keyscan -p {port} 127.0.0.1 >> ~/.ssh/known_hosts"}
    assert expected[failure] in message, message
    assert os.readlink(site / "pkg" / "latest") == "1.0.0"
    assert listing(site / "pkg") == ["1.0.0", "latest"]


@pytest.mark.parametrize("cut", ["at a file boundary", "mid-stream by Ctrl-C"])
def test_an_archive_cut_short_never_replaces_the_docs(server, tmp_path, cut):
    site = tmp_path / "site"
    ship_ssh.ship_docs(release(tmp_path), html_tree(tmp_path / "a", "1.0.0"),
                       f"ssh://127.0.0.1{site}/pkg/1.0.0", None)
    archive = io.BytesIO()
    ship_ssh.pack(html_tree(tmp_path / "b", "1.0.0", ("new",)), archive, ".complete-cafe")
    data = archive.getvalue()

    def feed(stream) -> None:
        if cut == "at a file boundary":  # a valid tar.gz, only the last file missing
            with gzip.GzipFile(fileobj=stream, mode="wb") as gz, \
                    tarfile.open(fileobj=gz, mode="w|") as tar, \
                    tarfile.open(fileobj=io.BytesIO(data)) as whole:
                for member in whole:
                    if member.name != ".complete-cafe":
                        tar.addfile(member, io.BytesIO(b"x" * member.size))
        else:
            stream.write(data[: len(data) // 2])
            stream.flush()
            raise KeyboardInterrupt

    conn = connection.connect(connection.parse(f"ssh://127.0.0.1{site}/pkg/1.0.0", "docs_target"))
    try:
        code, _, err = connection.sh(conn, ship_ssh._SHIP, str(site / "pkg"), "1.0.0", "cafe",
                                     feed=feed)
        assert code != 0 and "arrived incomplete" in err
    except KeyboardInterrupt:
        assert cut == "mid-stream by Ctrl-C"
    finally:
        conn.close()

    deadline = time.monotonic() + 10  # after Ctrl-C the host cleans up on its own
    while listing(site / "pkg") != ["1.0.0", "latest"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listing(site / "pkg") == ["1.0.0", "latest"]
    assert os.readlink(site / "pkg" / "latest") == "1.0.0"
    assert not (site / "pkg" / "1.0.0" / "new.html").exists()


def test_trusting_unknown_hosts_ships_without_touching_known_hosts(server, home, tmp_path):
    sshserver.forget_host(home)
    site = tmp_path / "site"

    ship_ssh.ship_docs(release(tmp_path, trust=True), html_tree(tmp_path / "a", "1.0.0"),
                       f"ssh://127.0.0.1{site}/pkg/1.0.0", None)

    assert os.readlink(site / "pkg" / "latest") == "1.0.0"
    assert (home / ".ssh" / "known_hosts").read_text() == ""


def test_a_changed_host_key_is_refused_even_when_trusting_unknown_hosts(server, home, tmp_path):
    other = sshserver.public_line(sshserver.new_key())
    (home / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{server.port} {other}\n")

    with pytest.raises(SSHError) as raised:
        ship_ssh.ship_docs(release(tmp_path, trust=True), html_tree(tmp_path / "a", "1.0.0"),
                           f"ssh://127.0.0.1{tmp_path}/site/pkg/1.0.0", None)

    assert "does not match ~/.ssh/known_hosts" in str(raised.value)
    assert f"ssh-keygen -R '[127.0.0.1]:{server.port}'" in str(raised.value)
    assert not (tmp_path / "site").exists()


def test_the_docs_target_check_reports_problems_and_changes_nothing(server, home, tmp_path):
    site = tmp_path / "site"
    report = Report()
    ship_ssh.check_docs_target(release(tmp_path), f"ssh://127.0.0.1{site}/pkg/1.0.0", report)
    assert report.errors == [] and report.warnings == []
    assert not site.exists()  # "could be created" was enough; nothing was

    (tmp_path / "a-file").write_text("not a folder")
    ship_ssh.check_docs_target(release(tmp_path), f"ssh://127.0.0.1{tmp_path}/a-file/pkg/1", report)
    assert report.errors == [f"the docs folder {tmp_path}/a-file/pkg on "
                             f"{server.user}@127.0.0.1:{server.port}: {tmp_path}/a-file is a "
                             "file, not a folder (fix the path)"]

    (site / "pkg" / "latest").mkdir(parents=True)
    ship_ssh.check_docs_target(release(tmp_path), f"ssh://127.0.0.1{site}/pkg/1.0.0", report)
    assert any("latest" in w and "real folder" in w for w in report.warnings), report.warnings

    sshserver.forget_host(home)
    report = Report()
    ship_ssh.check_docs_target(release(tmp_path), f"ssh://127.0.0.1{site}/pkg/1.0.0", report)
    assert len(report.errors) == 1 and "is unknown" in report.errors[0]
    assert "ssh-keyscan" in report.errors[0] and "\n" not in report.errors[0]


# --- uploads ------------------------------------------------------------------------------


def test_scp_uploads_land_and_an_identical_upload_is_skipped(server, tmp_path):
    packages = tmp_path / "srv" / "packages" / "modernpkg"  # created on the way
    files = dists(tmp_path / "dist")
    repo = resolve(f"scp://127.0.0.1{packages}")

    result = scp.upload_dists(repo, files, None)

    assert result.uploaded == [p.name for p in files] and result.skipped == []
    assert listing(packages) == sorted(p.name for p in files)
    assert all(sha(packages / p.name) == sha(p) for p in files)

    again = scp.upload_dists(repo, files, None)

    assert again.uploaded == [] and again.skipped == [p.name for p in files]
    assert listing(packages) == sorted(p.name for p in files)


def test_scp_upload_refuses_to_replace_a_different_file(server, tmp_path):
    packages = tmp_path / "packages"
    packages.mkdir()
    (packages / "modernpkg-1.0.0.tar.gz").write_bytes(b"released long ago")
    files = dists(tmp_path / "dist")

    with pytest.raises(UploadError) as raised:
        scp.upload_dists(resolve(f"scp://127.0.0.1:{server.port}{packages}"), files, None)

    message = str(raised.value)
    assert "modernpkg-1.0.0.tar.gz is already in" in message and "different content" in message
    assert "127.0.0.1" in message and "\n" not in message
    assert (packages / "modernpkg-1.0.0.tar.gz").read_bytes() == b"released long ago"
    assert listing(packages) == ["modernpkg-1.0.0.tar.gz"]  # no temp file, no wheel


def test_an_unknown_host_trusted_in_the_check_is_pinned_for_the_upload(
        server, home, project, tmp_path):
    proj = project("modern")
    sshserver.forget_host(home)
    packages = tmp_path / "packages"
    repo = resolve(f"scp://127.0.0.1{packages}")
    files = dists(tmp_path / "dist")

    with pytest.raises(SSHError, match="is unknown"):
        scp.upload_dists(repo, files, None)  # nothing vouched for this host
    report = Report()
    rel = release(proj.path, trust=True)
    scp.ScpBackend(repo).check(rel, report)
    assert report.errors == []
    result = scp.upload_dists(repo, files, None, rel.host_keys)

    assert result.uploaded == [p.name for p in files]
    assert (home / ".ssh" / "known_hosts").read_text() == ""


def test_the_repository_check_refuses_a_version_already_there_unless_resuming(
        server, project, tmp_path):
    proj = project("modern")
    packages = tmp_path / "packages"
    repo = resolve(f"scp://127.0.0.1{packages}")
    report = Report()
    scp.ScpBackend(repo).check(release(proj.path), report)
    assert report.errors == [] and not packages.exists()

    scp.upload_dists(repo, dists(tmp_path / "dist"), None)
    scp.ScpBackend(repo).check(release(proj.path), report)
    assert len(report.errors) == 1
    assert report.errors[0].startswith("modernpkg 1.0.0 is already in")
    resumed = Report()
    scp.ScpBackend(repo).check(release(proj.path, resume=True), resumed)
    assert resumed.errors == []


# --- the whole release ----------------------------------------------------------------------


def test_a_release_uploads_by_scp_and_ships_docs_over_ssh(server, project, fab, editor,
                                                          tmp_path):
    packages = tmp_path / "srv" / "packages"
    site = tmp_path / "srv" / "docs"
    # The repository names the port; the docs target takes it from ~/.ssh/config.
    proj = project("modern", tool_cfg=f'repository = "scp://127.0.0.1:{server.port}{packages}"\n'
                                      f'docs_target = "ssh://127.0.0.1{site}/{{name}}/{{version}}"\n')

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    built = sorted((proj.path / "dist").iterdir())
    assert [p.name for p in built] == ["modernpkg-1.4.3-py3-none-any.whl",
                                       "modernpkg-1.4.3.tar.gz"]
    assert listing(packages) == [p.name for p in built]
    assert all(sha(packages / p.name) == sha(p) for p in built)
    assert tree(site / "modernpkg" / "1.4.3") == tree(proj.path / "build" / "docs-html")
    assert "modernpkg 1.4.3 documentation" in (site / "modernpkg" / "latest" /
                                                "index.html").read_text()
    assert os.readlink(site / "modernpkg" / "latest") == "1.4.3"
    assert f"ssh://127.0.0.1:{server.port}{site}/modernpkg/1.4.3" in run.out
    # What a user installs from that folder is the release.
    target = tmp_path / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--find-links", str(packages), "--target", str(target),
                    "modernpkg==1.4.3"], check=True, capture_output=True)
    assert '__version__ = "1.4.3"' in (target / "modernpkg" / "__init__.py").read_text()


def test_fab_check_lists_both_unknown_hosts_then_passes_when_trusted(
        server, home, project, fab, tmp_path):
    sshserver.forget_host(home)
    srv = tmp_path / "srv"
    cfg = (f'repository = "scp://127.0.0.1{srv}/packages"\n'
           f'docs_target = "ssh://127.0.0.1{srv}/docs/{{name}}/{{version}}"\n')
    proj = project("modern", tool_cfg=cfg)

    run = fab(proj, "check")

    assert run.code != 0, run.out
    unknown = [line for line in run.lines() if "host key of" in line and "is unknown" in line]
    assert len(unknown) == 1, run.out  # the same problem, reported once for both settings
    assert f"ssh-keyscan -p {server.port} 127.0.0.1" in unknown[0]
    assert "Traceback" not in run.out
    assert not srv.exists()

    proj.write("pyproject.toml", proj.read("pyproject.toml") + "ssh_trust_unknown_hosts = true\n")
    proj.commit("Trust the test server")
    run = fab(proj, "check")

    assert run.code == 0, run.out
    assert not srv.exists() and (home / ".ssh" / "known_hosts").read_text() == ""


# --- one release's trust, and pre-releases ---------------------------------------------------


def test_a_host_trusted_in_one_release_is_not_trusted_in_the_next(server, home, tmp_path):
    sshserver.forget_host(home)
    site = tmp_path / "site"
    ship_ssh.ship_docs(release(tmp_path, trust=True), html_tree(tmp_path / "a", "1.0.0"),
                       f"ssh://127.0.0.1{site}/pkg/1.0.0", None)

    with pytest.raises(SSHError, match="is unknown"):
        ship_ssh.ship_docs(release(tmp_path), html_tree(tmp_path / "b", "1.1.0"),
                           f"ssh://127.0.0.1{site}/pkg/1.1.0", None)

    assert listing(site / "pkg") == ["1.0.0", "latest"]
    assert os.readlink(site / "pkg" / "latest") == "1.0.0"
    assert (home / ".ssh" / "known_hosts").read_text() == ""


@pytest.mark.parametrize("follow", [False, True], ids=["default", "docs_latest_prereleases"])
def test_a_pre_release_leaves_latest_on_the_final_release_unless_configured(
        server, project, tmp_path, follow):
    proj = project("modern")
    site = tmp_path / "site"
    config = Config(docs_target=f"ssh://127.0.0.1{site}/{{name}}/{{version}}",
                    docs_latest_prereleases=follow)
    notes = []
    for version in ("1.0.0", "1.1.0rc1"):
        rel = assemble(proj.path, config, Ui(quiet=True), Options(), version=version)
        rel.results.provide(DocsBuilt(html_tree(tmp_path / version, version)))
        step = StepLine()
        ShipDocs().run(rel, step)
        notes.append(step.note)

    assert listing(site / "modernpkg") == ["1.0.0", "1.1.0rc1", "latest"]
    assert tree(site / "modernpkg" / "1.1.0rc1") == tree(tmp_path / "1.1.0rc1")
    assert os.readlink(site / "modernpkg" / "latest") == ("1.1.0rc1" if follow else "1.0.0")
    assert notes[1].endswith("(latest left alone: a pre-release)") is not follow
