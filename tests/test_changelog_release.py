"""Scenarios: releasing with each changelog format, twice in a row, with the real `fab`,
real git repositories and the real towncrier. The second release must find what the
first one left exactly right."""

from __future__ import annotations

import textwrap

import pytest

from .test_failures import hook

SKIP = ("--skip-docs", "--skip-upload")
KAC = """\
# Changelog
All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).

## [Unreleased]

### Added

- A `--frob` flag.

## [1.4.2] - 2025-01-02

### Fixed

- Fixed a thing.

{links}"""


def release(fab, proj, *args, **env):
    return fab(proj, "release", "--yes", *SKIP, *args, env={"EDITOR": "true", **env})


def tagged(proj, tag):
    proj.git("tag", "-a", tag, "-m", f"Release {tag}")


@pytest.mark.parametrize(("host", "tag"), [
    ("https://github.com/o/modernpkg/compare/", "v{}"),
    ("https://gitlab.com/g/modernpkg/-/compare/", "{}"),
])
def test_keep_a_changelog_released_twice(project, fab, host, tag):
    proj = project("modern")
    links = (f"[unreleased]: {host}{tag.format('1.4.2')}...HEAD\n"
             f"[1.4.2]: {host}{tag.format('1.0.0')}...{tag.format('1.4.2')}\n")
    proj.write("CHANGELOG.md", KAC.format(links=links))
    proj.commit("Keep a changelog")
    tagged(proj, tag.format("1.4.2"))

    first = release(fab, proj)
    assert first.code == 0, first.out
    proj.write("modernpkg/names.py", "SPACES = True\n")
    proj.commit("fix(names): handle spaces")
    proj.write("modernpkg/names.py", "SPACES = 2\n")
    proj.commit("Merge branch 'names'")  # a subject like a merge's is still a change
    # CI, no editor chosen: the draft from git is released as it is.
    second = fab(proj, "release", "--yes", *SKIP, env={"CI": "true"})
    assert second.code == 0, second.out
    assert "drafted from 2 commit(s)" in second.out

    v = tag.format
    assert proj.read("CHANGELOG.md") == KAC.split("## [Unreleased]")[0] + textwrap.dedent(f"""\
        ## [Unreleased]

        ## [1.4.4] - {today(proj)}

        ### Fixed

        - Handle spaces (names).

        ### Changed

        - Merge branch 'names'.

        ## [1.4.3] - {today(proj)}

        ### Added

        - A `--frob` flag.

        ## [1.4.2] - 2025-01-02

        ### Fixed

        - Fixed a thing.

        [unreleased]: {host}{v('1.4.4')}...HEAD
        [1.4.4]: {host}{v('1.4.3')}...{v('1.4.4')}
        [1.4.3]: {host}{v('1.4.2')}...{v('1.4.3')}
        [1.4.2]: {host}{v('1.0.0')}...{v('1.4.2')}
        """).replace("### Fixed\n\n- Handle spaces (names).\n\n### Changed\n\n- Merge branch "
                     "'names'.", "### Changed\n\n- Merge branch 'names'.\n\n### Fixed\n\n"
                     "- Handle spaces (names).")
    assert proj.tags() == sorted([v("1.4.2"), v("1.4.3"), v("1.4.4")])
    message = proj.git("tag", "-l", "--format=%(contents)", v("1.4.4"))
    assert message.startswith("Release 1.4.4\n\n### Changed\n\n- Merge branch 'names'.")
    assert proj.git("status", "--porcelain") == ""


def today(proj) -> str:
    return proj.git("log", "-1", "--format=%cs")


def test_nothing_since_the_last_tag_is_a_preflight_problem(project, fab):
    proj = project("modern")
    tagged(proj, "v1.4.2")
    before = proj.state()
    run = release(fab, proj)
    assert run.code == 1
    assert "nothing to release since v1.4.2" in run.out
    assert proj.state() == before


TOWNCRIER = """
[tool.towncrier]
directory = "changelog.d"
filename = "NEWS.rst"
issue_format = "`#{issue} <https://github.com/o/modernpkg/issues/{issue}>`_"
"""
NEWS = """\
Release history
===============

.. towncrier release notes start

1.4.2 (2025-01-02)
==================

Bugfixes
--------

- Fixed a thing.
"""


def towncrier_project(project, fragments: dict[str, str]):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    proj.write("pyproject.toml", proj.read("pyproject.toml") + TOWNCRIER)
    proj.write("NEWS.rst", NEWS)
    proj.write("changelog.d/.gitkeep", "")
    for name, text in fragments.items():
        proj.write(f"changelog.d/{name}", text)
    proj.commit("Use towncrier")
    tagged(proj, "v1.4.2")
    return proj


def test_towncrier_released_twice_with_fragments_then_notes(project, fab, receiver):
    proj = towncrier_project(project, {"12.feature.md": "Frobnicate faster.\n",
                                       "13.bugfix.md": "Fix the widget.\n"})
    dry = fab(proj, "release", "--dry-run", *SKIP, env={"EDITOR": "true"})
    assert "│ - Frobnicate faster. (`#12 <https://github.com/o/modernpkg/issues/12>`_)" \
        in dry.out, dry.out

    first = release(fab, proj)
    assert first.code == 0, first.out
    assert sorted(p.name for p in (proj.path / "changelog.d").iterdir()) == [".gitkeep"]
    assert "D\tchangelog.d/12.feature.md" in proj.git("show", "--name-status", "HEAD~1")
    sent = fab(proj, "notify_slack", "1.4.3", env={"SLACK_WEBHOOK_URL": receiver.url})
    assert sent.code == 0, sent.out
    assert "Frobnicate faster." in receiver.payloads()[0]["text"]

    proj.write("modernpkg/extra.py", "X = 1\n")
    proj.commit("Add extra")
    second = release(fab, proj, "--notes", "Works on Python 3.14.")
    assert second.code == 0, second.out

    date = today(proj)
    assert proj.read("NEWS.rst") == NEWS.replace(".. towncrier release notes start\n\n", f"""\
.. towncrier release notes start

modernpkg 1.4.4 ({date})
============================

Features
--------

- Works on Python 3.14.


modernpkg 1.4.3 ({date})
============================

Features
--------

- Frobnicate faster. (`#12 <https://github.com/o/modernpkg/issues/12>`_)


Bugfixes
--------

- Fix the widget. (`#13 <https://github.com/o/modernpkg/issues/13>`_)


""")
    assert proj.git("status", "--porcelain") == ""
    assert "Works on Python 3.14." in proj.git("tag", "-l", "--format=%(contents)", "v1.4.4")


def test_towncrier_drafts_from_commits_and_makes_a_missing_fragment_folder(project, fab):
    proj = towncrier_project(project, {})
    proj.write("modernpkg/extra.py", "X = 1\n")
    proj.commit("feat: add the extra module (#41)")
    proj.write("modernpkg/extra.py", "X = 2\n")
    proj.commit("fix: extra is two")

    drafted = release(fab, proj)

    assert drafted.code == 0, drafted.out
    date = today(proj)
    assert proj.read("NEWS.rst").startswith(NEWS.split(".. towncrier")[0] + f"""\
.. towncrier release notes start

modernpkg 1.4.3 ({date})
============================

Features
--------

- Add the extra module. (`#41 <https://github.com/o/modernpkg/issues/41>`_)


Bugfixes
--------

- Extra is two.


1.4.2 (2025-01-02)
""")
    assert sorted(p.name for p in (proj.path / "changelog.d").iterdir()) == [".gitkeep"]

    proj.write("pyproject.toml", proj.read("pyproject.toml").replace('"changelog.d"', '"news"'))
    proj.commit("Point towncrier elsewhere")
    noted = release(fab, proj, "--notes", "fix: Works on Python 3.14 (#7)")

    assert noted.code == 0, noted.out
    assert f"""\
modernpkg 1.4.4 ({date})
============================

Bugfixes
--------

- Works on Python 3.14 (`#7 <https://github.com/o/modernpkg/issues/7>`_)
""" in proj.read("NEWS.rst")
    assert not (proj.path / "news").exists()  # made for the notes, gone with them
    assert proj.git("status", "--porcelain") == ""


def test_rollback_brings_the_fragments_back(project, fab, editor):
    proj = towncrier_project(project, {"12.feature.md": "Frobnicate faster.\n"})
    before = proj.state()
    failed = release(fab, proj, EDITOR=editor(status=1))
    assert failed.code == 1 and "edit_history failed" in failed.out
    assert proj.state() == before
    refuse = hook(proj.path / ".git/hooks", "pre-commit",
                  "git diff --cached --name-only | grep -q pyproject.toml && exit 1\nexit 0\n")
    failed = release(fab, proj)
    assert "bump failed" in failed.out and "removed the edit_history commit" in failed.out
    assert proj.state() == before
    assert proj.read("changelog.d/12.feature.md") == "Frobnicate faster.\n"
    refuse.unlink()


def test_plain_history_drafted_from_git_twice(project, fab):
    proj = project("cookiecutter")
    tagged(proj, "0.2.0")
    proj.write("cookiepkg/cli.py", "A = 1\n")
    proj.commit("feat(cli): add a command line")
    proj.write("cookiepkg/cli.py", "A = 2\n")
    proj.commit("Fix the exit code")
    first = fab(proj, "release", "--yes", *SKIP, env={"CI": "true"})
    assert first.code == 0, first.out
    proj.write("cookiepkg/cli.py", "A = 3\n")
    proj.commit("docs: explain the flags")
    second = fab(proj, "release", "--yes", *SKIP, env={"CI": "true"})
    assert second.code == 0, second.out
    date = today(proj)
    text = proj.read("HISTORY.rst")
    assert f"""\
History
-------

0.2.2 ({date})
++++++++++++++++++

* Explain the flags.

0.2.1 ({date})
++++++++++++++++++

* Add a command line (cli).
* Fix the exit code.

0.2.0 (2024-02-01)
""" in text, text
    assert proj.tags() == ["0.2.0", "0.2.1", "0.2.2"]


@pytest.mark.parametrize(("layout", "subjects", "header"), [
    ("modern", ["feat!: new API", "fix: x"], "1.4.2 → 2.0.0 (version from pyproject.toml "
     "[tool.bumpversion]) · major: 1 breaking change since v1.4.2"),
    ("cookiecutter", ["fix: x\n\nBREAKING CHANGE: y"], "0.2.0 → 0.3.0 (version from setup.cfg "
     "[bumpversion]) · minor: 1 breaking change since v0.2.0 (major 0)"),
    ("modern", ["feat: a", "feat(x): b", "fix: c"], "1.4.2 → 1.5.0 (version from "
     "pyproject.toml [tool.bumpversion]) · minor: 2 feat commits since v1.4.2"),
    ("modern", ["Tidy up"], "1.4.2 → 1.4.3 (version from pyproject.toml [tool.bumpversion]) · "
     "patch: 1 commit since v1.4.2, no feat or breaking"),
])
def test_part_auto_from_the_commits(project, fab, layout, subjects, header):
    proj = project(layout, tool_cfg="" if layout == "cookiecutter" else 'part = "auto"\n')
    tagged(proj, "v" + ("0.2.0" if layout == "cookiecutter" else "1.4.2"))
    for n, subject in enumerate(subjects):
        proj.write(f"change{n}.txt", subject)
        proj.commit(subject)
    args = ("--part", "auto") if layout == "cookiecutter" else ()
    run = fab(proj, "release", "--dry-run", *args, *SKIP, env={"EDITOR": "true"})
    assert run.code == 0, run.out
    assert header in run.lines()[0]


def test_scriv_released_twice_with_fragments_then_notes(project, fab):
    proj = project("modern")
    proj.write("pyproject.toml", proj.read("pyproject.toml")
               + '\n[tool.scriv]\nformat = "md"\nmd_header_level = "2"\n')
    proj.write("CHANGELOG.md", "# Changelog\n\n<!-- scriv-insert-here -->\n\n"
               "## 1.4.2 — 2025-01-02\n\n- Fixed a thing.\n")
    proj.write("changelog.d/20261201_frob.md", "### Added\n\n- Frob.\n")
    proj.commit("Use scriv")
    tagged(proj, "v1.4.2")
    first = release(fab, proj)
    assert first.code == 0, first.out
    assert not (proj.path / "changelog.d/20261201_frob.md").exists()
    nothing = release(fab, proj)
    assert "nothing to release since v1.4.3" in nothing.out or \
        "no changelog fragments in changelog.d/" in nothing.out, nothing.out
    proj.write("modernpkg/extra.py", "X = 1\n")
    proj.commit("Add extra")
    second = release(fab, proj, "--notes", "- Given notes.")
    assert second.code == 0, second.out
    date = today(proj)
    assert proj.read("CHANGELOG.md") == f"""\
# Changelog

<!-- scriv-insert-here -->

<a id='changelog-1.4.4'></a>
## 1.4.4 — {date}

- Given notes.

<a id='changelog-1.4.3'></a>
## 1.4.3 — {date}

### Added

- Frob.

## 1.4.2 — 2025-01-02

- Fixed a thing.
"""
    assert proj.git("status", "--porcelain") == ""


def test_notes_written_on_top_move_under_the_new_heading(project, fab):
    proj = project("cookiecutter")
    history = proj.read("HISTORY.rst")
    proj.write("HISTORY.rst", history.replace("0.2.0 (2024-02-01)\n",
                                              "* Pending fix.\n\n0.2.0 (2024-02-01)\n"))
    proj.commit("Note a fix")
    tagged(proj, "0.2.0")
    run = release(fab, proj, "--notes", "Given note.")
    assert run.code == 0, run.out
    date = today(proj)
    assert proj.read("HISTORY.rst") == history.replace("0.2.0 (2024-02-01)\n", f"""\
0.2.1 ({date})
++++++++++++++++++

* Pending fix.
* Given note.

0.2.0 (2024-02-01)
""")
    message = proj.git("tag", "-l", "--format=%(contents)", "0.2.1")
    assert message.startswith("Release 0.2.1\n\n* Pending fix.\n* Given note."), message


def test_an_unreleased_heading_that_names_its_version_decides_it(project, fab):
    proj = project("plain")
    proj.write("CHANGES.rst", proj.read("CHANGES.rst").replace("3.0.2 (unreleased)",
                                                               "3.1.0 (unreleased)"))
    proj.commit("Plan 3.1.0")
    before = proj.state()
    refused = fab(proj, "check", "--part", "major")
    assert refused.code == 1
    assert "--part major makes 4.0.0, but CHANGES.rst names 3.1.0 in its unreleased section " \
           "(drop --part to release 3.1.0, or rename that section)" in refused.out, refused.out
    assert proj.state() == before

    run = release(fab, proj, "--notes", "- Also this.")
    assert run.code == 0, run.out
    assert "3.0.1 → 3.1.0" in run.lines()[0]
    title = f"3.1.0 ({today(proj)})"
    assert proj.read("CHANGES.rst") == f"""\
Changelog
=========

{title}
{'-' * len(title)}

- Made it plainer.
- Also this.


3.0.1 (2023-03-04)
------------------

- Initial release.
"""
    assert proj.tags() == ["3.1.0"]
    assert 'version = "3.1.0"' in proj.read("pyproject.toml")


def test_a_readme_changelog_section_is_written(project, fab):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    readme = ("# modernpkg\n\nA modern package.\n\n## Changelog\n\n### 1.4.2 (2025-01-02)\n\n"
              "- Fixed a thing.\n\n## License\n\nMIT\n")
    proj.write("README.md", readme)
    proj.commit("Keep the changelog in the README")
    tagged(proj, "v1.4.2")
    run = release(fab, proj, "--notes", "Works on Python 3.14.")
    assert run.code == 0, run.out
    assert proj.read("README.md") == readme.replace(
        "### 1.4.2", f"### 1.4.3 ({today(proj)})\n\n- Works on Python 3.14.\n\n### 1.4.2")
    assert "Update README.md for 1.4.3" in proj.git("log", "--format=%s")


def test_release_notes_named_by_the_docs_toctree_are_written(project, fab):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    index = proj.read("docs/index.rst")
    proj.write("docs/index.rst", index + "   Release notes <topics/releases>\n")
    notes = "Release notes\n=============\n\n1.4.2 (2025-01-02)\n------------------\n\n- Fixed.\n"
    proj.write("docs/topics/releases.rst", notes)
    proj.commit("Release notes in the docs")
    tagged(proj, "v1.4.2")
    run = release(fab, proj, "--notes", "- Faster.")
    assert run.code == 0, run.out
    assert proj.read("docs/topics/releases.rst") == notes.replace(
        "1.4.2 (2025-01-02)", f"1.4.3 ({today(proj)})\n------------------\n\n- Faster.\n\n"
        "1.4.2 (2025-01-02)")


def test_a_releases_extension_changelog_beside_its_conf_py(project, fab):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    proj.write("sites/www/conf.py", "extensions = ['releases']\n")
    changelog = ("=========\nChangelog\n=========\n\n"
                 "- :bug:`-` Check for ``None`` members when closing the channel.\n"
                 "- :release:`1.4.2 <2025-01-02>`\n- :feature:`982` Add AES-GCM ciphers.\n")
    proj.write("sites/www/changelog.rst", changelog)
    proj.commit("Use releases")
    tagged(proj, "v1.4.2")
    run = release(fab, proj)
    assert run.code == 0, run.out
    assert proj.read("sites/www/changelog.rst") == changelog.replace(
        "- :bug:", f"- :release:`1.4.3 <{today(proj)}>`\n- :bug:")
    message = proj.git("tag", "-l", "--format=%(contents)", "v1.4.3")
    assert "- :bug:`-` Check for ``None`` members when closing the channel." in message
