"""Changelog formats on excerpts of real history files: the new section copies the file's
newest entry, Keep a Changelog keeps its Unreleased section and link block right, and the
draft from git reads like a changelog."""

from __future__ import annotations

import textwrap

import pytest

from release_tasks.changelog import commits, discovery, formats, history, plain, unreleased
from release_tasks.changelog.base import Entry
from release_tasks.changelog.commits import Commit
from release_tasks.changelog.keepachangelog import KeepAChangelog
from release_tasks.core.errors import HistoryError

DATE = "2026-12-02"

# click 8.1.7, CHANGES.rst (Pallets' style: "Version X.Y.Z" and a "Released" line).
CLICK = """\
.. currentmodule:: click

Version 8.1.7
-------------

Released 2023-08-17

-   Fix issue with regex flags in shell completion. :issue:`2581`
-   Bash version detection issues a warning instead of an error. :issue:`2574`


Version 8.1.6
-------------

Released 2023-07-18

-   Fix an issue with type hints for ``@click.group()``. :issue:`2558`
"""

# attrs 23.2.0, CHANGELOG.md (linked versions).
ATTRS = """\
# Changelog

Versions follow [CalVer](https://calver.org) with a strict backwards-compatibility policy.

<!-- towncrier release notes start -->

## [23.2.0](https://github.com/python-attrs/attrs/tree/23.2.0) - 2023-12-31

### Changes

- The type annotation for `attrs.resolve_types()` is now correct.
  [#1141](https://github.com/python-attrs/attrs/issues/1141)
"""

# fastapi 0.110.0, docs/en/docs/release-notes.md (no dates; "Latest Changes" on top).
FASTAPI = """\
# Release Notes

## Latest Changes

## 0.110.0

### Breaking Changes

* 🐛 Fix unhandled growing memory for internal server errors. PR
  [#11191](https://github.com/tiangolo/fastapi/pull/11191) by [@tiangolo](https://github.com/tiangolo).
"""

# httpx 0.27.0, CHANGELOG.md (ordinal dates, keepachangelog.com reference, no Unreleased).
HTTPX = """\
# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/).

## 0.27.0 (21st February, 2024)

### Deprecated

* The `app=...` shortcut has been deprecated. (#3050)
"""

# A mod's changes list: bold versions standing for headings.
BOLD = """\
**4.3.0**
- Added a new block : "System Clock" that displays the real-life clock time

**4.2.3**
- Now the ShipStatus disappear when the ship is destroyed
"""

# requests 2.31.0, HISTORY.md (setext headings in Markdown).
REQUESTS = """\
Release History
===============

dev
---

2.31.0 (2023-05-22)
-------------------

**Security**

- Versions of Requests between v2.3.0 and v2.30.0 are vulnerable to potential
  forwarding of `Proxy-Authorization` headers to destination servers.
"""


@pytest.mark.parametrize(("text", "fmt", "version", "expected"), [
    (CLICK, "rst", "8.1.8",
     "Version 8.1.8\n-------------\n\nReleased 2026-12-02\n\n-   Note.\n\nVersion 8.1.7\n"),
    (ATTRS, "md", "24.1.0",
     "## [24.1.0](https://github.com/python-attrs/attrs/tree/24.1.0) - 2026-12-02\n\n"
     "-   Note.\n\n## [23.2.0]"),
    (FASTAPI, "md", "0.110.1",
     "## Latest Changes\n\n## 0.110.1\n\n-   Note.\n\n## 0.110.0\n"),
    (HTTPX, "md", "0.28.0", "## 0.28.0 (2nd December, 2026)\n\n-   Note.\n\n## 0.27.0"),
    (BOLD, "md", "4.4.0", "**4.4.0**\n\n-   Note.\n\n**4.3.0**\n"),
    (REQUESTS, "md", "2.32.0",
     "2.32.0 (2026-12-02)\n-------------------\n\n-   Note.\n\n2.31.0 (2023-05-22)"),
    ("# Changes\n\n## v1.1.0\n\n- Old.\n", "md", "1.2.0", "## v1.2.0\n\n-   Note.\n\n## v1.1.0"),
    ("Changes\n=======\n\n1.1.0 - 2026-01-02\n------------------\n\n- Old.\n", "rst", "2.0.0rc1",
     "2.0.0rc1 - 2026-12-02\n---------------------\n\n-   Note.\n\n1.1.0 - 2026-01-02"),
    ("# Changes\n\n## 1.1.0 (2026-01-02)\n\n- Old.\n", "md", "1.2.0",
     "## 1.2.0 (2026-12-02)\n\n-   Note.\n\n## 1.1.0 (2026-01-02)"),
])
def test_the_new_heading_copies_the_newest_dated_entry(text, fmt, version, expected):
    assert expected in plain.add_section(text, fmt, version, DATE, "-   Note.")


# anyio's docs/versionhistory.rst: bold lines for headings, the next release's "**UNRELEASED**".
ANYIO = """\
Version history
===============

This library adheres to `Semantic Versioning 2.0 <http://semver.org/>`_.

**UNRELEASED**

- Added ``amap``
- Fixed a spin

**4.14.2**

- Changed ``receive()``
"""


def test_a_bold_unreleased_line_over_bold_headings_becomes_the_new_version_in_place():
    done = plain.add_section(ANYIO, "rst", "4.14.3", DATE, "- Note.")
    assert "UNRELEASED" not in done, done
    assert "**4.14.3**\n\n- Added ``amap``\n- Fixed a spin\n" in done, done
    assert done.index("**4.14.3**") < done.index("- Note.") < done.index("**4.14.2**")
    assert done.count("**4.14.3**") == 1


def test_pallets_unreleased_line_is_dated_in_place_and_comes_back_after_the_release():
    dev = CLICK.replace("Version 8.1.7\n-------------\n\nReleased 2023-08-17\n\n",
                        "Version 8.1.8\n-------------\n\nUnreleased\n\n-   Pending fix.\n\n\n"
                        "Version 8.1.7\n-------------\n\nReleased 2023-08-17\n\n")
    done = plain.add_section(dev, "rst", "8.1.8", DATE)
    assert "Version 8.1.8\n-------------\n\nReleased 2026-12-02\n\n-   Pending fix.\n" in done
    assert done.count("8.1.8") == 1 and "Unreleased" not in done
    assert history.section_exists(done, "rst", "8.1.8")
    assert not history.section_exists(dev, "rst", "8.1.8")
    again = plain.unreleased_section(done, "rst", "8.1.9")
    assert again.startswith(".. currentmodule:: click\n\nVersion 8.1.9\n-------------\n\n"
                            "Unreleased\n")


def kac(links: str, version_heading: str = "## [1.1.0] - 2026-01-02") -> str:
    return textwrap.dedent("""\
        # Changelog

        The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).

        ## [Unreleased]

        ### Added

        - Pending feature.

        {version_heading}

        ### Fixed

        - Old fix.

        {links}""").format(version_heading=version_heading, links=links)


def release_kac(text: str, version: str = "1.2.0", previous: str = "1.1.0",
                tag: str = "v1.2.0", notes: str | None = None) -> str:
    fmt = KeepAChangelog()
    entry = Entry(version=version, date=DATE, tag=tag, notes=notes,
                  previous_tag=f"v{previous}", previous_version=previous)
    return fmt.finalize(fmt.add_section(text, "md", entry, notes), entry)


@pytest.mark.parametrize(("old_links", "new_links"), [
    # GitHub, v tags
    ("[unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n"
     "[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n",
     "[unreleased]: https://github.com/o/r/compare/v1.2.0...HEAD\n"
     "[1.2.0]: https://github.com/o/r/compare/v1.1.0...v1.2.0\n"
     "[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n"),
    # GitLab, bare tags, label case kept
    ("[Unreleased]: https://gitlab.com/g/r/-/compare/1.1.0...main\n"
     "[1.1.0]: https://gitlab.com/g/r/-/compare/1.0.0...1.1.0\n",
     "[Unreleased]: https://gitlab.com/g/r/-/compare/1.2.0...main\n"
     "[1.2.0]: https://gitlab.com/g/r/-/compare/1.1.0...1.2.0\n"
     "[1.1.0]: https://gitlab.com/g/r/-/compare/1.0.0...1.1.0\n"),
    # Gitea
    ("[unreleased]: https://gitea.com/o/r/compare/v1.1.0...main\n",
     "[unreleased]: https://gitea.com/o/r/compare/v1.2.0...main\n"
     "[1.2.0]: https://gitea.com/o/r/compare/v1.1.0...v1.2.0\n"),
    # Bitbucket: newer first, %0D between
    ("[unreleased]: https://bitbucket.org/o/r/branches/compare/HEAD%0Dv1.1.0#diff\n",
     "[unreleased]: https://bitbucket.org/o/r/branches/compare/HEAD%0Dv1.2.0#diff\n"
     "[1.2.0]: https://bitbucket.org/o/r/branches/compare/v1.2.0%0Dv1.1.0#diff\n"),
    # versions linked to their release page
    ("[unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n"
     "[1.1.0]: https://github.com/o/r/releases/tag/v1.1.0\n",
     "[unreleased]: https://github.com/o/r/compare/v1.2.0...HEAD\n"
     "[1.2.0]: https://github.com/o/r/releases/tag/v1.2.0\n"
     "[1.1.0]: https://github.com/o/r/releases/tag/v1.1.0\n"),
    # no [unreleased] link: the new version's link goes above the last one
    ("[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n",
     "[1.2.0]: https://github.com/o/r/compare/v1.1.0...v1.2.0\n"
     "[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n"),
])
def test_keep_a_changelog_links_follow_the_files_own_shape(old_links, new_links):
    text = release_kac(kac(old_links))
    assert text.endswith("\n\n" + new_links)
    assert "## [Unreleased]\n\n## [1.2.0] - 2026-12-02\n\n### Added\n\n- Pending feature.\n\n" \
           "## [1.1.0]" in text
    again = release_kac(text)  # the same release twice adds nothing twice
    assert again.count("[1.2.0]:") == 1


def test_keep_a_changelog_without_links_or_brackets_adds_none():
    text = release_kac(kac("", "## 1.1.0 - 2026-01-02").replace("## [Unreleased]",
                                                                  "## Unreleased"))
    assert "## Unreleased\n\n## 1.2.0 - 2026-12-02\n\n### Added\n\n- Pending feature." in text
    assert "]:" not in text


def test_keep_a_changelog_prerelease_and_notes_join_the_unreleased_ones():
    text = release_kac(kac("[unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n"),
                       version="2.0.0rc1", tag="v2.0.0rc1", notes="### Fixed\n\n- Given.")
    assert "## [2.0.0rc1] - 2026-12-02\n\n### Added\n\n- Pending feature.\n\n### Fixed\n\n" \
           "- Given.\n\n## [1.1.0]" in text
    assert "[unreleased]: https://github.com/o/r/compare/v2.0.0rc1...HEAD\n" \
           "[2.0.0rc1]: https://github.com/o/r/compare/v1.1.0...v2.0.0rc1\n" in text


def test_format_detection_order(tmp_path):
    (tmp_path / "CHANGELOG.md").write_text(kac(""))
    (tmp_path / "CHANGES.rst").write_text(CLICK)
    assert formats.detect(tmp_path, tmp_path / "CHANGELOG.md").name == "keep-a-changelog"
    assert formats.detect(tmp_path, tmp_path / "CHANGES.rst").name == "plain"
    (tmp_path / "pyproject.toml").write_text('[tool.towncrier]\ndirectory = "changes"\n')
    assert formats.detect(tmp_path, tmp_path / "CHANGES.rst").name == "towncrier"
    assert [f.name for f in formats.FORMATS] == ["towncrier", "scriv", "releases",
                                                "keep-a-changelog", "plain"]


def test_a_crlf_file_stays_crlf(tmp_path):
    path = tmp_path / "CHANGES.rst"
    path.write_bytes(CLICK.replace("\n", "\r\n").encode())
    entry = Entry(version="8.1.8", date=DATE, tag="8.1.8", notes="-   New.")
    formats.detect(tmp_path, path).write(tmp_path, path, entry)
    raw = path.read_bytes()
    assert b"Version 8.1.8\r\n-------------\r\n\r\nReleased 2026-12-02\r\n\r\n-   New.\r\n" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")


@pytest.mark.parametrize(("subject", "body", "sentence", "group"), [
    ("feat(cli): add a --frob flag", "", "Add a --frob flag (cli).", "Added"),
    ("fix: handle spaces in names", "", "Handle spaces in names.", "Fixed"),
    ("feat!: drop Python 3.8", "", "Drop Python 3.8. (breaking change)", "Added"),
    ("refactor: split the parser", "BREAKING CHANGE: parse() moved", "Split the parser. "
     "(breaking change)", "Changed"),
    ("Remove the old API", "", "Remove the old API.", "Removed"),
    ("Fix a crash on empty input", "", "Fix a crash on empty input.", "Fixed"),
    ("Speed up imports", "", "Speed up imports.", "Changed"),
])
def test_commit_subjects_become_sentences_in_groups(subject, body, sentence, group):
    commit = Commit(subject, body)
    assert (commit.sentence, commit.group) == (sentence, group)


@pytest.mark.parametrize(("subjects", "current", "expected"), [
    (["feat!: new API", "fix: x"], "1.4.2", ("major", "major: 1 breaking change since v1")),
    (["feat!: new API", "feat: y"], "0.9.0", ("minor", "minor: 1 breaking change since v1 "
                                                        "(major 0)")),
    (["feat: a", "feat(x): b", "fix: c"], "0.9.0", ("minor", "minor: 2 feat commits since v1")),
    (["fix: c", "Tidy up"], "1.0.0", ("patch", "patch: 2 commits since v1, no feat or "
                                               "breaking")),
])
def test_auto_part_rules(subjects, current, expected):
    assert commits.auto_part([Commit(s) for s in subjects], current, "v1") == expected


def test_drafts_group_like_keep_a_changelog():
    found = [Commit("fix: b"), Commit("feat: a"), Commit("Tidy the docs")]
    assert commits.grouped(found) == ("### Added\n\n- A.\n\n### Changed\n\n- Tidy the docs.\n\n"
                                      "### Fixed\n\n- B.")
    assert commits.bullets(found) == "- Tidy the docs.\n- A.\n- B."


def test_the_notes_of_a_pallets_section_leave_out_its_date_line():
    done = plain.add_section(CLICK, "rst", "8.1.8", DATE, "-   New.")
    assert history.section_body(done, "rst", "8.1.8") == "-   New."


def released(tmp_path, name: str, text: str, version: str, notes: str | None = "- Note.",
             previous: str | None = None) -> str:
    """``text`` as the file ``name`` after a release of ``version`` through its format."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    entry = Entry(version=version, date=DATE, tag=f"v{version}", notes=notes,
                  previous_tag=previous and f"v{previous}", previous_version=previous)
    formats.detect(tmp_path, path).write(tmp_path, path, entry)
    return path.read_text()


# rst2rst's CHANGES.rst: v-prefixed titles, no dates.
RST2RST = """\
=========
ChangeLog
=========


v0.1.29
=======

* Corrected reStructuredText section title rendering

v0.1.28
=======

* Added suppression of lone-section collapsing into document
"""


def test_a_v_prefixed_heading_is_found_again_once_written(tmp_path):
    path = tmp_path / "CHANGES.rst"
    text = released(tmp_path, "CHANGES.rst", RST2RST, "0.1.30", "* Fixed the writer.")
    assert text == RST2RST.replace("v0.1.29\n", "v0.1.30\n=======\n\n* Fixed the writer.\n\n"
                                   "v0.1.29\n", 1)
    fmt = formats.detect(tmp_path, path)
    assert fmt.body(tmp_path, path, "0.1.30") == ("* Fixed the writer.", "rst")
    assert fmt.title(tmp_path, path, Entry("0.1.31", DATE, "v0.1.31")) == "v0.1.31"
    assert history.section_exists(text, "rst", "0.1.30")


@pytest.mark.parametrize(("text", "version", "expected"), [
    # jwodder's changelog format: "vX.Y.Z (in development)" over a setext rule
    ("v0.2.0 (in development)\n-----------------------\n- Pending.\n\n"
     "v0.1.0 (2023-01-01)\n-------------------\nInitial release\n", "0.2.0",
     "v0.2.0 (2026-12-02)\n-------------------\n- Pending.\n\n"
     "v0.1.0 (2023-01-01)\n-------------------\nInitial release\n"),
    # NEXT on top: renamed in place
    ("# Changes\n\n## NEXT\n\n- Pending.\n\n## 1.1.0 (2024-01-01)\n\n- Old.\n", "1.2.0",
     "# Changes\n\n## 1.2.0 (2026-12-02)\n\n- Pending.\n\n## 1.1.0 (2024-01-01)\n\n- Old.\n"),
    # "Upcoming (unreleased)" in rst
    ("Changes\n=======\n\nUpcoming (unreleased)\n---------------------\n\n- Pending.\n\n"
     "1.1.0 (2024-01-01)\n------------------\n\n- Old.\n", "1.2.0",
     "Changes\n=======\n\n1.2.0 (2026-12-02)\n------------------\n\n- Pending.\n\n"
     "1.1.0 (2024-01-01)\n------------------\n\n- Old.\n"),
    # mrtoolstheme's rst "[Unreleased]" (Keep a Changelog in rst): kept on top, emptied
    ("Changelog\n=========\n\n[Unreleased]\n------------\n\n- Pending.\n\n\n"
     "[0.5.0] - 2023-02-04\n--------------------\n\n- Old.\n", "0.6.0",
     "Changelog\n=========\n\n[Unreleased]\n------------\n\n"
     "[0.6.0] - 2026-12-02\n--------------------\n\n- Pending.\n\n"
     "[0.5.0] - 2023-02-04\n--------------------\n\n- Old.\n"),
    # requests' "dev": stays on top, its notes move into the release
    ("Release History\n===============\n\ndev\n---\n\n- Pending.\n\n"
     "2.31.0 (2023-05-22)\n-------------------\n\n- Old.\n", "2.32.0",
     "Release History\n===============\n\ndev\n---\n\n2.32.0 (2026-12-02)\n"
     "-------------------\n\n- Pending.\n\n2.31.0 (2023-05-22)\n-------------------\n\n"
     "- Old.\n"),
])
def test_an_unreleased_section_in_any_spelling(tmp_path, text, version, expected):
    name = "CHANGES.md" if text.startswith(("#", "v0")) else "CHANGES.rst"
    assert released(tmp_path, name, text, version, None) == expected


def test_entries_on_top_without_a_heading_go_under_the_new_one(tmp_path):
    text = textwrap.dedent("""\
        History
        -------

        Notable changes of each release, newest first.

        * Pending fix of the frobnicator,
          written before the release.
        * Pending feature.

        0.2.0 (2024-02-01)
        ++++++++++++++++++

        * Fixed the frobnicator.
        """)
    path = tmp_path / "HISTORY.rst"
    path.write_text(text)
    assert formats.detect(tmp_path, path).pending(tmp_path, path)
    assert released(tmp_path, "HISTORY.rst", text, "0.2.1", "Given.") == text.replace(
        "* Pending fix", "0.2.1 (2026-12-02)\n++++++++++++++++++\n\n* Pending fix").replace(
        "* Pending feature.\n", "* Pending feature.\n* Given.\n")
    # A list that an introduction announces (a line ending in ":") is no release's notes.
    intro = text.replace("newest first.", "a release bumps:")
    path.write_text(intro)
    assert not formats.detect(tmp_path, path).pending(tmp_path, path)
    # Nor is a table of contents on top of a Markdown file.
    toc = "# Changelog\n\n- [1.1.0](#110)\n- [1.0.0](#100)\n\n## 1.1.0 (2024-01-01)\n\n- Old.\n"
    assert released(tmp_path, "CHANGES.md", toc, "1.2.0") == toc.replace(
        "## 1.1.0", "## 1.2.0 (2026-12-02)\n\n- Note.\n\n## 1.1.0")


def test_a_date_on_its_own_line_is_learnt_not_taken_for_an_entry(tmp_path):
    text = "Changelog\n=========\n\n1.1.0\n-----\n\n*2024-03-01*\n\n* Old.\n"
    done = released(tmp_path, "CHANGES.rst", text, "1.2.0", "* New.")
    assert done == ("Changelog\n=========\n\n1.2.0\n-----\n\n*2026-12-02*\n\n* New.\n\n"
                    "1.1.0\n-----\n\n*2024-03-01*\n\n* Old.\n")
    assert history.section_body(done, "rst", "1.1.0") == "* Old."


def test_a_compare_link_in_the_heading_moves_on(tmp_path):
    # release-please's CHANGELOG.md
    text = textwrap.dedent("""\
        # Changelog

        ## [1.1.0](https://github.com/o/r/compare/v1.0.0...v1.1.0) (2024-03-01)

        ### Bug Fixes

        * fix a crash ([abc1234](https://github.com/o/r/commit/abc1234))
        """)
    done = released(tmp_path, "CHANGELOG.md", text, "1.2.0", "* Faster.", previous="1.1.0")
    assert done == text.replace("## [1.1.0]", "## [1.2.0](https://github.com/o/r/compare/"
                                "v1.1.0...v1.2.0) (2026-12-02)\n\n* Faster.\n\n## [1.1.0]")


def test_an_rst_link_target_under_the_heading_moves_on(tmp_path):
    # yaml4rst's CHANGES.rst: the title refers to a compare link defined under it
    text = textwrap.dedent("""\
        Changelog
        =========

        `yaml4rst v0.1.1`_ - 2016-11-05
        -------------------------------

        .. _yaml4rst v0.1.1: https://github.com/ypid/yaml4rst/compare/v0.1.0...v0.1.1

        Fixed
        ~~~~~

        - Fix legacy reST section detection.
        """)
    done = released(tmp_path, "CHANGES.rst", text, "0.2.0", "- New.")
    assert done == text.replace("`yaml4rst v0.1.1`_", textwrap.dedent("""\
        `yaml4rst v0.2.0`_ - 2026-12-02
        -------------------------------

        .. _yaml4rst v0.2.0: https://github.com/ypid/yaml4rst/compare/v0.1.1...v0.2.0

        - New.

        `yaml4rst v0.1.1`_"""), 1)
    assert history.section_body(done, "rst", "0.2.0") == "- New."


def test_plain_markdown_link_definitions_follow_the_release(tmp_path):
    text = ("# Changes\n\n## [1.1.0] - 2024-03-01\n\n- Old.\n\n"
            "[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n")
    done = released(tmp_path, "CHANGES.md", text, "1.2.0", previous="1.1.0")
    assert done == ("# Changes\n\n## [1.2.0] - 2026-12-02\n\n- Note.\n\n"
                    "## [1.1.0] - 2024-03-01\n\n- Old.\n\n"
                    "[1.2.0]: https://github.com/o/r/compare/v1.1.0...v1.2.0\n"
                    "[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n")


@pytest.mark.parametrize(("notes", "expected"), [
    ("Works on Python 3.14.", "* Works on Python 3.14.\n"),
    ("Works on Python 3.14,\nand on 3.15.\n\nFaster.", "* Works on Python 3.14,\n"
     "  and on 3.15.\n* Faster.\n"),
    ("Features\n~~~~~~~~\n\n* Own markup.", "Features\n~~~~~~~~\n\n* Own markup.\n"),
])
def test_notes_given_as_a_paragraph_become_entries_like_the_files(tmp_path, notes, expected):
    text = "History\n-------\n\n0.2.0 (2024-02-01)\n++++++++++++++++++\n\n* Old.\n"
    done = released(tmp_path, "HISTORY.rst", text, "0.2.1", notes)
    assert done == ("History\n-------\n\n0.2.1 (2026-12-02)\n++++++++++++++++++\n\n"
                    + expected + "\n0.2.0 (2024-02-01)\n++++++++++++++++++\n\n* Old.\n")


def test_two_part_versions_and_month_first_dates(tmp_path):
    # pyrst's release notes: 0.7 (07/30/2023)
    text = ("Release Notes\n=============\n\n0.7 (07/30/2023)\n----------------\n"
            "- Set module to stable\n")
    assert "\n0.8 (12/02/2026)\n----------------\n" in released(tmp_path, "CHANGES.rst", text,
                                                                 "0.8")


# paramiko's sites/www/changelog.rst (the Sphinx "releases" extension), with an entry waiting.
PARAMIKO = """\
=========
Changelog
=========

- :bug:`-` Check for ``None`` transport members inside
  `~paramiko.channel.Channel` when closing the channel.
- :release:`3.5.0 <2024-09-15>`
- :feature:`982` (via :issue:`2444`) Add support for AES-GCM encryption ciphers
  (128 and 256 bit variants).
"""


def test_a_releases_changelog_gets_its_release_line(tmp_path):
    path = tmp_path / "sites/www/changelog.rst"
    done = released(tmp_path, "sites/www/changelog.rst", PARAMIKO, "3.5.1", None)
    assert formats.detect(tmp_path, path).name == "releases"
    assert done == PARAMIKO.replace("- :bug:`-` Check", "- :release:`3.5.1 <2026-12-02>`\n"
                                    "- :bug:`-` Check")
    assert formats.release_notes(tmp_path, path, "3.5.1")[0] == (
        "- :bug:`-` Check for ``None`` transport members inside\n"
        "  `~paramiko.channel.Channel` when closing the channel.")
    entry = Entry("3.6.0", DATE, "3.6.0", notes="Support Python 3.14.")
    assert formats.detect(tmp_path, path).preview(tmp_path, path, entry) == \
        "- :feature:`-` Support Python 3.14."
    again = released(tmp_path, "sites/www/changelog.rst", done, "3.6.0", "Support Python 3.14.")
    assert again.startswith("=========\nChangelog\n=========\n\n- :release:`3.6.0 <2026-12-02>`"
                            "\n- :feature:`-` Support Python 3.14.\n- :release:`3.5.1")
    fmt = formats.detect(tmp_path, path)
    assert fmt.problems(tmp_path, path, Entry("3.5.1", DATE, "3.5.1")) == [
        "changelog.rst already has a :release: line for 3.5.1 (remove it to release again)"]


README = """\
# pkg

## Requirements 3.10

Python 3.10 or newer.

## Changelog

### 1.0.0 (2024-01-01)

- First release.

## License

MIT
"""


def test_a_readme_changelog_section_is_found_and_written_there(tmp_path):
    (tmp_path / "README.md").write_text("# pkg\n\n## History\n\nStarted in 2010.\n")
    with pytest.raises(HistoryError):  # the project's story is no changelog
        discovery.find(tmp_path)
    (tmp_path / "README.md").write_text(README)
    assert discovery.find(tmp_path, None, "1.0.0") == tmp_path / "README.md"
    done = released(tmp_path, "README.md", README, "1.1.0")
    assert done == README.replace("### 1.0.0", "### 1.1.0 (2026-12-02)\n\n- Note.\n\n### 1.0.0")
    path = tmp_path / "README.md"
    assert formats.release_notes(tmp_path, path, "1.1.0") == ("- Note.", "md")
    formats.next_cycle(tmp_path, path, "1.1.1")  # the next cycle's section goes there too
    assert path.read_text() == done.replace("### 1.1.0", "### 1.1.1 (unreleased)\n\n"
                                            "- Nothing changed yet.\n\n### 1.1.0")


def test_history_is_found_in_docs_folders_and_through_the_toctree(tmp_path):
    www = tmp_path / "sites/www"
    www.mkdir(parents=True)
    (www / "conf.py").write_text("extensions = ['releases']\n")
    (www / "changelog.rst").write_text(PARAMIKO)
    assert discovery.find(tmp_path) == www / "changelog.rst"
    (www / "changelog.rst").unlink()
    docs = tmp_path / "docs"
    (docs / "topics").mkdir(parents=True)
    (docs / "conf.py").write_text("")
    (docs / "index.rst").write_text("pkg\n===\n\n.. toctree::\n   :maxdepth: 1\n\n   usage\n"
                                    "   Release notes <topics/releases>\n")
    (docs / "usage.rst").write_text("Usage\n=====\n")
    (docs / "topics/releases.rst").write_text("Releases\n========\n\n1.0 (2024-01-01)\n"
                                              "----------------\n\n- First.\n")
    assert discovery.find(tmp_path) == docs / "topics/releases.rst"
    # A page that only includes the real file is not the history.
    (docs / "topics/releases.rst").write_text(".. include:: ../../NOTES.rst\n")
    with pytest.raises(HistoryError):
        discovery.find(tmp_path)


@pytest.mark.parametrize(("text", "version"), [
    ("# Changes\n\n## 2.0.0 (unreleased)\n\n- New.\n\n## 1.0.0 (2024-01-01)\n", "2.0.0"),
    (CLICK.replace("Version 8.1.7\n-------------\n\nReleased 2023-08-17",
                   "Version 8.2.0\n-------------\n\nUnreleased\n\n-   New.\n\n\n"
                   "Version 8.1.7\n-------------\n\nReleased 2023-08-17"), "8.2.0"),
    ("# Changes\n\n## Unreleased\n\n- New.\n\n## 1.0.0 (2024-01-01)\n", None),
    ("# Changes\n\n## 1.0.0 (2024-01-01)\n\n- Old.\n", None),
])
def test_the_version_an_unreleased_section_names(tmp_path, text, version):
    path = tmp_path / ("CHANGES.rst" if text.startswith(".. ") else "CHANGES.md")
    path.write_text(text)
    assert unreleased.pending_version(path) == version
