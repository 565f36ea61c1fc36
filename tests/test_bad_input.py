"""Bad input: a one-line error naming the problem and the fix, a non-zero exit, and the
repository exactly as it was."""

from __future__ import annotations

import pytest


def error_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("✗", "  - "))]


@pytest.mark.parametrize(("args", "expected"), [
    (["--part", "bogus"], "unknown version part 'bogus' (use one of: major, minor, patch"),
    (["--new-version", "banana"], "--new-version 'banana' does not match this project's "
                                  "version pattern"),
    (["--new-version", "1.0.0"], "new version 1.0.0 is not greater than the current 1.4.2"),
    (["--new-version", "1.4.2"], "new version 1.4.2 is not greater than the current 1.4.2"),
])
def test_bad_versions_are_refused_before_anything_changes(project, fab, editor, args,
                                                          expected):
    proj = project("modern")
    before = proj.state()

    run = fab(proj, "release", *args, "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert expected in run.out
    assert proj.state() == before
    assert not (proj.path / "dist").exists()


def test_missing_history_file(project, fab, editor):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    proj.commit("No changelog")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert "no history file found (looked for HISTORY, CHANGES, CHANGELOG and NEWS" in run.out
    assert "create HISTORY.rst or CHANGELOG.md, or set history_file" in run.out
    assert proj.state() == before


def test_no_bumpversion_config_and_no_version(project, fab, editor):
    proj = project("plain")
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        'version = "3.0.1"', 'dynamic = ["version"]'))
    proj.write("plainpkg/__init__.py", "")
    proj.commit("Dynamic version")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert "no bumpversion config and no version found" in run.out
    assert "[tool.bumpversion]" in run.out  # the hint says what to add
    assert proj.state() == before


def test_unknown_config_key_names_the_key_and_the_file(project, fab):
    proj = project("modern", tool_cfg='repositroy = "http://example.invalid/"\n')
    before = proj.state()

    run = fab(proj, "release", "--yes")

    assert run.code == 1
    lines = error_lines(run.out)
    assert lines == ["✗ unknown key 'repositroy' in pyproject.toml [tool.release_tasks] "
                     "(did you mean repository?)"]
    assert proj.state() == before


def test_unknown_key_in_setup_cfg(project, fab):
    proj = project("cookiecutter", tool_cfg="docs_targte = /tmp/x\n")

    run = fab(proj, "check")

    assert run.code == 1
    assert "unknown key 'docs_targte' in setup.cfg [release_tasks] (did you mean docs_target?)" \
        in run.out


def test_malformed_pyproject(project, fab):
    proj = project("modern")
    proj.write("pyproject.toml", proj.read("pyproject.toml") + "\n[tool.release_tasks\n")
    proj.commit("Broken TOML")
    before = proj.state()

    run = fab(proj, "release", "--yes")

    assert run.code == 1
    assert len(error_lines(run.out)) == 1
    assert "pyproject.toml is not valid TOML" in run.out
    assert proj.state() == before


def test_bad_boolean_value(project, fab):
    proj = project("cookiecutter", tool_cfg="push = perhaps\n")

    run = fab(proj, "check")

    assert run.code == 1
    assert "push = 'perhaps' in setup.cfg [release_tasks] is not a boolean (use true or false)" \
        in run.out


def test_not_a_git_repository(tmp_path, fab):
    folder = tmp_path / "nogit"
    folder.mkdir()
    (folder / "fabfile.py").write_text("from release_tasks import *\n")

    run = fab(folder, "release", "--yes")

    assert run.code == 1
    assert error_lines(run.out) == [
        f"✗ {folder} is not inside a git repository (run it from a git checkout of the package)"]
    assert not (folder / ".git").exists()


def test_editor_exiting_non_zero_restores_the_history_file(project, fab, editor):
    proj = project("modern")
    before = proj.state()
    history = proj.read("CHANGELOG.md")

    run = fab(proj, "release", "--yes", env={"EDITOR": editor(status=3)})

    assert run.code == 1
    assert (proj.path.parent / "CHANGELOG.md.opened").exists()  # the editor really ran
    assert "edit_history failed: the editor" in run.out and "exited with status 3" in run.out
    assert "fix the editor, or pass --notes" in run.out
    assert proj.read("CHANGELOG.md") == history
    assert proj.state() == before


def test_a_section_left_empty_aborts_and_restores(project, fab, editor):
    proj = project("cookiecutter")
    before = proj.state()
    history = proj.read("HISTORY.rst")

    run = fab(proj, "release", "--yes", env={"EDITOR": editor(touch=False)})

    assert run.code == 1
    assert "the 0.2.1 section of HISTORY.rst is empty (" in run.out
    assert (proj.path.parent / "HISTORY.rst.opened").exists()
    assert proj.read("HISTORY.rst") == history
    assert proj.state() == before


def test_empty_notes_are_refused(project, fab):
    proj = project("modern")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--notes", "  ")

    assert run.code == 1
    assert "the release notes given are empty" in run.out
    assert proj.state() == before


def test_no_editor_and_no_notes(project, fab):
    proj = project("modern")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": "no-such-editor-anywhere"})

    assert run.code == 1
    assert "the editor 'no-such-editor-anywhere' is not installed and no --notes given" in run.out
    assert proj.state() == before


def test_dirty_tree_is_refused_and_the_changes_are_kept(project, fab, editor):
    proj = project("modern")
    proj.write("modernpkg/__init__.py", proj.read("modernpkg/__init__.py") + "# my work\n")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert "uncommitted changes in modernpkg/__init__.py (commit or stash your changes first" \
        in run.out
    assert proj.state() == before
    assert proj.read("modernpkg/__init__.py").endswith("# my work\n")


def test_existing_tag_is_refused(project, fab, editor):
    proj = project("modern")
    proj.git("tag", "1.4.3")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert "tag 1.4.3 already exists (pick another version with --part/--new-version" in run.out
    assert proj.state() == before


def test_every_problem_is_listed_at_once(project, fab):
    proj = project("modern", tool_cfg='release_branch = "stable"\n')
    proj.git("tag", "1.4.3")
    proj.write("README.md", "# changed\n")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": "no-such-editor-anywhere"})

    assert run.code == 1
    assert "4 problems found before anything changed:" in run.out
    problems = [line for line in run.out.splitlines() if line.startswith("  - ")]
    assert len(problems) == 4
    text = "\n".join(problems)
    for expected in ("uncommitted changes in README.md", "tag 1.4.3 already exists",
                     "releases are made from stable", "is not installed and no --notes"):
        assert expected in text
    assert proj.state() == before
