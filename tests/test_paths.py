"""Nothing is written outside the repository: every file the release writes or bumps must
be a tracked regular file of the work tree (a link to another tracked file is followed),
and the name it publishes is a valid one, all checked before anything changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SKIP = ("--skip-docs", "--skip-upload", "--skip-notify")


def problems(out: str) -> list[str]:
    return [line[4:] for line in out.splitlines() if line.startswith("  - ")]


def link(proj, rel: str, target: Path | str) -> None:
    """Replace ``rel`` in the repository by a committed symbolic link to ``target``."""
    path = proj.path / rel
    if path.is_symlink() or path.is_file():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    proj.commit(f"Link {rel}")


def outside(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "elsewhere" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_refused(fab, proj, victim: Path, named: str) -> None:
    """``fab check`` and ``fab release`` both stop on it, name it, and change nothing."""
    before, original = proj.state(), victim.read_bytes()

    check = fab(proj, "check", env={"EDITOR": "true"})
    assert check.code != 0, check.out
    assert any(named in p for p in problems(check.out)), check.out

    run = fab(proj, "release", "--yes", "--notes", "x", *SKIP, env={"EDITOR": "true"})
    assert run.code != 0, run.out
    assert any(named in p for p in problems(run.out)), run.out
    assert victim.read_bytes() == original
    assert proj.state() == before
    assert proj.tags() == []


def test_a_history_file_linked_outside_the_repository_is_refused(project, fab, tmp_path):
    proj = project("cookiecutter")
    victim = outside(tmp_path, "passwd", proj.read("HISTORY.rst"))
    link(proj, "HISTORY.rst", victim)

    assert_refused(fab, proj, victim, "HISTORY.rst")


@pytest.mark.parametrize("layout", ["modern", "plain"])
def test_a_version_file_linked_outside_the_repository_is_refused(project, fab, tmp_path,
                                                                 layout):
    proj = project(layout)
    rel = f"{proj.module}/__init__.py"
    victim = outside(tmp_path, "__init__.py", proj.read(rel))
    link(proj, rel, victim)

    assert_refused(fab, proj, victim, rel)


def test_a_history_file_in_a_folder_linked_outside_is_refused(project, fab, tmp_path):
    proj = project("modern")
    victim = outside(tmp_path, "changelog.md", proj.read("CHANGELOG.md"))
    proj.git("rm", "-q", "-r", "CHANGELOG.md", "docs")
    proj.commit("Keep the changelog in docs/")
    link(proj, "docs", victim.parent)

    assert_refused(fab, proj, victim, "docs/changelog.md")


def test_an_untracked_history_file_is_refused(project, fab):
    proj = project("modern", tool_cfg='history_file = "NOTES.md"\n')
    proj.write("NOTES.md", proj.read("CHANGELOG.md"))  # never added to git

    assert_refused(fab, proj, proj.path / "NOTES.md", "NOTES.md is not tracked by git")


def test_a_history_file_linked_to_a_tracked_file_is_written_through(project, fab):
    proj = project("modern")
    proj.git("mv", "CHANGELOG.md", "CHANGES.md")
    proj.commit("Rename the changelog")
    proj.git("mv", "CHANGES.md", "docs/changelog.md")
    proj.commit("Keep the changelog with the docs")
    link(proj, "CHANGES.md", "docs/changelog.md")
    start = proj.head()

    run = fab(proj, "release", "--yes", "--notes", "- Linked.", *SKIP)

    assert run.code == 0, run.out
    text = proj.read("docs/changelog.md")
    assert "## 1.4.3 (" in text and "- Linked." in text
    assert (proj.path / "CHANGES.md").is_symlink()
    assert os.readlink(proj.path / "CHANGES.md") == "docs/changelog.md"
    changed = proj.git("diff", "--name-only", start, "HEAD").split()
    assert "docs/changelog.md" in changed and "CHANGES.md" not in changed
    assert proj.git("status", "--porcelain") == ""
    assert proj.tags() == ["1.4.3"]


def test_a_linked_history_file_is_restored_through_the_link(project, fab, editor):
    proj = project("modern")
    proj.git("mv", "CHANGELOG.md", "docs/changelog.md")
    proj.commit("Keep the changelog with the docs")
    link(proj, "CHANGES.md", "docs/changelog.md")
    before = proj.state()

    run = fab(proj, "release", "--yes", *SKIP, env={"EDITOR": editor(status=1)})

    assert run.code == 1 and "edit_history failed" in run.out, run.out
    assert proj.state() == before
    assert (proj.path / "CHANGES.md").is_symlink()


def test_a_version_file_linked_to_a_tracked_file_is_bumped_through(project, fab):
    proj = project("modern")
    proj.git("mv", "modernpkg/__init__.py", "modernpkg/about.py")
    proj.commit("Keep the version in about.py")
    link(proj, "modernpkg/__init__.py", "about.py")
    start = proj.head()

    run = fab(proj, "release", "--yes", "--notes", "- Linked.", *SKIP)

    assert run.code == 0, run.out
    assert '__version__ = "1.4.3"' in proj.read("modernpkg/about.py")
    assert (proj.path / "modernpkg/__init__.py").is_symlink()
    changed = proj.git("diff", "--name-only", start, "HEAD").split()
    assert "modernpkg/about.py" in changed and "modernpkg/__init__.py" not in changed
    assert proj.git("status", "--porcelain") == ""


TOWNCRIER = """
[tool.towncrier]
directory = "changelog.d"
filename = "NEWS.rst"
"""


def test_a_towncrier_fragment_folder_linked_outside_is_refused(project, fab, tmp_path):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    proj.write("pyproject.toml", proj.read("pyproject.toml") + TOWNCRIER)
    proj.write("NEWS.rst", "Release history\n===============\n\n"
                           ".. towncrier release notes start\n")
    proj.commit("Use towncrier")
    victim = outside(tmp_path, "12.feature.md", "Frobnicate faster.\n")
    link(proj, "changelog.d", victim.parent)

    assert_refused(fab, proj, victim, "changelog.d")
    assert sorted(p.name for p in victim.parent.iterdir()) == ["12.feature.md"]


@pytest.mark.parametrize("dangling", [False, True])
def test_a_planted_kept_notes_link_is_never_followed(project, fab, editor, tmp_path, dangling):
    proj = project("modern")
    proj.write("setup.py", "this is not python\n")  # only the build sees it
    proj.commit("Break the build")
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    if not dangling:
        victim.write_text("precious\n")
    state = proj.path / ".git" / "release_tasks"
    state.mkdir()
    (state / "notes-1.4.3.txt").symlink_to(victim)
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs", "--skip-upload",
              env={"EDITOR": editor("- The words I typed.")})

    assert run.code == 1, run.out
    assert any("notes-1.4.3.txt is a symbolic link" in p for p in problems(run.out)), run.out
    if dangling:
        assert not victim.exists()
    else:
        assert victim.read_text() == "precious\n"
    assert proj.state() == before
    assert proj.tags() == []


@pytest.mark.parametrize("name", ["paquête", "-bad-"])
def test_an_invalid_project_name_is_refused_before_anything_changes(project, fab, name):
    proj = project("modern")
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        'name = "modernpkg"', f'name = "{name}"'))
    proj.commit("Rename the project")
    before = proj.state()

    check = fab(proj, "check", env={"EDITOR": "true"})
    assert check.code != 0, check.out
    assert any(repr(name) in p and "pyproject.toml" in p for p in problems(check.out)), \
        check.out

    run = fab(proj, "release", "--yes", "--notes", "x", *SKIP)
    assert run.code != 0, run.out
    assert any(repr(name) in p for p in problems(run.out)), run.out
    assert proj.state() == before
    assert proj.tags() == []
