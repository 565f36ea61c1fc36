"""Finding the history file where real projects keep it."""

from __future__ import annotations

import pytest

from release_tasks.changelog import discovery, history
from release_tasks.core.errors import HistoryError


@pytest.mark.parametrize(("name", "expected"), [
    ("HISTORY.rst", "rst"), ("CHANGELOG.md", "md"), ("CHANGES", "rst"), ("NEWS.txt", "md"),
])
def test_files_are_found_and_their_format_detected(tmp_path, name, expected):
    body = "# News\n\n## 1.0\n" if name == "NEWS.txt" else "News\n====\n"
    (tmp_path / name).write_text(body)
    found = discovery.find(tmp_path)
    assert found.name == name
    assert history.file_format(found, found.read_text()) == expected


def test_docs_changelog_is_found_and_configured_file_must_exist(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "changelog.rst").write_text("Changelog\n=========\n")
    assert discovery.find(tmp_path) == tmp_path / "docs" / "changelog.rst"
    with pytest.raises(HistoryError,
                       match=r"history file NEWS\.rst \(history_file\) does not exist"):
        discovery.find(tmp_path, "NEWS.rst")


@pytest.mark.parametrize("rel", [
    "docs/release-notes.md", "doc/versionhistory.rst", "docs/source/changes.rst",
    "docs/en/docs/release-notes.md", "NEWS", "docs/versions.txt", "doc/source/news.rst",
])
def test_history_files_where_projects_keep_them(tmp_path, rel):
    (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / rel).write_text("## 1.0.0\n\n- First.\n")
    assert discovery.find(tmp_path, current="1.0.0") == tmp_path / rel


def test_the_file_whose_headings_name_the_current_version_wins(tmp_path):
    (tmp_path / "CHANGES.rst").write_text("Changes\n=======\n\n0.1 (2010-01-01)\n----\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "changelog.rst").write_text(
        "Changelog\n=========\n\nVersion 2.1.5\n-------------\n\nReleased 2024-02-02\n")
    assert discovery.find(tmp_path, current="2.1.5") == tmp_path / "docs" / "changelog.rst"
    # Without the current version, the usual preference (root first) holds.
    assert discovery.find(tmp_path) == tmp_path / "CHANGES.rst"
    # A mention in the text is not a heading.
    (tmp_path / "CHANGES.rst").write_text("Changes\n=======\n\nsee 2.1.5 in docs\n")
    assert discovery.find(tmp_path, current="2.1.5") == tmp_path / "docs" / "changelog.rst"


def test_no_history_file_names_the_setting_and_the_flag(tmp_path):
    with pytest.raises(HistoryError) as err:
        discovery.find(tmp_path)
    assert "no history file found" in str(err.value)
    assert "history_file" in err.value.hint and "--skip-history" in err.value.hint


def test_no_history_file_but_notes_given_releases_with_the_notes_in_the_tag(project, fab):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    proj.commit("No history file here")

    run = fab(proj, "release", "--yes", "--skip-docs", "--notes", "- A real note.")

    assert run.code == 0, run.out
    assert "no history file; the --notes go into the tag message" in run.out
    assert proj.tags() == ["1.4.3"]
    assert "- A real note." in proj.git("tag", "-l", "--format=%(contents)", "1.4.3")
    assert not (proj.path / "CHANGELOG.md").exists()


def test_no_history_file_and_no_notes_names_the_fixes(project, fab):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    proj.commit("No history file here")

    run = fab(proj, "release", "--yes", "--skip-docs")

    assert run.code == 1
    assert "no history file found" in run.out
    assert "history_file" in run.out and "--skip-history" in run.out
