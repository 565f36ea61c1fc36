"""Scenarios: file names git would quote (spaces, accents, brackets) in a real repository."""

from __future__ import annotations

from release_tasks.core.config import Config
from release_tasks.core.ui import Ui
from release_tasks.pipeline.assembly import assemble
from release_tasks.steps.base import CommitStep
from release_tasks.vcs import editor, git, memo

NAMES = ["a b.txt", "é.txt", "[draft].md", "docs/notes *1*.rst"]


class Edit(CommitStep):
    name = "edit"


def with_odd_names(project):
    proj = project("modern")
    for name in [*NAMES, "d.md"]:  # d.md: what "[draft].md" would match as a pattern
        proj.write(name, f"{name}: committed\n")
    proj.commit("Files git quotes")
    for name in NAMES:
        proj.write(name, f"{name}: edited\n")
    return proj


def test_dirty_files_commit_and_restore_use_the_names_as_they_are(project):
    proj = with_odd_names(project)

    assert sorted(git.dirty_files(proj.path)) == sorted(NAMES)

    sha = git.commit(proj.path, NAMES[:2], "Commit two of them")
    assert proj.git("show", "--format=", "--name-only", "-z", sha).split("\0")[:-1] == \
        sorted(NAMES[:2])
    assert sorted(git.dirty_files(proj.path)) == sorted(NAMES[2:])

    rel = assemble(proj.path, Config(), Ui(quiet=True))
    restored = Edit().restore(rel, NAMES)

    assert sorted(restored) == sorted(NAMES[2:])
    assert git.dirty_files(proj.path) == []
    assert proj.read("[draft].md") == "[draft].md: committed\n"
    assert proj.read("d.md") == "d.md: committed\n"
    assert proj.read("a b.txt") == "a b.txt: edited\n"  # committed above, so kept


def test_a_renamed_file_counts_under_both_names(project):
    proj = with_odd_names(project)
    proj.git("checkout", "--", ".")
    proj.git("mv", "a b.txt", "c d.txt")

    assert sorted(git.dirty_files(proj.path)) == ["a b.txt", "c d.txt"]


def test_fab_check_names_each_uncommitted_file_as_it_is_called(project, fab):
    proj = with_odd_names(project)

    run = fab(proj, "check")

    assert run.code != 0, run.out
    line = next(x for x in run.lines() if "uncommitted changes in" in x)
    for name in NAMES:
        assert name in line, line
    assert '"' not in line and "\\303" not in line, line


# --- answers asked once in a run (vcs.memo) -------------------------------------------------


def test_within_a_run_a_commit_made_through_git_is_seen_by_the_next_read(project):
    proj = project("modern")
    with memo.remembering():
        before = git.head(proj.path)
        assert git.head(proj.path) == before  # kept
        proj.write("new.txt", "new\n")
        git.run_git(proj.path, "add", "--", "new.txt")
        sha = git.commit(proj.path, ["new.txt"], "Add new.txt")

        assert sha != before
        assert git.head(proj.path) == sha == proj.git("rev-parse", "HEAD").strip()


def test_within_a_run_a_commit_the_editor_made_is_seen_after_it(project, tmp_path,
                                                                 monkeypatch):
    proj = project("modern")
    script = tmp_path / "commits.sh"
    script.write_text('#!/bin/sh\necho "- edited" >> "$1"\n'
                      'git -C "$(dirname "$1")" commit -qam "Made in the editor"\n')
    script.chmod(0o755)
    with memo.remembering():
        before = git.head(proj.path)
        monkeypatch.setenv("GIT_EDITOR", str(script))
        editor.edit(proj.path, proj.path / "CHANGELOG.md")

        after = git.head(proj.path)
    assert after != before
    assert after == proj.git("rev-parse", "HEAD").strip()
    assert proj.git("log", "-1", "--format=%s").strip() == "Made in the editor"


def test_within_a_run_a_tag_made_by_someone_else_is_seen_after_a_prompt(project):
    proj = project("modern")
    with memo.remembering():
        assert not git.tag_exists(proj.path, "9.9.9")
        proj.git("tag", "9.9.9")
        assert not git.tag_exists(proj.path, "9.9.9")  # kept: no prompt in between
        memo.forget()  # what the run does after a question waited for the user

        assert git.tag_exists(proj.path, "9.9.9")
