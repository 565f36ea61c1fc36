"""Scenarios: `fab release` end to end on real repositories, a real index, a real editor."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest

TODAY = datetime.date.today().isoformat()


def pip_install(simple_url: str, requirement: str, target: Path) -> str:
    """Install from the index into a fresh folder and import it: the release is usable."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-cache-dir",
         "--index-url", simple_url, "--target", str(target), requirement],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(target)!r}); "
         f"import {requirement.split('==')[0]} as m; print(m.__version__)"],
        capture_output=True, text=True, check=True).stdout.strip()


def test_modern_layout_releases_to_a_real_index(project, fab, pypi, editor, receiver, tmp_path):
    docs_root = tmp_path / "docs-site"
    proj = project("modern", tool_cfg=f'repository = "{pypi.url}"\n'
                   f'docs_target = "{docs_root}/{{name}}/{{version}}"\n')
    origin_before = proj.origin_refs()
    start = proj.head()

    run = fab(proj, "release", "--part", "minor", "--yes",
              env={"EDITOR": editor("- Made everything faster."),
                   "SLACK_WEBHOOK_URL": receiver.url})

    assert run.code == 0, run.out
    # History: a dated section above the previous one, holding the editor's note.
    log = proj.read("CHANGELOG.md")
    assert re.search(rf"^## 1\.5\.0 \({TODAY}\)\n\n- Made everything faster\.$", log, re.M)
    assert log.index("## 1.5.0") < log.index("## 1.4.2")
    # Version bumped everywhere; two commits; an annotated tag on HEAD.
    assert 'version = "1.5.0"' in proj.read("pyproject.toml")
    assert 'current_version = "1.5.0"' in proj.read("pyproject.toml")
    assert '__version__ = "1.5.0"' in proj.read("modernpkg/__init__.py")
    assert proj.git("rev-list", "--count", f"{start}..HEAD") == "2"
    assert proj.git("log", "--format=%s", "-2").splitlines() == [
        "Bump version: 1.4.2 → 1.5.0", "Update CHANGELOG.md for 1.5.0"]
    assert proj.tags() == ["1.5.0"]
    assert proj.git("cat-file", "-t", "1.5.0") == "tag"
    assert proj.git("rev-parse", "1.5.0^{commit}") == proj.head()
    assert proj.git("status", "--porcelain", "--untracked-files=no") == ""
    # The index holds exactly the sdist and wheel, and they install.
    assert pypi.files() == ["modernpkg-1.5.0-py3-none-any.whl", "modernpkg-1.5.0.tar.gz"]
    assert pip_install(pypi.simple, "modernpkg==1.5.0", tmp_path / "site") == "1.5.0"
    # Docs shipped into a versioned folder with `latest` pointing at it.
    assert (docs_root / "modernpkg" / "1.5.0" / "index.html").is_file()
    assert (docs_root / "modernpkg" / "latest").resolve() == docs_root / "modernpkg" / "1.5.0"
    assert "1.5.0" in (docs_root / "modernpkg" / "1.5.0" / "index.html").read_text()
    # Slack was told; origin was not touched; the push command is printed.
    assert any("1.5.0" in p.get("text", "") for p in receiver.payloads())
    assert proj.origin_refs() == origin_before
    assert "git push --atomic origin main 1.5.0" in run.out
    assert receiver.secret not in run.out
    # One line of progress per step.
    for step in ("edit_history", "bump", "tag", "build", "build_docs", "upload", "ship_docs",
                 "notify_slack"):
        assert sum(1 for line in run.lines() if re.match(rf"^✓ {step}\s", line)) == 1, step


def test_cookiecutter_layout_with_setup_cfg_bumpversion(project, fab, pypi, editor, tmp_path):
    proj = project("cookiecutter", tool_cfg=f"repository = {pypi.url}\n")

    run = fab(proj, "release", "--yes", env={"EDITOR": editor("* Fixed the widget.")})

    assert run.code == 0, run.out
    history = proj.read("HISTORY.rst")
    # The header stays on top; the new section uses the file's "+" underline, right length.
    assert history.startswith(".. :changelog:\n\nHistory\n-------\n\n0.2.1 (")
    title = f"0.2.1 ({TODAY})"
    assert f"{title}\n{'+' * len(title)}\n\n* Fixed the widget.\n" in history
    assert "current_version = 0.2.1" in proj.read("setup.cfg")
    assert "version='0.2.1'" in proj.read("setup.py")
    assert "__version__ = '0.2.1'" in proj.read("cookiepkg/__init__.py")
    assert proj.tags() == ["0.2.1"]
    assert pypi.files() == ["cookiepkg-0.2.1-py3-none-any.whl", "cookiepkg-0.2.1.tar.gz"]
    assert pip_install(pypi.simple, "cookiepkg==0.2.1", tmp_path / "site") == "0.2.1"


def test_plain_layout_without_bumpversion_config_dates_the_unreleased_section(
        project, fab, pypi, editor, home):
    proj = project("plain", tool_cfg=f'repository = "{pypi.url}"\n')

    run = fab(proj, "release", "--yes", env={"EDITOR": editor("- Also this.")})

    assert run.code == 0, run.out
    assert "pyproject.toml [project] version and plainpkg/__init__.py __version__" in run.out
    changes = proj.read("CHANGES.rst")
    title = f"3.0.2 ({TODAY})"
    assert f"{title}\n{'-' * len(title)}\n" in changes
    assert "unreleased" not in changes
    assert changes.count("3.0.2") == 1  # dated in place, not duplicated
    assert "- Made it plainer." in changes and "- Also this." in changes
    assert 'version = "3.0.2"' in proj.read("pyproject.toml")
    assert '__version__ = "3.0.2"' in proj.read("plainpkg/__init__.py")
    assert proj.tags() == ["3.0.2"]
    # No docs: both docs steps say so, and no HTML was built or shipped anywhere.
    skipped = {step for line in run.lines() for step in ("build_docs", "ship_docs")
               if re.search(rf"\b{step}\s+skipped: no Sphinx docs", line)}
    assert skipped == {"build_docs", "ship_docs"}, run.out
    assert not (proj.path / "build" / "docs-html").exists()
    assert not (home / ".local/share/release_tasks/docs").exists()  # the default target
    assert pypi.files() == ["plainpkg-3.0.2-py3-none-any.whl", "plainpkg-3.0.2.tar.gz"]


@pytest.mark.parametrize(("args", "version"), [
    (["--part", "major"], "2.0.0"),
    (["--new-version", "2.0.0rc1"], "2.0.0rc1"),
])
def test_part_and_new_version_choose_the_release(project, fab, editor, args, version):
    proj = project("modern")

    run = fab(proj, "release", *args, "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert f'version = "{version}"' in proj.read("pyproject.toml")
    assert proj.tags() == [version]
    assert f"## {version} ({TODAY})" in proj.read("CHANGELOG.md")


def test_prerelease_scheme_from_the_projects_own_parse_and_serialize(project, fab, editor):
    proj = project("cookiecutter")
    cfg = proj.read("setup.cfg").replace(
        "current_version = 0.2.0\n",
        "current_version = 1.3.0rc1\n"
        "parse = (?P<major>\\d+)\\.(?P<minor>\\d+)\\.(?P<patch>\\d+)"
        "(?:(?P<release>rc|final)(?P<build>\\d+))?\n"
        "serialize =\n\t{major}.{minor}.{patch}{release}{build}\n\t{major}.{minor}.{patch}\n")
    cfg += "\n[bumpversion:part:release]\noptional_value = final\nvalues =\n\trc\n\tfinal\n"
    proj.write("setup.cfg", cfg)
    for f in ("setup.py", "cookiepkg/__init__.py"):
        proj.write(f, proj.read(f).replace("0.2.0", "1.3.0rc1"))
    proj.commit("Pre-release 1.3.0rc1")

    run = fab(proj, "release", "--part", "build", "--yes", "--skip-docs",
              env={"EDITOR": editor()})
    assert run.code == 0, run.out
    assert "version='1.3.0rc2'" in proj.read("setup.py")

    run = fab(proj, "release", "--part", "release", "--yes", "--skip-docs",
              env={"EDITOR": editor()})
    assert run.code == 0, run.out
    assert "version='1.3.0'" in proj.read("setup.py")
    assert proj.tags() == ["1.3.0", "1.3.0rc2"]


def test_push_sends_branch_and_tag_in_one_atomic_push(project, fab, editor):
    proj = project("modern", tool_cfg="push = true\n")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    refs = proj.origin_refs()
    assert f"{proj.head()} commit\trefs/heads/main" in refs
    assert "refs/tags/1.4.3" in refs
    assert "Now push it" not in run.out


def test_dev_bump_moves_to_the_next_dev_version_with_an_unreleased_section(
        project, fab, editor):
    proj = project("modern", tool_cfg="dev_bump = true\n")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert proj.tags() == ["1.4.3"]
    assert 'version = "1.4.4.dev0"' in proj.read("pyproject.toml")
    assert proj.git("log", "-1", "--format=%s") == "Back to development: 1.4.4.dev0"
    log = proj.read("CHANGELOG.md")
    assert log.index("## 1.4.4 (unreleased)") < log.index(f"## 1.4.3 ({TODAY})")
    # The next release releases 1.4.4 and dates that section in place.
    proj.write("modernpkg/next.py", "NEXT = True\n")  # something new to release
    proj.commit("Add next")
    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor("- Next.")})
    assert run.code == 0, run.out
    assert proj.tags() == ["1.4.3", "1.4.4"]
    log = proj.read("CHANGELOG.md")
    assert f"## 1.4.4 ({TODAY})\n\n- Next." in log
    assert "1.4.4 (unreleased)" not in log and "Nothing changed yet" not in log.split("1.4.4")[1]


def test_default_repository_is_a_local_folder_index_pip_can_use(project, fab, editor, home,
                                                                 tmp_path):
    proj = project("modern")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    index = home / ".local" / "share" / "release_tasks" / "index"
    files = sorted(p.name for p in (index / "simple" / "modernpkg").iterdir())
    assert files == ["index.html", "modernpkg-1.4.3-py3-none-any.whl", "modernpkg-1.4.3.tar.gz"]
    simple = (index / "simple").as_uri() + "/"
    assert f"pip install --index-url {simple} modernpkg==1.4.3" in run.out
    assert pip_install(simple, "modernpkg==1.4.3", tmp_path / "site") == "1.4.3"


def test_build_uses_the_tag_not_the_working_tree(project, fab, pypi, editor, tmp_path):
    proj = project("modern", tool_cfg=f'repository = "{pypi.url}"\n')
    proj.write("modernpkg/untracked_secret.py", "TOKEN = 'do-not-ship'\n")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    import tarfile
    import zipfile

    sdist = proj.path / "dist" / "modernpkg-1.4.3.tar.gz"
    with tarfile.open(sdist) as t:
        assert not [n for n in t.getnames() if "untracked_secret" in n]
    with zipfile.ZipFile(proj.path / "dist" / "modernpkg-1.4.3-py3-none-any.whl") as z:
        assert not [n for n in z.namelist() if "untracked_secret" in n]
    assert (proj.path / "modernpkg" / "untracked_secret.py").exists()  # left alone


@pytest.mark.parametrize(("layout", "installer"), [("modern", "uv"), ("cookiecutter", "pip")])
def test_isolated_builds_with_uv_or_pip(project, fab, editor, tmp_path, layout, installer):
    proj = project(layout, tool_cfg=f'build_installer = "{installer}"\n'
                   if layout == "modern" else f"build_installer = {installer}\n")
    cfg = "pyproject.toml" if layout == "modern" else "setup.cfg"
    proj.write(cfg, proj.read(cfg).replace("build_isolation = false\n", ""))
    proj.commit("Default build isolation")

    run = fab(proj, "release", "--yes", "--skip-docs", "--verbose", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    # made while the history was edited (uv), or by the build itself (pip)
    assert re.search(rf"isolated build environment (made|reused \(made) with {installer}\)?:",
                     run.out), run.out
    version = "1.4.3" if layout == "modern" else "0.2.1"
    dist = sorted(p.name for p in (proj.path / "dist").iterdir())
    assert dist == [f"{proj.name}-{version}-py3-none-any.whl", f"{proj.name}-{version}.tar.gz"]
    index = (proj.path.parent / "home/.local/share/release_tasks/index/simple").as_uri() + "/"
    assert pip_install(index, f"{proj.name}=={version}", tmp_path / "site") == version


def test_what_a_release_does_not_change_is_asked_of_git_once(project, fab, editor, tmp_path):
    """What the branch tracks and the editor are read once for the whole release (the
    checks, the history step and the push line all use that answer); git's own trace
    counts the commands."""
    proj = project("modern")
    trace = tmp_path / "git-trace"

    run = fab(proj, "release", "--yes", "--skip-docs", "--skip-upload",
              env={"EDITOR": editor(), "GIT_TRACE": str(trace)})

    assert run.code == 0, run.out
    assert "Now push it: git push --atomic origin main 1.4.3" in run.out
    commands = [line.split("trace: built-in: ", 1)[1] for line in
                trace.read_text().splitlines() if "trace: built-in: " in line]
    for asked in ("git var GIT_EDITOR", "%(upstream:remotename)"):
        assert sum(asked in c for c in commands) == 1, (asked, "\n".join(commands))
