"""Fault injection: make each step of a real release fail, then check the repository.

Before the upload, a failure undoes everything (commits, tag, history edit) and leaves the
user's own work alone; a clean re-run then releases once. At or after the upload, the
commits and tag stay and ``--resume`` finishes the release: one tag, one upload of each
file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from .conftest import FAB
from .servers import FlakyProxy, closing

EXPECTED = ["modernpkg-1.4.3-py3-none-any.whl", "modernpkg-1.4.3.tar.gz"]


def hook(path, name, body):
    script = path / name
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    script.chmod(0o755)
    return script


def prepare(project, pypi, extra=""):
    proj = project("modern", tool_cfg=f'repository = "{pypi.url}"\n' + extra)
    proj.write("scratch.txt", "my own notes, never committed\n")
    return proj


def assert_rolled_back(proj, before, run):
    assert run.code == 1, run.out
    assert "rolled back:" in run.out and "your uncommitted work is untouched" in run.out
    assert proj.state() == before
    assert proj.read("scratch.txt") == "my own notes, never committed\n"
    assert not (proj.path / ".git/release_tasks/journal.json").exists()


def rerun_releases_once(proj, fab, pypi, editor):
    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})
    assert run.code == 0, run.out
    assert proj.tags() == ["1.4.3"]
    assert pypi.files() == EXPECTED


# --- local steps: everything is undone --------------------------------------------------


def test_editor_failure(project, fab, pypi, editor):
    proj = prepare(project, pypi)
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor(status=1)})

    assert "edit_history failed" in run.out
    assert (proj.path.parent / "CHANGELOG.md.opened").exists()
    assert_rolled_back(proj, before, run)
    rerun_releases_once(proj, fab, pypi, editor)


def test_bump_commit_refused_by_a_hook(project, fab, pypi, editor):
    proj = prepare(project, pypi)
    refuse = hook(proj.path / ".git/hooks", "pre-commit",
                  "git diff --cached --name-only | grep -q pyproject.toml && exit 1\nexit 0\n")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert "bump failed: git commit failed" in run.out
    assert "removed the edit_history commit" in run.out
    assert_rolled_back(proj, before, run)
    refuse.unlink()
    rerun_releases_once(proj, fab, pypi, editor)


def test_tag_refused_by_git(project, fab, pypi, editor):
    proj = prepare(project, pypi)
    refuse = hook(proj.path / ".git/hooks", "reference-transaction", """\
        [ "$1" = prepared ] || exit 0
        grep -q refs/tags/ && exit 1
        exit 0
        """)
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert "tag failed" in run.out
    assert_rolled_back(proj, before, run)
    refuse.unlink()
    rerun_releases_once(proj, fab, pypi, editor)


def test_build_error(project, fab, pypi, editor):
    proj = prepare(project, pypi)
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        'packages = ["modernpkg"]', 'packages = ["modernpkg", "nosuchpackage"]'))
    proj.commit("A broken package list")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert "build failed: building the sdist/wheel failed" in run.out
    assert "deleted tag 1.4.3" in run.out
    assert_rolled_back(proj, before, run)
    assert not list((proj.path / "dist").glob("*1.4.3*")) if (proj.path / "dist").exists() \
        else True
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(', "nosuchpackage"', ""))
    proj.commit("Fix the package list")
    rerun_releases_once(proj, fab, pypi, editor)


def test_twine_check_failure(project, fab, pypi, editor):
    """A description the build computes (here setuptools' dynamic readme) cannot be judged
    before the build: twine check of the built files stops the release, rolled back."""
    proj = prepare(project, pypi)
    proj.write("DESCRIPTION.rst", "Broken\n=====\n\n`unclosed\n")
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        'readme = "README.md"', 'dynamic = ["readme"]') + '\n[tool.setuptools.dynamic]\n'
        'readme = {file = ["DESCRIPTION.rst"], content-type = "text/x-rst"}\n')
    proj.commit("A long description that does not render")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert "build failed: twine check failed" in run.out
    assert_rolled_back(proj, before, run)
    assert pypi.files() == []


def test_docs_build_failure(project, fab, pypi, editor):
    proj = prepare(project, pypi, extra="docs_strict = true\n")
    proj.write("docs/index.rst", proj.read("docs/index.rst") + "\n   missing-page\n")
    proj.commit("A toctree entry that does not exist")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert "build_docs failed: sphinx-build failed" in run.out
    assert_rolled_back(proj, before, run)
    assert pypi.files() == []


# --- the upload and after: kept, then resumed ----------------------------------------------


@pytest.mark.parametrize(("status", "message"), [
    (500, "failed to store"),
    (403, "rejected the credentials"),
    (400, "refused modernpkg-1.4.3"),
    (0, "upload of modernpkg-1.4.3"),
])
def test_index_failure_keeps_the_release_and_resume_finishes_it(
        project, fab, pypi, editor, status, message):
    with closing(FlakyProxy(pypi.url, status=status)) as proxy:
        proj = prepare(project, pypi)
        proj.write("pyproject.toml", proj.read("pyproject.toml").replace(pypi.url, proxy.url))
        proj.commit("Upload through the proxy")
        start = proj.head()

        run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

        assert run.code == 1, run.out
        assert "upload failed: " in run.out and message in run.out
        assert "the commits and tag 1.4.3 are kept" in run.out and "--resume" in run.out
        assert proj.tags() == ["1.4.3"]
        assert proj.git("rev-list", "--count", f"{start}..HEAD") == "2"
        assert pypi.files() == []
        # A new release is refused while this one is unfinished.
        again = fab(proj, "release", "--yes", env={"EDITOR": editor()})
        assert again.code == 1 and "is unfinished" in again.out
        head = proj.head()

        proxy.failing = False
        run = fab(proj, "release", "--resume")

        assert run.code == 0, run.out
        assert proj.tags() == ["1.4.3"] and proj.head() == head  # no re-bump, no re-tag
        assert pypi.files() == EXPECTED
        assert "✓ edit_history" not in run.out and "✓ bump" not in run.out


def test_resume_skips_files_already_uploaded_with_the_same_content(project, fab, pypi, editor):
    with closing(FlakyProxy(pypi.url, status=500, pass_first=1)) as proxy:
        proj = prepare(project, pypi)
        proj.write("pyproject.toml", proj.read("pyproject.toml").replace(pypi.url, proxy.url))
        proj.commit("Upload through the proxy")

        run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})
        assert run.code == 1, run.out
        assert len(pypi.files()) == 1
        posts = proxy.posts

        proxy.failing = False
        run = fab(proj, "release", "--resume")

        assert run.code == 0, run.out
        assert pypi.files() == EXPECTED
        assert proxy.posts == posts + 1  # only the missing file went up
        assert "already there" in run.out


def test_resume_refuses_a_different_file_under_a_released_name(project, fab, pypi, editor):
    with closing(FlakyProxy(pypi.url, status=500, pass_first=1)) as proxy:
        proj = prepare(project, pypi)
        proj.write("pyproject.toml", proj.read("pyproject.toml").replace(pypi.url, proxy.url))
        proj.commit("Upload through the proxy")
        assert fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()}).code == 1
        uploaded = pypi.files()[0]
        # The index now holds other bytes under that name than the release built (a local
        # file changed in dist/ is never uploaded: --resume builds it again from the tag).
        on_index = next(pypi.packages.rglob(uploaded))
        on_index.write_bytes(on_index.read_bytes() + b"\0")
        proxy.failing = False

        run = fab(proj, "release", "--resume")

        assert run.code == 1
        assert f"{uploaded} is already on" in run.out and "with different content" in run.out
        assert len(pypi.files()) == 1


def test_verify_install_catches_a_module_left_out_of_the_wheel(project, fab, pypi, editor):
    proj = prepare(project, pypi, extra="verify_install = true\n")
    # The package list names only the top package: the subpackage never reaches the wheel.
    proj.write("modernpkg/forgotten/__init__.py", "VALUE = 1\n")
    proj.write("modernpkg/__init__.py",
               proj.read("modernpkg/__init__.py") + "from . import forgotten\n")
    proj.commit("A subpackage the package list does not name")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 1
    assert "modernpkg==1.4.3 installs but does not import" in run.out
    assert "forgotten" in run.out
    assert proj.tags() == ["1.4.3"]  # uploaded: kept, resumable


def test_verify_install_notes_a_dependency_it_cannot_import(project, fab, pypi, editor):
    proj = prepare(project, pypi, extra="verify_install = true\n")
    proj.write("modernpkg/__init__.py",
               proj.read("modernpkg/__init__.py") + "import no_such_dependency_xyz\n")
    proj.commit("Import a third-party dependency")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert "its import needs no_such_dependency_xyz" in run.out
    assert pypi.files() == EXPECTED


def test_verify_install_passes_for_a_good_release(project, fab, pypi, editor):
    proj = prepare(project, pypi, extra="verify_install = true\n")

    run = fab(proj, "release", "--yes", "--skip-docs", "--verbose", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert "then pip-install it" in run.out
    assert pypi.files() == EXPECTED


def test_webhook_failure_is_a_warning_after_the_release(project, fab, pypi, editor, receiver):
    receiver.answers = [(500, "oops", {})] * 10
    proj = prepare(project, pypi, extra='slack_timeout = "3"\n')

    run = fab(proj, "release", "--yes", "--skip-docs",
              env={"EDITOR": editor(), "SLACK_WEBHOOK_URL": receiver.url})

    assert run.code == 0, run.out
    assert "notify_slack failed" in run.out
    assert proj.tags() == ["1.4.3"] and pypi.files() == EXPECTED
    assert receiver.secret not in run.out


def test_push_refused_by_origin_is_kept_and_resumed(project, fab, pypi, editor):
    proj = prepare(project, pypi, extra="push = true\n")
    refuse = hook(proj.origin / "hooks", "pre-receive", "echo 'no pushes today' >&2\nexit 1\n")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 1
    assert "push failed: git push to origin failed" in run.out
    assert proj.tags() == ["1.4.3"] and pypi.files() == EXPECTED
    assert "refs/tags/1.4.3" not in proj.origin_refs()
    refuse.unlink()

    run = fab(proj, "release", "--resume")

    assert run.code == 0, run.out
    assert "refs/tags/1.4.3" in proj.origin_refs()
    assert "✓ upload" not in run.out


# --- rollback on request -----------------------------------------------------------------


def test_rollback_after_a_failed_upload(project, fab, pypi, editor):
    with closing(FlakyProxy(pypi.url, status=500)) as proxy:
        proj = prepare(project, pypi)
        proj.write("pyproject.toml", proj.read("pyproject.toml").replace(pypi.url, proxy.url))
        proj.commit("Upload through the proxy")
        before = proj.state()
        assert fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()}).code == 1

        run = fab(proj, "rollback")

        assert run.code == 0, run.out
        assert "deleted tag 1.4.3" in run.out
        assert proj.state() == before
        assert proj.read("scratch.txt") == "my own notes, never committed\n"
        assert fab(proj, "rollback").code == 1  # nothing left to roll back


def test_rollback_of_a_finished_unpushed_release_keeps_later_uncommitted_work(
        project, fab, pypi, editor):
    proj = prepare(project, pypi)
    start = proj.head()
    assert fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()}).code == 0
    proj.write("README.md", proj.read("README.md") + "\nWork in progress.\n")

    run = fab(proj, "rollback")

    assert run.code == 0, run.out
    assert proj.head() == start and proj.tags() == []
    assert proj.read("README.md").endswith("Work in progress.\n")
    assert ("(indexes never delete; release a new version instead of re-releasing 1.4.3): "
            + ", ".join(EXPECTED)) in run.out


def test_rollback_refuses_once_the_tag_is_pushed(project, fab, pypi, editor):
    proj = prepare(project, pypi, extra="push = true\n")
    assert fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()}).code == 0
    head = proj.head()

    run = fab(proj, "rollback")

    assert run.code == 1
    assert "tag 1.4.3 is already on origin" in run.out
    assert proj.head() == head and proj.tags() == ["1.4.3"]


# --- Ctrl-C behaves like a failure at that point ------------------------------------------


def interrupt_when(proj, args, marker, env, timeout=60):
    proc = subprocess.Popen([FAB, *args], cwd=proj.path, env={**os.environ, **env},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    end = time.monotonic() + timeout
    while not marker() and time.monotonic() < end and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[0]
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    out, _ = proc.communicate(timeout=60)
    return proc.returncode, out


def test_ctrl_c_in_the_editor_rolls_back(project, pypi, tmp_path):
    proj = prepare(project, pypi)
    before = proj.state()
    slow = tmp_path / "slow-editor.py"
    opened = tmp_path / "slow-editor.opened"
    slow.write_text(f"#!{sys.executable}\nimport time\n"
                    f"open({str(opened)!r}, 'w').write('yes')\ntime.sleep(60)\n")
    slow.chmod(0o755)

    code, out = interrupt_when(proj, ["release", "--yes", "--skip-docs"], opened.exists,
                               {"EDITOR": str(slow)})

    assert code == 130, out
    assert "interrupted" in out
    assert proj.state() == before
    assert proj.read("scratch.txt") == "my own notes, never committed\n"


def test_ctrl_c_during_the_upload_keeps_the_release_for_resume(project, fab, pypi, editor):
    with closing(FlakyProxy(pypi.url, status=500, stall=30)) as proxy:
        proj = prepare(project, pypi)
        proj.write("pyproject.toml", proj.read("pyproject.toml").replace(pypi.url, proxy.url))
        proj.commit("Upload through the proxy")

        code, out = interrupt_when(proj, ["release", "--yes", "--skip-docs"],
                                   lambda: proxy.posts > 0, {"EDITOR": editor()})

        assert code == 130, out
        assert proj.tags() == ["1.4.3"] and "--resume" in out
        proxy.failing = False
        run = fab(proj, "release", "--resume")
        assert run.code == 0, run.out
        assert pypi.files() == EXPECTED


def test_dev_bump_refused_leaves_the_released_state_and_resume_redoes_it(
        project, fab, pypi, editor):
    proj = prepare(project, pypi, extra="dev_bump = true\n")
    refuse = hook(proj.path / ".git/hooks", "pre-commit",
                  "git diff --cached --name-only | grep -q CHANGELOG.md || exit 0\n"
                  "grep -q unreleased CHANGELOG.md && exit 1\nexit 0\n")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 1
    assert "dev_bump failed" in run.out and "--resume" in run.out
    assert proj.tags() == ["1.4.3"] and pypi.files() == EXPECTED
    assert proj.git("status", "--porcelain", "--untracked-files=no") == ""
    assert 'version = "1.4.3"' in proj.read("pyproject.toml")
    refuse.unlink()

    run = fab(proj, "release", "--resume")

    assert run.code == 0, run.out
    assert 'version = "1.4.4.dev0"' in proj.read("pyproject.toml")
    assert proj.git("log", "-1", "--format=%s") == "Back to development: 1.4.4.dev0"


# --- the docs host: a failure after the upload, and a dry-run that touches nothing -------


@pytest.fixture
def ssh_server(home, tmp_path, monkeypatch):
    from . import sshserver

    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    server = sshserver.start("asyncssh", home, tmp_path / "sshd")
    yield server
    server.close()


def test_docs_host_failing_after_the_upload_is_kept_and_resumed(
        ssh_server, project, fab, pypi, editor, tmp_path, monkeypatch):
    site = tmp_path / "srv" / "docs"
    proj = prepare(project, pypi,
                   extra=f'docs_target = "ssh://127.0.0.1{site}/{{name}}/{{version}}"\n')
    # The host's tar breaks after the check passed (it only checks tar is there): the
    # asyncssh server runs its commands with this process's PATH.
    broken = tmp_path / "broken-bin"
    hook(broken, "tar", "echo 'tar: disk quota exceeded' >&2\nexit 2\n")
    monkeypatch.setenv("PATH", f"{broken}:{os.environ['PATH']}")

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1, run.out
    assert "ship_docs failed" in run.out and "--resume" in run.out
    assert pypi.files() == EXPECTED and proj.tags() == ["1.4.3"]
    assert not (site / "modernpkg" / "1.4.3").exists()
    assert not (site / "modernpkg" / "latest").exists()

    monkeypatch.setenv("PATH", os.environ["PATH"].split(":", 1)[1])
    run = fab(proj, "release", "--resume")

    assert run.code == 0, run.out
    assert "✓ upload" not in run.out and pypi.files() == EXPECTED
    assert os.readlink(site / "modernpkg" / "latest") == "1.4.3"
    assert (site / "modernpkg" / "1.4.3" / "index.html").is_file()


def test_dry_run_with_ssh_targets_changes_nothing_anywhere(
        ssh_server, project, fab, editor, receiver, tmp_path):
    srv = tmp_path / "srv"
    proj = project("modern", tool_cfg=f'repository = "scp://127.0.0.1{srv}/packages"\n'
                   f'docs_target = "ssh://127.0.0.1{srv}/docs/{{name}}/{{version}}"\n')
    before = proj.state()

    run = fab(proj, "release", "--dry-run", env={"EDITOR": editor(),
                                                 "SLACK_WEBHOOK_URL": receiver.url})

    assert run.code == 0, run.out
    assert f"scp://127.0.0.1{srv}/packages" in run.out
    assert f"ssh://127.0.0.1{srv}/docs/modernpkg/1.4.3" in run.out
    assert not srv.exists()  # the checks read the server; nothing was written there
    assert receiver.requests == [] and receiver.secret not in run.out
    assert proj.state() == before
