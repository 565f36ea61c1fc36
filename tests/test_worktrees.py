"""Two worktrees of one repository, a journal that cannot be read, a tag someone made
again, an upload whose file reached the index although fab never heard back.

Each case undoes or refuses only what it can prove: the lock and the journal are the
repository's (in the common git dir), a release is finished or undone in the worktree it
was made in, a tag is deleted only where this release put it, and the index is asked what
it already holds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import time

import pytest

from .conftest import FAB
from .servers import FlakyProxy, closing
from .test_failures import EXPECTED, prepare

VERSION = "1.4.3"


def worktree(proj, name):
    """A second checkout of the same repository (``git worktree add``), on its own branch."""
    path = proj.path.parent / name
    proj.git("worktree", "add", "-q", "-b", name, str(path))
    return dataclasses.replace(proj, path=path)


def through(proxy, proj, pypi):
    """Send the project's uploads through ``proxy``."""
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(pypi.url, proxy.url))
    proj.commit("Upload through the proxy")


def journal_of(proj):
    return proj.path / ".git" / "release_tasks" / "journal.json"


def wait_for(predicate, proc, limit=120.0):
    end = time.monotonic() + limit
    while not predicate() and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.05)
    assert predicate(), proc.stdout.read() if proc.poll() is not None else "timed out"


@contextlib.contextmanager
def started(args, cwd, env):
    proc = subprocess.Popen(args, cwd=cwd, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGCONT)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        if proc.returncode is None:
            proc.communicate(timeout=60)


def test_a_release_in_one_worktree_locks_out_the_other(project, fab, pypi, editor, tmp_path):
    proj = prepare(project, pypi)
    a = worktree(proj, "a")
    opened, go = tmp_path / "editor.opened", tmp_path / "go"
    waiting = tmp_path / "waiting-editor.sh"
    waiting.write_text(f"#!/bin/sh\ntouch {opened}\nwhile [ ! -e {go} ]; do sleep 0.05; done\n"
                       f'exec {editor()} "$@"\n')
    waiting.chmod(0o755)
    main_before = proj.state()

    with started([FAB, "release", "--yes", "--skip-docs"], a.path,
                 {"EDITOR": str(waiting)}) as first:
        wait_for(opened.exists, first)
        os.kill(first.pid, signal.SIGSTOP)  # holding the lock, not running
        lock = proj.path / ".git" / "release_tasks" / "lock"
        assert lock.is_file()
        assert not (proj.path / ".git" / "worktrees" / "a" / "release_tasks").exists()

        second = fab(proj, "release", "--yes", "--skip-docs", "--notes", "- Other.")

        assert second.code == 1, second.out
        assert "another release is running in this repository: `fab release` in " \
               f"{a.path} (pid {first.pid}" in second.out
        assert proj.state() == main_before
        os.kill(first.pid, signal.SIGCONT)
        go.touch()
        out, _ = first.communicate(timeout=300)

    assert first.returncode == 0, out
    assert proj.tags() == [VERSION] and pypi.files() == EXPECTED
    assert a.git("describe", "--tags", "--exact-match", "HEAD") == VERSION
    assert proj.state()["head"] == main_before["head"]  # main's branch was not touched


def test_an_unfinished_release_is_finished_or_undone_in_its_own_worktree(project, fab, pypi,
                                                                         editor):
    with closing(FlakyProxy(pypi.url, status=503)) as proxy:
        proj = prepare(project, pypi)
        through(proxy, proj, pypi)
        a = worktree(proj, "a")
        a_start = a.head()
        kept = fab(a, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})
        assert kept.code == 1 and "--resume" in kept.out, kept.out
        assert json.loads(journal_of(proj).read_text())["worktree"] == str(a.path)
        a_released, main_before = a.state(), proj.state()

        resume = fab(proj, "release", "--resume")
        rollback = fab(proj, "rollback")
        again = fab(proj, "release", "--yes", "--skip-docs", "--notes", "- Other.")

        for run in (resume, rollback, again):
            assert run.code == 1, run.out
            assert f"a release of {VERSION} is unfinished in {a.path} (finish or roll it " \
                   "back there" in run.out, run.out
        assert a.state() == a_released and proj.state() == main_before
        assert pypi.files() == []

        undone = fab(a, "rollback")

    assert undone.code == 0, undone.out
    assert proj.tags() == [] and a.head() == a_start
    assert not journal_of(proj).exists()


def test_the_journal_of_a_worktree_that_is_gone_can_be_set_aside(project, fab, pypi, editor):
    with closing(FlakyProxy(pypi.url, status=503)) as proxy:
        proj = prepare(project, pypi)
        through(proxy, proj, pypi)
        a = worktree(proj, "a")
        assert fab(a, "release", "--yes", "--skip-docs", env={"EDITOR": editor()}).code == 1
        written = journal_of(proj).read_text()
        proj.git("worktree", "remove", "--force", str(a.path))

        refused = fab(proj, "rollback")
        aside = fab(proj, "rollback", "--discard-journal")

    assert refused.code == 1
    assert f"a release of {VERSION} is unfinished in {a.path} (that worktree is gone: " \
           "`fab release --discard-journal` sets its journal aside)" in refused.out
    assert aside.code == 0 and "nothing was undone" in aside.out, aside.out
    [kept] = journal_of(proj).parent.glob("journal.json.discarded-*")
    assert kept.read_text() == written and not journal_of(proj).exists()


def kept_release(proj, fab, editor):
    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})
    assert run.code == 1 and "--resume" in run.out, run.out
    assert proj.tags() == [VERSION]


def test_rollback_leaves_alone_a_tag_someone_made_again_elsewhere(project, fab, pypi, editor):
    with closing(FlakyProxy(pypi.url, status=503)) as proxy:
        proj = prepare(project, pypi)
        through(proxy, proj, pypi)
        start = proj.head()
        kept_release(proj, fab, editor)
        proj.git("tag", "-d", VERSION)
        proj.git("tag", "-a", VERSION, "-m", "Made by hand", start)
        theirs = proj.git("rev-parse", f"refs/tags/{VERSION}")

        run = fab(proj, "rollback")

    assert run.code == 0, run.out
    assert f"tag {VERSION} now points at {start[:10]}, not at this release's commit: " \
           "left alone" in run.out
    assert proj.git("rev-parse", f"refs/tags/{VERSION}") == theirs
    assert proj.head() == start  # the release's own commits were undone all the same


def test_rollback_never_moves_a_branch_the_release_was_not_made_on(project, fab, pypi,
                                                                   editor):
    with closing(FlakyProxy(pypi.url, status=503)) as proxy:
        proj = prepare(project, pypi)
        through(proxy, proj, pypi)
        kept_release(proj, fab, editor)
        proj.git("checkout", "-q", "-b", "other")
        before = proj.state()

        run = fab(proj, "rollback")

    assert run.code == 1
    assert "the release of 1.4.3 was made on main, but other is checked out; nothing was " \
           "undone (`git checkout main`, then `fab rollback`)" in run.out
    assert proj.state() == before


CORRUPT = {
    "truncated": '{\n  "version": "1.4.3",\n  "current": "1.4.2",\n  "tag": "1.4',
    "a list": '["1.4.3", "1.4.2"]',
    "a field of the wrong type": json.dumps({"version": "1.4.3", "current": "1.4.2",
                                             "tag": "1.4.3", "branch": "main",
                                             "done": "edit_history"}),
}


@pytest.mark.parametrize("how", list(CORRUPT))
def test_a_journal_that_cannot_be_read_stops_everything_until_set_aside(project, fab, pypi,
                                                                        how):
    proj = prepare(project, pypi)
    journal = journal_of(proj)
    journal.parent.mkdir(parents=True)
    journal.write_text(CORRUPT[how])
    before = proj.state()

    for args in (["release", "--yes", "--skip-docs", "--notes", "- Fixed it."],
                 ["release", "--resume"], ["rollback"]):
        run = fab(proj, *args)

        assert run.code == 1, run.out
        last = run.lines()[-1]
        assert last.startswith(f"✗ the release journal {journal} cannot be read ("), run.out
        assert "`fab rollback`" in last and "`fab release --discard-journal`" in last
        assert proj.state() == before and journal.read_text() == CORRUPT[how]
    assert "HEAD is on origin/main: no commit of a release is on top of it" in run.out

    if how == "truncated":
        aside = fab(proj, "rollback", "--discard-journal")
        assert aside.code == 0 and "nothing was undone" in aside.out, aside.out
        assert proj.state() == before
        run = fab(proj, "release", "--yes", "--skip-docs", "--notes", "- Fixed it.")
    else:
        run = fab(proj, "release", "--yes", "--skip-docs", "--notes", "- Fixed it.",
                  "--discard-journal")

    assert run.code == 0, run.out
    assert proj.tags() == [VERSION] and pypi.files() == EXPECTED
    [kept] = journal.parent.glob("journal.json.discarded-*")
    assert kept.read_text() == CORRUPT[how]


def test_rollback_names_the_files_an_interrupted_upload_left_on_the_index(project, fab, pypi):
    # The index stores the upload, and its answer never comes back.
    with closing(FlakyProxy(pypi.url, status=500, stall=600, deliver=True)) as proxy:
        proj = prepare(project, pypi)
        through(proxy, proj, pypi)
        before = proj.state()
        with started([FAB, "release", "--yes", "--skip-docs", "--notes", "- Fixed it."],
                     proj.path, {}) as proc:
            wait_for(lambda: pypi.files() != [], proc)
            os.killpg(proc.pid, signal.SIGKILL)
        there = pypi.files()

        run = fab(proj, "rollback")

    assert run.code == 0, run.out
    assert there and set(there) <= set(EXPECTED)
    assert "(indexes never delete; release a new version instead of re-releasing 1.4.3): " \
           f"{', '.join(there)}" in run.out, run.out
    assert proj.state() == before


def test_a_failed_upload_whose_file_reached_the_index_says_so(project, fab, pypi, editor):
    # The index stores the first file, and the answer that comes back is an error.
    with closing(FlakyProxy(pypi.url, status=500, deliver=True)) as proxy:
        proj = prepare(project, pypi)
        through(proxy, proj, pypi)
        before = proj.state()

        run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})
        there = pypi.files()
        rollback = fab(proj, "rollback")

    assert run.code == 1 and "--resume" in run.out, run.out
    assert len(there) == 1 and there[0] in EXPECTED
    assert f"all the same (indexes never delete): {there[0]} (" in run.lines()[-1], run.out
    assert rollback.code == 0, rollback.out
    assert f"re-releasing 1.4.3): {there[0]}" in rollback.out
    assert proj.state() == before
