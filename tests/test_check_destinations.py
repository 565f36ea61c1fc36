"""`fab check` on a project with nothing configured says where the release would go and
how to point it at the team's index and docs host: the first minute in a new project."""

from __future__ import annotations


def test_check_names_the_default_index_and_docs_folder_and_how_to_change_them(project, fab,
                                                                             home):
    proj = project("modern")
    proj.write("modernpkg/extra.py", "X = 1\n")
    proj.commit("Add extra")

    run = fab(proj, "check")

    assert run.code == 0, run.out
    index = home / ".local" / "share" / "release_tasks" / "index"
    assert f"  upload: file://{index} (the default local folder index; set repository in " \
           "[tool.release_tasks] for your team's index)" in run.lines()
    assert "  history: CHANGELOG.md" in run.lines()
    docs = [line for line in run.lines() if line.startswith("  docs: ")]
    assert docs and docs[0].endswith("(the default local docs folder; set docs_target for "
                                      "your docs host)")
    assert "/modernpkg/1.4.3" in docs[0]


def test_check_names_a_configured_index_without_the_advice(project, fab, pypi):
    proj = project("modern", tool_cfg=f'repository = "{pypi.url}"\n')
    proj.write("modernpkg/extra.py", "X = 1\n")
    proj.commit("Add extra")

    run = fab(proj, "check")

    assert run.code == 0, run.out
    upload = [line for line in run.lines() if line.startswith("  upload: ")]
    assert upload and "default" not in upload[0] and "127.0.0.1" in upload[0]
