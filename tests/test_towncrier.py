"""towncrier run as the project would: the notes' fragment type and issue, a missing
fragment folder, a template that needs an issue number, checked before anything changes."""

from __future__ import annotations

import pytest

from release_tasks.changelog import newsfragments as fragments
from release_tasks.changelog.commits import Commit
from release_tasks.core.errors import HistoryError

from .test_changelog_release import release, tagged

# pytest's own fragment types, in its order: the first is "breaking".
PYTEST_TYPES = ["breaking", "deprecation", "feature", "improvement", "bugfix", "vendor",
                "doc", "packaging", "contrib", "misc"]


@pytest.mark.parametrize(("types", "notes", "chosen", "expected"), [
    (PYTEST_TYPES, "Faster collection.", None, "feature"),
    (PYTEST_TYPES, "fix: handle spaces", None, "bugfix"),
    (PYTEST_TYPES, "docs: explain it", None, "doc"),
    (PYTEST_TYPES, "Faster collection.", "improvement", "improvement"),
    (["removal", "bugfix", "doc"], "Something.", None, "bugfix"),
    (["breaking", "removal", "misc"], "Something.", None, "misc"),
])
def test_the_notes_type_is_never_a_guess_at_breaking(types, notes, chosen, expected):
    assert fragments.from_notes(notes, types, chosen).type == expected


def test_only_breaking_types_or_an_unknown_choice_is_an_error_naming_the_key():
    with pytest.raises(HistoryError, match="towncrier_type"):
        fragments.from_notes("x", ["breaking", "removal"], None)
    with pytest.raises(HistoryError, match=r"'features' is not one of .*feature"):
        fragments.from_notes("x", PYTEST_TYPES, "features")


@pytest.mark.parametrize(("notes", "issue", "text"), [
    ("#123: Faster.", "123", "Faster."),
    ("#123 Faster.", "123", "Faster."),
    ("Faster (#123)", "123", "Faster"),
    ("feat: #9: Faster.", "9", "Faster."),
    ("Faster.\n\nMore words (#5)", None, "Faster.\n\nMore words (#5)"),
    ("Issue #12 is fixed.", None, "Issue #12 is fixed."),
])
def test_an_issue_number_goes_with_the_notes(notes, issue, text):
    fragment = fragments.from_notes(notes, PYTEST_TYPES, None)
    assert (fragment.issue, fragment.text) == (issue, text)


def test_the_draft_takes_each_commits_issue_and_type():
    drafted = fragments.from_commits([Commit("feat(cli): add --quiet (#41)"),
                                      Commit("Fix the widget")], PYTEST_TYPES, None)

    assert drafted == [fragments.Fragment("feature", "Add --quiet (cli).", "41"),
                       fragments.Fragment("feature", "Fix the widget.", None)]


NEEDS_ISSUE = """\
{% for section, _ in sections.items() %}
{% for category, val in definitions.items() if category in sections[section] %}
{{ definitions[category]['name'] }}
{% for text, values in sections[section][category].items() %}
- {{ text }} [{{ values[0].upper() }}]
{% endfor %}

{% endfor %}
{% endfor %}
"""


def test_a_template_that_needs_an_issue_stops_before_anything_changes(project, fab):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    types = "".join(f'[[tool.towncrier.type]]\ndirectory = "{t}"\nname = "{t.title()}"\n'
                    "showcontent = true\n" for t in PYTEST_TYPES)
    proj.write("pyproject.toml", proj.read("pyproject.toml") + f"""
[tool.towncrier]
directory = "changelog"
filename = "CHANGELOG.rst"
template = "changelog/_template.rst"
issue_format = "gh-{{issue}}"
title_format = "{{name}} {{version}} ({{project_date}})"
{types}""")
    proj.write("CHANGELOG.rst", "Changelog\n=========\n\n.. towncrier release notes start\n")
    proj.write("changelog/_template.rst", NEEDS_ISSUE)
    proj.commit("Use towncrier with pytest's types")
    tagged(proj, "v1.4.2")
    proj.write("modernpkg/extra.py", "X = 1\n")
    proj.commit("Add extra")
    before = proj.state()

    refused = release(fab, proj, "--notes", "Faster collection.")

    assert refused.code == 1
    assert "towncrier build failed" in refused.out
    assert "--notes '#123: what changed'" in refused.out
    assert proj.state() == before

    released = release(fab, proj, "--notes", "#77: Faster collection.")

    assert released.code == 0, released.out
    text = proj.read("CHANGELOG.rst")
    assert "modernpkg 1.4.3 (" in text and "Feature\n- Faster collection. [GH-77]\n" in text
    assert "Breaking" not in text
    assert sorted(p.name for p in (proj.path / "changelog").iterdir()) == ["_template.rst"]


PIP_TOOLS_TEMPLATE = """\
## {{ versiondata["version"] }}

*{{ versiondata["date"] }}*
{% for section, _ in sections.items() %}
{% for category, val in definitions.items() if category in sections[section] %}
### {{ definitions[category]['name'] }}
{% for text, values in sections[section][category].items() %}
- {{ text }}
{% endfor %}
{% endfor %}
{% endfor %}
"""


@pytest.mark.parametrize(("template", "heading"), [
    # As pip-tools: a bare {version}, the maintainers passing the tag to towncrier.
    (PIP_TOOLS_TEMPLATE, "## v1.4.3\n"),
    # A template that writes the prefix itself keeps writing it once.
    (PIP_TOOLS_TEMPLATE.replace('## {{ versiondata', '## v{{ versiondata'), "## v1.4.3\n"),
])
def test_a_news_file_whose_headings_carry_the_tags_prefix_gets_it_on_the_new_one(
        project, fab, template, heading):
    proj = project("modern")
    proj.git("rm", "-q", "CHANGELOG.md")
    proj.write("towncrier.toml", """\
[tool.towncrier]
filename = "CHANGELOG.md"
directory = "changelog.d/"
start_string = "<!-- towncrier release notes start -->\\n"
title_format = ""
template = "changelog.d/.template.md.jinja"
underlines = ["", "", ""]
""")
    proj.write("changelog.d/.template.md.jinja", template)
    proj.write("CHANGELOG.md", "# Changelog\n\n<!-- towncrier release notes start -->\n\n"
               "## v1.4.2\n\n*2024-02-01*\n\n### Features\n\n- Names.\n")
    proj.commit("towncrier, headings as the tags")
    tagged(proj, "v1.4.2")

    run = release(fab, proj, "--notes", "Faster collection.")

    assert run.code == 0, run.out
    text = proj.read("CHANGELOG.md")
    assert text.count(heading) == 1 and "## 1.4.3" not in text and "vv1.4.3" not in text, text
    assert text.index(heading) < text.index("## v1.4.2")
    assert proj.tags() == ["v1.4.2", "v1.4.3"]
