"""A release on its worst day: two at once, a tampered dist/, signing that cannot sign,
hooks that refuse, a bad tag name, files git was told to ignore, a build that fails after
the notes were typed, Ctrl-C pressed twice. Two repositories into one folder index: see
test_folder_index_race.py; a full disk and docs targets that are not ours: test_export.py
and test_targets.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile

from .conftest import FAB
from .test_failures import EXPECTED, hook, prepare


def slow_editor(tmp_path, seconds=60):
    marker = tmp_path / "editor.opened"
    script = tmp_path / "slow-editor.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\nexec sleep {seconds}\n")
    script.chmod(0o755)
    return str(script), marker


def wait_for(predicate, proc, limit=120.0):
    end = time.monotonic() + limit
    while not predicate() and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.05)
    assert predicate(), proc.communicate()[0]


def test_a_second_release_is_refused_at_once_naming_the_first(project, fab, pypi, tmp_path,
                                                              editor):
    proj = prepare(project, pypi)
    script, opened = slow_editor(tmp_path, seconds=5)
    first = subprocess.Popen([FAB, "release", "--yes", "--skip-docs"], cwd=proj.path,
                             env={**os.environ, "EDITOR": script}, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_for(opened.exists, first)

    second = fab(proj, "release", "--yes", "--skip-docs", "--notes", "- Other.")

    assert second.code == 1
    assert "another release is running in this repository" in second.out
    assert f"pid {first.pid}" in second.out
    first.communicate(timeout=120)
    # The first one went on alone; the refused one changed nothing.
    assert first.returncode == 1  # its editor left the section empty
    assert proj.tags() == [] and proj.read("CHANGELOG.md").count("## 1.4.3") == 0
    assert fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()}).code == 0
    assert proj.read("CHANGELOG.md").count("## 1.4.3") == 1


def test_resume_uploads_what_the_release_built_not_what_dist_holds_now(project, fab, pypi,
                                                                        editor):
    from .servers import FlakyProxy, closing

    with closing(FlakyProxy(pypi.url, status=503)) as proxy:
        proj = prepare(project, pypi)
        proj.write("pyproject.toml", proj.read("pyproject.toml").replace(pypi.url, proxy.url))
        proj.commit("Upload through the proxy")
        run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})
        assert run.code == 1 and "--resume" in run.out, run.out
        # Meanwhile: a local file appears and someone builds by hand into dist/.
        proj.write("modernpkg/local_settings.py", "SECRET = 'local only'\n")
        subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--wheel",
                        str(proj.path)], cwd=proj.path, check=True, capture_output=True)
        proxy.failing = False

        run = fab(proj, "release", "--resume")

    assert run.code == 0, run.out
    assert "building them again from the tag" in run.out
    assert pypi.files() == EXPECTED
    wheel = next(pypi.packages.rglob("modernpkg-1.4.3-py3-none-any.whl"))
    with zipfile.ZipFile(wheel) as z:
        assert not [n for n in z.namelist() if "local_settings" in n]


def test_signing_that_cannot_sign_is_found_before_the_editor(project, fab, pypi, tmp_path):
    proj = prepare(project, pypi)
    proj.git("config", "commit.gpgsign", "true")
    proj.git("config", "user.signingkey", "0xDEADBEEFDEADBEEF")
    proj.git("config", "gpg.program", str(tmp_path / "no-gpg-here"))
    before = proj.state()
    script, opened = slow_editor(tmp_path, seconds=0)

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": script})

    assert run.code == 1
    assert "commits are to be signed but signing fails" in run.out, run.out
    assert not opened.exists()  # nobody typed notes for nothing
    assert proj.state() == before


def test_a_refusing_pre_commit_hook_and_a_bad_tag_name_are_found_before_the_editor(
        project, fab, pypi, tmp_path):
    proj = prepare(project, pypi)
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        "[tool.bumpversion]", '[tool.bumpversion]\ntag_name = "-{new_version}"', 1))
    proj.commit("A tag name git reads as an option")
    hook(proj.path / ".git/hooks", "pre-commit", "echo 'lint failed: trailing spaces' >&2\n"
                                                 "exit 1\n")
    before = proj.state()
    script, opened = slow_editor(tmp_path, seconds=0)

    run = fab(proj, "check", env={"EDITOR": script})
    release = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": script})

    for out in (run.out, release.out):
        assert "the pre-commit hook refuses a commit: lint failed: trailing spaces" in out
        assert "'-1.4.3' is not a valid git tag name" in out
    assert run.code == 1 and release.code == 1
    assert not opened.exists()
    assert proj.state() == before


def test_a_refusing_commit_msg_hook_under_core_hookspath_is_found_before_the_editor(
        project, fab, pypi, tmp_path):
    proj = prepare(project, pypi)
    hook(proj.path / "ci/hooks", "commit-msg", "echo 'subject must name a ticket' >&2\n"
                                               "exit 1\n")
    proj.commit("Team hooks")
    proj.git("config", "core.hooksPath", "ci/hooks")  # relative: to the work tree's top
    before = proj.state()
    script, opened = slow_editor(tmp_path, seconds=0)

    release = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": script})

    assert "the commit-msg hook refuses a commit: subject must name a ticket" in release.out
    assert release.code == 1
    assert not opened.exists()
    assert proj.state() == before


def test_a_version_file_git_ignores_is_refused(project, fab, pypi, editor):
    proj = prepare(project, pypi)
    proj.git("update-index", "--assume-unchanged", "modernpkg/__init__.py")
    proj.write("modernpkg/__init__.py", proj.read("modernpkg/__init__.py") + "# local\n")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 1
    assert "modernpkg/__init__.py is marked assume-unchanged" in run.out
    assert "git update-index --no-assume-unchanged modernpkg/__init__.py" in run.out
    assert proj.tags() == [] and pypi.files() == []


def test_notes_typed_before_a_failure_are_kept_and_used_next_time(project, fab, pypi,
                                                                   editor, tmp_path):
    proj = prepare(project, pypi)
    # The build fails: a syntax error only the build sees.
    proj.write("setup.py", "this is not python\n")
    proj.commit("Break the build")

    run = fab(proj, "release", "--yes", "--skip-docs",
              env={"EDITOR": editor("- The words I typed.")})

    assert run.code == 1 and "rolled back" in run.out, run.out
    kept = proj.path / ".git" / "release_tasks" / "notes-1.4.3.txt"
    assert "your notes are kept in" in run.out and str(kept) in run.out
    assert kept.read_text().strip() == "- The words I typed."
    (proj.path / "setup.py").unlink()
    proj.commit("Fix the build")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": "false"})

    assert run.code == 0, run.out
    assert "Using the notes you wrote for 1.4.3 last time" in run.out
    assert "- The words I typed." in proj.read("CHANGELOG.md")
    assert not kept.exists()


def test_ctrl_c_twice_still_rolls_back_completely(project, pypi, tmp_path):
    proj = prepare(project, pypi)
    before = proj.state()
    marker = tmp_path / "post-commit.reached"
    rolling, go_on = tmp_path / "rollback.started", tmp_path / "second-ctrl-c.sent"
    hook(proj.path / ".git/hooks", "post-commit",
         f"git log -1 --format=%s | grep -q '^Bump' || exit 0\ntouch {marker}\n"
         "trap '' INT TERM\nsleep 3\n")
    # The first ref the release moves after the interrupt is the rollback's: it waits
    # there until the second Ctrl-C has been sent.
    hook(proj.path / ".git/hooks", "reference-transaction",
         f"cat >/dev/null\n[ -e {marker} ] && [ \"$1\" = prepared ] || exit 0\n"
         f"touch {rolling}\ntrap '' INT TERM\n"
         f"for _ in $(seq 600); do [ -e {go_on} ] && exit 0; sleep 0.05; done\n")
    proc = subprocess.Popen([FAB, "release", "--yes", "--skip-docs", "--notes", "- Fix."],
                            cwd=proj.path, env={**os.environ}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    wait_for(marker.exists, proc)

    os.kill(proc.pid, signal.SIGINT)
    wait_for(rolling.exists, proc)
    os.kill(proc.pid, signal.SIGINT)  # while the rollback runs
    go_on.touch()
    out, _ = proc.communicate(timeout=60)

    assert proc.returncode == 130, out
    assert "rolled back" in out
    assert proj.state() == before and proj.tags() == []


def test_crlf_files_stay_crlf(project, fab, pypi, editor):
    proj = prepare(project, pypi)
    files = ["CHANGELOG.md", "pyproject.toml", "modernpkg/__init__.py"]
    for name in files:
        path = proj.path / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    proj.commit("Windows line endings")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    for name in files:
        data = (proj.path / name).read_bytes()
        assert b"1.4.3" in data and data.count(b"\n") == data.count(b"\r\n"), name
    # Only the lines that changed are in the release commits, not whole files.
    stat = proj.git("diff", "--numstat", "HEAD~2", "HEAD").splitlines()
    assert all(int(line.split()[1]) <= 2 for line in stat), stat


def test_an_index_that_never_answers_ends_in_a_resumable_failure(project, fab, pypi, editor):
    from .servers import FlakyProxy, closing

    with closing(FlakyProxy(pypi.url, status=500, stall=600)) as proxy:
        proj = prepare(project, pypi, extra="network_timeout = 2\n")
        proj.write("pyproject.toml", proj.read("pyproject.toml").replace(pypi.url, proxy.url))
        proj.commit("Upload through the proxy")

        run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()},
                  timeout=120)

        assert run.code == 1, run.out
        assert "the index did not answer within 2 s (network_timeout)" in run.out
        assert "--resume" in run.out and proj.tags() == ["1.4.3"]
        proxy.failing = False
        assert fab(proj, "release", "--resume").code == 0
    assert pypi.files() == EXPECTED
