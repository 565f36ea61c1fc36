"""Each step as a task of its own, every spelling of a task, and tasks in other fabfiles."""

from __future__ import annotations

import datetime
import re

import pytest
from invoke import Collection, Parser

import release_tasks
from release_tasks.fabric1 import translate

TODAY = datetime.date.today().isoformat()
TASKS = ["build", "build-docs", "bump", "check", "demo", "edit-history", "notify-slack",
         "release", "rollback", "ship-docs", "tag", "upload"]


def test_fab_list_shows_every_task_with_one_line_of_help(project, fab):
    proj = project("modern")

    run = fab(proj, "--list")

    assert run.code == 0, run.out
    listed = {line.split()[0]: line for line in run.lines()[1:] if line.startswith("  ") and
              line.split() and not line.startswith("    ")}
    assert sorted(listed) == TASKS
    for name, line in listed.items():
        assert len(line.split(None, 1)) == 2, f"{name} has no help"


def test_fab_help_release_documents_each_flag(project, fab):
    proj = project("modern")

    run = fab(proj, "--help", "release")

    assert run.code == 0, run.out
    for flag in ("--part", "--new-version", "--dry-run", "--yes", "--resume", "--push",
                 "--notes", "--notes-file", "--skip-history", "--skip-upload", "--skip-docs",
                 "--skip-notify", "--verbose", "--quiet"):
        line = next((x for x in run.lines() if x.strip().startswith(flag)), None)
        assert line is not None, flag
        assert len(line.split(None, 1)) == 2 or flag in ("--notes",), line


def test_each_step_alone_in_release_order(project, fab, tmp_path, home):
    proj = project("modern", tool_cfg=f'docs_target = "{tmp_path}/site/{{version}}"\n')
    start = proj.head()

    run = fab(proj, "edit_history", "--part", "minor", "--notes", "- Alone.")
    assert run.code == 0, run.out
    assert f"## 1.5.0 ({TODAY})\n\n- Alone." in proj.read("CHANGELOG.md")
    assert proj.git("log", "-1", "--format=%s") == "Update CHANGELOG.md for 1.5.0"

    run = fab(proj, "bump", "--part", "minor")
    assert run.code == 0, run.out
    assert '__version__ = "1.5.0"' in proj.read("modernpkg/__init__.py")
    assert proj.git("rev-list", "--count", f"{start}..HEAD") == "2"

    run = fab(proj, "tag")
    assert run.code == 0, run.out
    assert proj.tags() == ["1.5.0"] and proj.git("cat-file", "-t", "1.5.0") == "tag"

    run = fab(proj, "build")
    assert run.code == 0, run.out
    dist = sorted(p.name for p in (proj.path / "dist").iterdir())
    assert dist == ["modernpkg-1.5.0-py3-none-any.whl", "modernpkg-1.5.0.tar.gz"]

    run = fab(proj, "upload")
    assert run.code == 0, run.out
    index = home / ".local/share/release_tasks/index/simple/modernpkg"
    assert sorted(p.name for p in index.iterdir()) == ["index.html", *dist]

    run = fab(proj, "upload")  # again: same content is skipped, not an error
    assert run.code == 0, run.out
    assert "already there" in run.out

    run = fab(proj, "build-docs")
    assert run.code == 0, run.out
    assert (proj.path / "build/docs-html/index.html").is_file()

    run = fab(proj, "ship_docs")
    assert run.code == 0, run.out
    assert (tmp_path / "site/1.5.0/index.html").is_file()


def test_build_without_a_tag_says_to_tag_first(project, fab):
    proj = project("modern")

    run = fab(proj, "build")

    assert run.code == 1
    assert "tag 1.4.2 does not exist (run `fab tag` first)" in run.out


def test_upload_without_built_files_says_to_build_first(project, fab):
    proj = project("modern")

    run = fab(proj, "upload")

    assert run.code == 1
    assert "no built files of modernpkg 1.4.2 in dist/ (run `fab build` first)" in run.out


@pytest.mark.parametrize("spelling", [
    ["bump", "--part", "minor"], ["bump:part=minor"], ["bump:minor"],
    ["bump:new_version=1.5.0"], ["bump", "--new-version=1.5.0"],
])
def test_fabric1_and_invoke_spellings_of_arguments(project, fab, spelling):
    proj = project("modern")

    run = fab(proj, *spelling)

    assert run.code == 0, run.out
    assert 'version = "1.5.0"' in proj.read("pyproject.toml")


def test_fabric1_boolean_arguments(project, fab, editor):
    proj = project("modern")
    before = proj.state()

    run = fab(proj, "release:part=major,dry_run=true", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert "2.0.0" in run.out and "Dry run" in run.out
    assert proj.state() == before


def test_invokes_own_dry_flag_is_a_dry_run(project, fab, editor):
    proj = project("modern")
    before = proj.state()

    run = fab(proj, "--dry", "release", "--part", "minor", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert "1.4.2 → 1.5.0" in run.out and "nothing was changed" in run.out
    assert proj.state() == before


def test_single_tasks_imported_into_an_existing_fabfile_use_the_defaults(project, fab, home):
    fabfile = ("from invoke import task\nfrom release_tasks import tag, build, upload\n\n"
               "@task\ndef deploy(c):\n    print('deploying')\n")
    proj = project("modern", fabfile=fabfile)

    run = fab(proj, "--list")
    assert run.code == 0
    assert {"deploy", "tag", "build", "upload"} <= {
        line.split()[0] for line in run.lines()[1:] if line.strip()}

    for task in ("tag", "build", "upload"):
        run = fab(proj, task)
        assert run.code == 0, (task, run.out)
    index = home / ".local/share/release_tasks/index/simple/modernpkg"
    assert (index / "modernpkg-1.4.2.tar.gz").is_file()


def test_whole_collection_mounted_under_a_name(project, fab, editor):
    fabfile = ("from invoke import Collection, task\nimport release_tasks\n\n"
               "@task\ndef deploy(c):\n    print('deploying')\n\n"
               "ns = Collection(deploy)\nns.add_collection(release_tasks.ns, 'release')\n")
    proj = project("modern", fabfile=fabfile)

    run = fab(proj, "--list")
    assert "release.notify-slack" in run.out and "deploy" in run.out

    run = fab(proj, "release.release", "--yes", "--skip-docs", env={"EDITOR": editor()})
    assert run.code == 0, run.out
    assert proj.tags() == ["1.4.3"]

    run = fab(proj, "release.bump:part=minor")
    assert run.code == 0, run.out
    assert 'version = "1.5.0"' in proj.read("pyproject.toml")


def test_fabric_yaml_overrides_the_project_config(project, fab, tmp_path):
    folder_index = tmp_path / "yaml-index"
    proj = project("modern", tool_cfg='repository = "http://127.0.0.1:9/"\n')
    proj.write("fabric.yaml", f"release_tasks:\n  repository: {folder_index.as_uri()}\n")
    proj.commit("Fabric config")
    proj.git("tag", "1.4.2")

    assert fab(proj, "build").code == 0
    run = fab(proj, "upload")

    assert run.code == 0, run.out
    assert (folder_index / "simple/modernpkg/modernpkg-1.4.2.tar.gz").is_file()


def test_unknown_key_in_fabric_yaml_is_named(project, fab):
    proj = project("modern")
    proj.write("fabric.yaml", "release_tasks:\n  histroy_file: NEWS.rst\n")
    proj.commit("Fabric config")

    run = fab(proj, "check")

    assert run.code == 1
    assert "unknown key 'histroy_file' in Fabric config key release_tasks " \
           "(did you mean history_file?)" in run.out


def test_task_flag_beats_every_config_file(project, fab, tmp_path):
    flag_index = tmp_path / "flag-index"
    proj = project("modern", tool_cfg='repository = "http://127.0.0.1:9/"\n')
    proj.git("tag", "1.4.2")
    assert fab(proj, "build").code == 0

    run = fab(proj, "upload", "--repository", flag_index.as_uri())

    assert run.code == 0, run.out
    assert (flag_index / "simple/modernpkg/modernpkg-1.4.2.tar.gz").is_file()


def test_check_passes_on_a_clean_project_and_changes_nothing(project, fab, editor):
    proj = project("cookiecutter")
    before = proj.state()

    run = fab(proj, "check", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert "All checks passed: cookiepkg 0.2.0 → 0.2.1" in run.out
    assert proj.state() == before


# --- the argv shim, against invoke's real parser and our real collection ------------------


def contexts(collection: Collection):
    return Parser(contexts=collection.to_contexts()).contexts


@pytest.mark.parametrize(("argv", "expected"), [
    (["notify_slack:1.2.3"], ["notify-slack", "--version=1.2.3"]),
    (["notify_slack:version=1.2.3"], ["notify-slack", "--version=1.2.3"]),
    (["notify_slack", "1.2.3"], ["notify-slack", "--version=1.2.3"]),
    (["notify-slack", "1.2.3"], ["notify-slack", "--version=1.2.3"]),
    (["release:part=minor,yes=1"], ["release", "--part=minor", "--yes"]),
    (["release:minor"], ["release", "--part=minor"]),
    (["release", "--notes", "tag:release"], ["release", "--notes", "tag:release"]),
    (["edit_history:notes=a\\,b"], ["edit-history", "--notes=a,b"]),
    (["bump", "tag", "build_docs"], ["bump", "tag", "build-docs"]),
    (["release", "--", "notify_slack:1"], ["release", "--", "notify_slack:1"]),
    (["nosuchtask:1"], ["nosuchtask:1"]),
])
def test_translate(argv, expected):
    assert translate(argv, contexts(release_tasks.ns)) == expected


def test_translate_mounted_collection():
    ns = Collection()
    ns.add_collection(release_tasks.ns, "rel")
    assert translate(["rel.notify_slack:3.1.4"], contexts(ns)) == [
        "rel.notify-slack", "--version=3.1.4"]


@pytest.mark.parametrize("argv", [["notify_slack", "--help"], ["--help", "notify_slack"],
                                  ["-h", "edit_history"]])
def test_underscore_help_for_a_task(project, fab, argv):
    proj = project("modern")

    run = fab(proj, *argv)

    assert run.code == 0, run.out
    assert re.search(r"Usage: fab \[--core-opts\] (notify|edit)[-_](slack|history) ", run.out)


def test_a_task_leaves_the_garbage_collector_as_it_found_it(project):
    """A library's task runs inside someone else's process: it tunes nothing of it."""
    import gc

    from invoke import Config, Context

    from release_tasks.fabric1 import PROJECT_KEY

    proj = project("modern")
    before = (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled())

    release_tasks.check(Context(Config(overrides={PROJECT_KEY: str(proj.path)})))

    assert (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()) == before
