"""Scenarios: file names git would quote (spaces, accents, brackets) in a real repository."""

from __future__ import annotations

from release_tasks.core.config import Config
from release_tasks.core.ui import Ui
from release_tasks.pipeline.assembly import assemble
from release_tasks.steps.base import CommitStep
from release_tasks.vcs import git

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
