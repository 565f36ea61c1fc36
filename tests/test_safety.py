"""Pre-flight: every check before any change, all problems at once; and a true dry-run."""

from __future__ import annotations

import subprocess

from .servers import free_port


def problems(out: str) -> list[str]:
    return [line[4:] for line in out.splitlines() if line.startswith("  - ")]


def test_index_unreachable(project, fab, editor):
    port = free_port()
    proj = project("modern", tool_cfg=f'repository = "http://127.0.0.1:{port}/"\n')
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert problems(run.out) == [f"index http://127.0.0.1:{port}/ is unreachable: connection "
                                 "refused (check the repository URL and that the index is "
                                 "running)"]
    assert proj.state() == before


def test_version_already_on_the_index(project, fab, pypi, editor, tmp_path):
    proj = project("modern", tool_cfg=f'repository = "{pypi.url}"\n')
    (pypi.packages / "modernpkg-1.4.3.tar.gz").write_bytes(b"someone else's release")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert f"modernpkg 1.4.3 is already on {pypi.url} (modernpkg-1.4.3.tar.gz): release a new " \
           "version" in problems(run.out)
    assert proj.state() == before


def test_behind_upstream(project, fab, editor, tmp_path):
    proj = project("modern")
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(proj.origin), str(other)], check=True)
    (other / "NEWS").write_text("someone else's commit\n")
    subprocess.run(["git", "add", "NEWS"], cwd=other, check=True)
    subprocess.run(["git", "commit", "-qm", "Theirs"], cwd=other, check=True)
    subprocess.run(["git", "push", "-q"], cwd=other, check=True)
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert "main is behind origin/main (pull first, then release)" in problems(run.out)
    assert proj.state() == before  # checked with ls-remote: not even a fetch


def test_tag_already_on_origin(project, fab, editor):
    proj = project("modern")
    proj.git("tag", "1.4.3")
    proj.git("push", "-q", "origin", "1.4.3")
    proj.git("tag", "-d", "1.4.3")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert any("tag 1.4.3 already exists on origin" in p for p in problems(run.out))
    assert proj.state() == before


def test_detached_head(project, fab, editor):
    proj = project("modern")
    proj.git("checkout", "-q", "--detach")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert "HEAD is detached (check out the branch to release from)" in problems(run.out)
    assert proj.state() == before


def test_configured_file_without_the_current_version(project, fab, editor):
    proj = project("modern")
    proj.write("modernpkg/__init__.py", '"""A modern package."""\n__version__ = "9.9.9"\n')
    proj.commit("Out of step")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    found = [p for p in problems(run.out) if p.startswith("cannot write version 1.4.3")]
    assert found and "modernpkg/__init__.py" in found[0]
    assert proj.state() == before


def test_readme_that_does_not_render(project, fab, editor):
    """``[project] readme`` publishes the file as it is: the pre-flight can tell."""
    proj = project("plain")
    proj.write("README.rst", "plainpkg\n========\n\nThis `link is broken\n")
    proj.commit("Broken README")
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert any(p.startswith("README.rst does not render") and "twine check would fail" in p
               for p in problems(run.out))
    assert proj.state() == before


def test_a_description_setup_py_computes_is_judged_on_the_built_files(project, fab, editor):
    """setup.py publishes only the README's first part: the broken rest never stops the
    release; a broken published part is caught by twine check before any upload."""
    proj = project("cookiecutter")
    proj.write("setup.py", proj.read("setup.py").replace(
        "long_description=open('README.rst').read(),",
        "long_description=open('README.rst').read().split('.. cut')[0],"))
    proj.write("README.rst", "cookiepkg\n=========\n\nFine.\n\n.. cut\n\nThis `link is broken\n")
    proj.commit("Only the top of the README is published")

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert "0.2.1" in proj.tags()

    proj.write("README.rst", "cookiepkg\n=========\n\nThis `link is broken\n\n.. cut\n")
    proj.commit("Now the published part is broken")
    before = proj.state()

    failed = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert failed.code == 1
    assert "build failed: twine check failed" in failed.out
    assert proj.state() == before
    index = proj.path.parent / "home" / ".local" / "share" / "release_tasks" / "index"
    assert not list(index.rglob("cookiepkg-0.2.2*"))


def test_history_file_that_is_not_text(project, fab, editor):
    proj = project("cookiecutter")
    (proj.path / "HISTORY.rst").write_bytes(b"\xff\xfe\x00binary\x00")
    proj.commit("Binary history")

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert "HISTORY.rst is not UTF-8 text (convert it to UTF-8)" in problems(run.out)


def test_pypirc_section_without_credentials(project, fab, editor, home, pypi):
    (home / ".pypirc").write_text(f"[distutils]\nindex-servers = team\n\n[team]\n"
                                  f"repository = {pypi.url}\n")
    proj = project("modern", tool_cfg='repository = "team"\n')

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert any(p.startswith("no credentials for team (") for p in problems(run.out))


def test_pypirc_credentials_are_used_and_never_shown(project, fab, editor, home, pypi):
    (home / ".pypirc").write_text(f"[team]\nrepository = {pypi.url}\nusername = bob\n"
                                  "password = pypirc-Secret-77\n")
    proj = project("modern", tool_cfg='repository = "team"\n')

    run = fab(proj, "release", "--yes", "--skip-docs", "--verbose", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert pypi.files() == ["modernpkg-1.4.3-py3-none-any.whl", "modernpkg-1.4.3.tar.gz"]
    assert "pypirc-Secret-77" not in run.out
    assert f"team ({pypi.url})" in run.out


def test_slack_channel_without_a_webhook_is_a_warning(project, fab, editor):
    proj = project("modern", tool_cfg='slack_channel = "#releases"\n')

    run = fab(proj, "check", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert "! slack_channel is set but SLACK_WEBHOOK_URL is not" in run.out


def test_dry_run_shows_everything_and_changes_nothing(project, fab, pypi, editor, receiver,
                                                      tmp_path):
    site = tmp_path / "site"
    proj = project("modern", tool_cfg=f'repository = "{pypi.url}"\n'
                   f'docs_target = "{site}/{{name}}/{{version}}"\n')
    before = proj.state()
    files = sorted(p for p in proj.path.rglob("*") if ".git" not in p.parts)

    run = fab(proj, "release", "--part", "minor", "--dry-run",
              env={"EDITOR": editor(), "SLACK_WEBHOOK_URL": receiver.url,
                   "TWINE_USERNAME": "u", "TWINE_PASSWORD": "dry-Secret-42"})

    assert run.code == 0, run.out
    for expected in ("1.4.2 → 1.5.0", '"1.5.0 (', "CHANGELOG.md",
                     "modernpkg/__init__.py, pyproject.toml",
                     'commit "Bump version: 1.4.2 → 1.5.0"', "annotated tag 1.5.0",
                     "python -m build", pypi.url, f"{site}/modernpkg/1.5.0",
                     f"http://127.0.0.1:{receiver.port}/services/T…/B…/***",
                     "git push --atomic origin main 1.5.0", "nothing was changed"):
        assert expected in run.out, expected
    assert receiver.secret not in run.out and "dry-Secret-42" not in run.out
    assert proj.state() == before
    assert sorted(p for p in proj.path.rglob("*") if ".git" not in p.parts) == files
    assert pypi.files() == []
    assert receiver.requests == []
    assert not site.exists()
    assert not (proj.path / "CHANGELOG.md.opened").exists()
    assert not (proj.path.parent / "CHANGELOG.md.opened").exists()  # no editor either


def test_dry_run_with_problems_lists_them_and_exits_non_zero(project, fab):
    proj = project("modern")
    proj.git("tag", "1.4.3")
    before = proj.state()

    run = fab(proj, "release", "--dry-run", env={"EDITOR": "no-such-editor-anywhere"})

    assert run.code == 1
    assert "1.4.2 → 1.4.3" in run.out  # the plan is still shown
    assert len(problems(run.out)) == 2
    assert proj.state() == before


def test_a_remote_named_with_a_slash_is_checked_and_named_whole(project, fab, editor,
                                                               tmp_path):
    """``team/origin/main`` is the branch main of the remote team/origin: the upstream is
    read from git, not split at the first slash."""
    proj = project("modern", tool_cfg='remote = "team/origin"\n')
    proj.git("remote", "rename", "origin", "team/origin")
    proj.git("branch", "-q", "--set-upstream-to", "team/origin/main")
    run = fab(proj, "release", "--dry-run", env={"EDITOR": editor()})
    assert run.code == 0, run.out
    assert "git push --atomic team/origin main 1.4.3" in run.out

    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(proj.origin), str(other)], check=True)
    (other / "NEWS").write_text("someone else's commit\n")
    subprocess.run(["git", "add", "NEWS"], cwd=other, check=True)
    subprocess.run(["git", "commit", "-qm", "Theirs"], cwd=other, check=True)
    subprocess.run(["git", "push", "-q"], cwd=other, check=True)
    before = proj.state()

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1
    assert "main is behind team/origin/main (pull first, then release)" in problems(run.out)
    assert proj.state() == before


def test_a_branch_is_pushed_to_the_branch_it_tracks(project, fab, editor):
    """main tracks release on team/origin: the push line and the push say so."""
    proj = project("modern", tool_cfg='remote = "team/origin"\npush = true\n')
    proj.git("remote", "rename", "origin", "team/origin")
    proj.git("push", "-q", "team/origin", "main:release")
    proj.git("branch", "-q", "--set-upstream-to", "team/origin/release")

    run = fab(proj, "release", "--dry-run", env={"EDITOR": editor()})
    assert run.code == 0, run.out
    assert "git push --atomic team/origin main:release 1.4.3" in run.out

    run = fab(proj, "release", "--yes", "--skip-docs", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    refs = proj.origin_refs()
    assert f"{proj.head()} commit\trefs/heads/release" in refs
    assert "refs/tags/1.4.3" in refs
