"""The history file in its many real-world styles: the new section goes where a person
would put it, in the file's own style."""

from __future__ import annotations

import textwrap

from release_tasks.changelog import history, plain

TITLE = "2.0.0 (2026-01-31)"


def add(text: str, fmt: str, notes: str | None = None) -> str:
    return plain.add_section(textwrap.dedent(text), fmt, "2.0.0", "2026-01-31", notes)


def test_rst_underline_character_and_length_follow_the_file():
    text = add("""\
        Changes
        =======

        1.9.0 (2025-12-01)
        ~~~~~~~~~~~~~~~~~~

        - Old.
        """, "rst")
    assert f"Changes\n=======\n\n{TITLE}\n{'~' * len(TITLE)}\n\n\n1.9.0" in text


def test_rst_overlined_sections_keep_their_overline_and_undated_style():
    text = add("""\
        =====
        1.9.0
        =====

        - Old.
        """, "rst")
    assert text.startswith("=====\n2.0.0\n=====\n\n\n=====\n1.9.0")


def test_md_heading_level_follows_the_file():
    text = add("# Project\n\n### v1.9.0 - 2025-12-01\n\n* Old.\n", "md", "* New.")
    assert "# Project\n\n### v2.0.0 - 2026-01-31\n\n* New.\n\n### v1.9.0" in text


def test_zest_placeholder_is_dropped_and_notes_added():
    text = add("""\
        2.0.0 (unreleased)
        ------------------

        - Nothing changed yet.


        1.9.0 (2025-12-01)
        ------------------
        """, "rst", "- Real news.")
    assert "Nothing changed yet" not in text
    assert history.section_body(text, "rst", "2.0.0") == "- Real news."


def test_a_file_with_only_a_title_gets_its_first_section_below_it():
    text = add("CHANGES\n=======\n", "rst", "- First.")
    assert text == f"CHANGES\n=======\n\n{TITLE}\n{'-' * len(TITLE)}\n\n- First.\n"


def test_section_body_ignores_comments_and_stops_at_the_next_section():
    text = textwrap.dedent(f"""\
        {TITLE}
        {'-' * len(TITLE)}

        .. a comment the editor left

        - Shipped it.

        1.9.0 (2025-12-01)
        ------------------

        - Old.
        """)
    assert history.section_body(text, "rst", "2.0.0") == "- Shipped it."
    md = f"## {TITLE}\n\n<!-- write here -->\n\n## 1.9.0\n\n- Old.\n"
    assert history.section_body(md, "md", "2.0.0") == ""


def test_existing_dated_section_is_detected_but_not_a_longer_version():
    text = f"{TITLE}\n{'-' * len(TITLE)}\n\n- x\n"
    assert history.section_exists(text, "rst", "2.0.0")
    assert not history.section_exists(text, "rst", "2.0")
    assert not history.section_exists("12.0.0 (2020-01-01)\n-------------------\n", "rst",
                                      "2.0.0")
