"""Versions through the real `fab`: bump-my-version's templates and hooks, the .dev bump
after a release candidate, and the build proving its version (rolled back when not)."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap

from .projects import GIT_ENV

YEAR = datetime.date.today().year


def add_to_bumpversion(proj, lines: str) -> None:
    text = proj.read("pyproject.toml").replace(
        '[tool.bumpversion]\ncurrent_version = "1.4.2"\n',
        '[tool.bumpversion]\ncurrent_version = "1.4.2"\n' + lines)
    proj.write("pyproject.toml", text)
    proj.commit("Configure bump-my-version")


def test_templates_and_hooks_of_bump_my_version_are_its_own(project, fab, editor, tmp_path):
    proj = project("modern")
    hook = tmp_path / "hook.py"
    log = tmp_path / "hooks.log"
    hook.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import os, sys
        with open({str(log)!r}, "a") as f:
            f.write(sys.argv[1] + " " + os.environ.get("BVHOOK_NEW_VERSION", "-") + "\\n")
        """))
    hook.chmod(0o755)
    add_to_bumpversion(proj, textwrap.dedent(f"""\
        tag_name = "v{{new_major}}.{{new_minor}}.{{new_patch}}-{{now:%Y}}"
        message = "Bump to {{new_version}} in {{now:%Y}}"
        setup_hooks = ["{hook} setup"]
        pre_commit_hooks = ["{hook} pre"]
        post_commit_hooks = ["{hook} post"]
        """))

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert proj.tags() == [f"v1.4.3-{YEAR}"]
    assert proj.git("log", "--format=%s", "-1") == f"Bump to 1.4.3 in {YEAR}"
    assert log.read_text().split("\n")[:3] == ["setup -", "pre 1.4.3", "post 1.4.3"]


def test_a_failing_pre_commit_hook_stops_the_bump_and_rolls_back(project, fab, editor):
    proj = project("modern")
    add_to_bumpversion(proj, 'pre_commit_hooks = ["false"]\n')
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 1
    assert "a bump-my-version hook failed: 'false' exited with 1" in run.out
    assert proj.state() == before


def test_release_candidate_then_final_then_next_dev(project, fab, editor):
    proj = project("modern", tool_cfg="dev_bump = true\n")

    run = fab(proj, "release", "--new-version", "2.0.0rc1", "--yes", "--skip-docs",
              env={"EDITOR": editor()})
    assert run.code == 0, run.out
    assert "dev_bump" not in proj.git("log", "--format=%s", "-1")
    assert '__version__ = "2.0.0rc1"' in proj.read("modernpkg/__init__.py")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})
    assert run.code == 0, run.out
    assert "2.0.0rc1 → 2.0.0 " in run.out
    assert proj.tags() == ["2.0.0", "2.0.0rc1"]
    assert proj.git("log", "--format=%s", "-1") == "Back to development: 2.0.1.dev0"
    assert '__version__ = "2.0.1.dev0"' in proj.read("modernpkg/__init__.py")
    assert 'version = "2.0.1.dev0"' in proj.read("pyproject.toml")


def test_a_build_of_the_wrong_version_is_refused_and_leaves_no_file(project, fab, editor):
    proj = project("cookiecutter")
    # The module's __version__ is no longer part of the bump: the wheel would say 0.2.0.
    cfg = proj.read("setup.cfg")
    start = cfg.index("[bumpversion:file:cookiepkg/__init__.py]")
    proj.write("setup.cfg", cfg[:start] + cfg[cfg.index("[release_tasks]"):])
    proj.commit("Forget the module")
    before = proj.state()

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 1
    assert "the build is not version 0.2.1: cookiepkg/__init__.py in the wheel has " \
           "__version__ 0.2.0" in run.out
    assert proj.state() == before
    assert not (proj.path / "dist").exists()
    assert proj.tags() == []


def test_a_setup_py_literal_left_behind_fails_the_build_and_is_cleaned(project, fab, editor):
    proj = project("cookiecutter")
    (proj.path / "dist").mkdir()
    (proj.path / "dist" / "keep.txt").write_text("mine")
    cfg = proj.read("setup.cfg")
    start = cfg.index("[bumpversion:file:setup.py]")
    proj.write("setup.cfg", cfg[:start] + cfg[cfg.index("[bumpversion:file:cookiepkg"):])
    proj.commit("Forget setup.py")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 1
    assert "0.2.1" in run.out and "0.2.0" in run.out
    assert sorted(p.name for p in (proj.path / "dist").iterdir()) == ["keep.txt"]
    assert proj.tags() == []


def test_hooks_run_in_the_repository_root_with_its_facts_from_another_repo(project, fab,
                                                                           editor, tmp_path):
    """fab started in another repository (``-r`` names the project): bump-my-version's
    facts and hooks are the project's, not those of the folder the release started in."""
    proj = project("modern")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "Other"],
                 ["tag", "v9.9.9"]):
        subprocess.run(["git", *args], cwd=elsewhere, env={**os.environ, **GIT_ENV},
                       check=True)
    proj.git("tag", "-a", "v1.4.2", "-m", "Release 1.4.2")
    log = tmp_path / "hooks.log"
    hook = tmp_path / "hook.py"
    hook.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import os, sys
        with open({str(log)!r}, "a") as f:
            f.write(" ".join([sys.argv[1], os.getcwd(), os.environ["BVHOOK_CURRENT_TAG"],
                              os.environ["BVHOOK_BRANCH_NAME"]]) + "\\n")
        """))
    hook.chmod(0o755)
    add_to_bumpversion(proj, f'setup_hooks = ["{hook} setup"]\n'
                             f'pre_commit_hooks = ["{hook} pre"]\n')
    branch = proj.git("symbolic-ref", "--short", "HEAD")

    run = fab(elsewhere, "-r", str(proj.path), "release", "--yes", "--skip-docs", "--skip-upload",
              "--skip-notify", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert log.read_text().splitlines() == [f"setup {proj.path} v1.4.2 {branch}",
                                            f"pre {proj.path} v1.4.2 {branch}"]
    assert '__version__ = "1.4.3"' in proj.read("modernpkg/__init__.py")
