"""Scenarios: several packages in one repository, released with real git, real `fab` and
the embedded default index."""

from __future__ import annotations

import os
import subprocess
import textwrap
import zipfile
from pathlib import Path

from .projects import DOCS_CONF, DOCS_INDEX, DOCS_USAGE, GIT_ENV, Project

ROOT_UV = """\
[tool.uv.workspace]
members = ["packages/*"]

[tool.release_tasks]
build_isolation = false
"""


def _member(name: str, version: str, deps: list[str], extra: str = "") -> dict[str, str]:
    module = name.replace("-", "_")
    deps_toml = ", ".join(f'"{d}"' for d in deps)
    return {
        "pyproject.toml": f"""\
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{name}"
            version = "{version}"
            dependencies = [{deps_toml}]
            {extra}
            """,
        f"src/{module}/__init__.py": f'__version__ = "{version}"\n',
        "CHANGES.rst": f"Changelog\n=========\n\n{version} (2024-01-01)\n"
                       f"{'-' * (len(version) + 13)}\n\n- First release.\n",
    }


def make_repo(tmp: Path, root_pyproject: str, members: dict[str, dict[str, str]]) -> Project:
    path = tmp / "mono"
    files = {"pyproject.toml": root_pyproject, "fabfile.py": "from release_tasks import *\n",
             ".gitignore": "build/\ndist/\n*.egg-info/\n"}
    for folder, member_files in members.items():
        files.update({f"{folder}/{k}": v for k, v in member_files.items()})
    for rel, text in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    origin = tmp / "origin.git"
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True, env=env)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Initial"],
                 ["remote", "add", "origin", str(origin)], ["push", "-q", "-u", "origin", "main"]):
        subprocess.run(["git", *args], cwd=path, check=True, env=env, capture_output=True)
    for member_files in members.values():  # each member released once already
        text = textwrap.dedent(member_files["pyproject.toml"])
        name = text.split('name = "', 1)[1].split('"', 1)[0]
        version = text.split('version = "', 1)[1].split('"', 1)[0]
        subprocess.run(["git", "tag", "-a", "-m", "Release", f"{name}-v{version}"], cwd=path,
                       check=True, env=env)
    return Project(path=path, origin=origin, name="mono", module="", history="CHANGES.rst",
                   layout="workspace")


def uv_workspace(tmp: Path, docs_target: Path | None = None) -> Project:
    """acme-core (with docs); acme-cli pins acme-core exactly; acme-web takes a range."""
    core = _member("acme-core", "0.2.0", [], extra=(
        f'[tool.release_tasks]\ndocs_target = "{docs_target}/{{name}}/{{version}}"'
        if docs_target else ""))
    core |= {"docs/conf.py": DOCS_CONF.format(name="acme-core"),
             "docs/index.rst": DOCS_INDEX.format(name="acme-core", rule="=" * 9),
             "docs/usage.rst": DOCS_USAGE}
    return make_repo(tmp, ROOT_UV, {
        "packages/acme-core": core,
        "packages/acme-cli": _member("acme-cli", "0.1.0", ["acme-core==0.2.0"]),
        "packages/acme-web": _member("acme-web", "1.0.0", ["acme-core>=0.2"]),
    })


def index_files(home: Path) -> list[str]:
    index = home / ".local" / "share" / "release_tasks" / "index"
    return sorted(p.name for p in index.rglob("*") if p.suffix in (".whl", ".gz"))


def test_changed_releases_the_changed_member_and_the_one_pinning_it(fab, tmp_path, home,
                                                                   receiver):
    docs = tmp_path / "site"
    proj = uv_workspace(tmp_path, docs)
    proj.write("packages/acme-core/src/acme_core/api.py", "def f():\n    return 1\n")
    proj.commit("Add the api")
    origin_before = proj.origin_refs()
    before_tags = set(proj.tags())

    run = fab(proj, "release", "--changed", "--yes", "--notes", "- Added the api.",
              env={"SLACK_WEBHOOK_URL": receiver.url})

    assert run.code == 0, run.out
    assert sorted(set(proj.tags()) - before_tags) == ["acme-cli-v0.1.1", "acme-core-v0.2.1"]
    # The exact pin moved; the range that still holds did not, and acme-web stayed.
    cli = proj.read("packages/acme-cli/pyproject.toml")
    assert '"acme-core==0.2.1"' in cli and 'version = "0.1.1"' in cli
    assert '"acme-core>=0.2"' in proj.read("packages/acme-web/pyproject.toml")
    assert 'version = "1.0.0"' in proj.read("packages/acme-web/pyproject.toml")
    assert "- Requires acme-core 0.2.1." in proj.read("packages/acme-cli/CHANGES.rst")
    assert "- Added the api." in proj.read("packages/acme-core/CHANGES.rst")
    # Dependency order: acme-core's tag comes first in history.
    assert proj.git("merge-base", "--is-ancestor", "acme-core-v0.2.1", "acme-cli-v0.1.1",
                    check=False) == ""
    # Each member built into its own dist/, and the wheel carries the moved pin.
    wheel = proj.path / "packages/acme-cli/dist/acme_cli-0.1.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        metadata = z.read("acme_cli-0.1.1.dist-info/METADATA").decode()
    assert "Requires-Dist: acme-core==0.2.1" in metadata
    assert index_files(home) == ["acme_cli-0.1.1-py3-none-any.whl", "acme_cli-0.1.1.tar.gz",
                                 "acme_core-0.2.1-py3-none-any.whl", "acme_core-0.2.1.tar.gz"]
    # acme-core's docs shipped; one push line for both tags; origin untouched.
    assert (docs / "acme-core" / "0.2.1" / "index.html").is_file()
    assert "git push --atomic origin main acme-core-v0.2.1 acme-cli-v0.1.1" in run.out
    assert proj.origin_refs() == origin_before
    assert proj.git("status", "--porcelain", "--untracked-files=no") == ""
    # One message names both releases, with each one's notes.
    [message] = [p["text"] for p in receiver.payloads()]
    assert message.startswith("Released acme-core 0.2.1, acme-cli 0.1.1")
    assert "Added the api." in message and "Requires acme-core 0.2.1." in message


def test_a_release_without_a_choice_is_refused_and_changes_nothing(fab, tmp_path):
    proj = uv_workspace(tmp_path)
    before = proj.state()

    run = fab(proj, "release", "--yes")

    assert run.code != 0
    assert "acme-cli, acme-core, acme-web" in run.out
    assert "--package" in run.out and "--changed" in run.out
    assert len([line for line in run.lines() if line.startswith("✗")]) == 1
    assert proj.state() == before


def test_dry_run_lists_each_member_with_its_versions_and_why(fab, tmp_path):
    proj = uv_workspace(tmp_path)
    proj.write("packages/acme-core/src/acme_core/api.py", "X = 1\n")
    proj.commit("Add X")
    before = proj.state()

    run = fab(proj, "release", "--changed", "--dry-run")

    assert run.code == 0, run.out
    assert "  acme-core 0.2.0 → 0.2.1 (changed)" in run.lines()
    assert "  acme-cli 0.1.0 → 0.1.1 (pin moved; pin acme-core==0.2.1)" in run.lines()
    assert not any("acme-web" in line for line in run.lines())
    assert proj.state() == before


def test_plain_folders_listed_in_packages_release_one_by_name_or_folder(fab, tmp_path, home):
    proj = make_repo(tmp_path, '[tool.release_tasks]\npackages = ["libs/*", "tools/cli"]\n'
                     "build_isolation = false\n", {
                         "libs/acme-core": _member("acme-core", "0.2.0", []),
                         "tools/cli": _member("acme-tool", "1.0.0", []),
                     })

    by_folder = fab(proj, "release", "--package", "cli", "--yes", "--notes", "- Fixed.")
    by_name = fab(proj, "release", "--package", "acme-core", "--yes", "--notes", "- Fixed.")

    assert by_folder.code == 0, by_folder.out
    assert by_name.code == 0, by_name.out
    assert {"acme-core-v0.2.1", "acme-tool-v1.0.1"} <= set(proj.tags())
    assert 'version = "1.0.1"' in proj.read("tools/cli/pyproject.toml")
    assert 'version = "0.2.1"' in proj.read("libs/acme-core/pyproject.toml")
    assert proj.git("log", "--format=%s", "-1", "--", "tools/cli") == \
        "Bump version: 1.0.0 → 1.0.1"
    assert index_files(home) == ["acme_core-0.2.1-py3-none-any.whl", "acme_core-0.2.1.tar.gz",
                                 "acme_tool-1.0.1-py3-none-any.whl", "acme_tool-1.0.1.tar.gz"]


def test_a_build_failing_in_the_second_member_rolls_every_member_back(fab, tmp_path, home):
    proj = uv_workspace(tmp_path)
    proj.write("packages/acme-cli/setup.py", "raise SystemExit('the cli build is broken')\n")
    proj.write("packages/acme-core/src/acme_core/api.py", "X = 1\n")
    proj.commit("Break the cli build")
    before = proj.state()

    run = fab(proj, "release", "--changed", "--yes", "--notes", "- Fixed.")

    assert run.code != 0
    assert "build acme-cli failed" in run.out and "rolled back" in run.out
    assert proj.state() == before
    assert index_files(home) == []
    assert not (proj.path / "packages/acme-core/dist").exists() or \
        list((proj.path / "packages/acme-core/dist").iterdir()) == []


def test_a_dirty_file_in_an_unrelated_member_is_refused_and_named(fab, tmp_path):
    proj = uv_workspace(tmp_path)
    proj.write("packages/acme-core/src/acme_core/api.py", "X = 1\n")
    proj.commit("Add X")
    proj.write("packages/acme-web/src/acme_web/__init__.py", '__version__ = "1.0.0"\nY = 2\n')
    before = proj.state()

    run = fab(proj, "release", "--changed", "--yes", "--notes", "- Fixed.")

    assert run.code != 0
    # Named from the repository's root, not from the folder of the package released.
    assert "uncommitted changes in packages/acme-web/src/acme_web/__init__.py" in run.out
    assert "../" not in run.out
    assert proj.state() == before


def test_a_member_without_a_version_source_is_named(fab, tmp_path):
    proj = uv_workspace(tmp_path)
    proj.write("packages/acme-web/pyproject.toml",
               '[project]\nname = "acme-web"\ndynamic = ["version"]\n')
    proj.write("packages/acme-web/src/acme_web/__init__.py", "")
    proj.commit("acme-web loses its version")
    before = proj.state()

    run = fab(proj, "release", "--changed", "--yes", "--notes", "- Fixed.")

    assert run.code != 0
    assert "packages/acme-web: no bumpversion config and no version found" in run.out
    assert proj.state() == before


def test_a_single_member_in_a_subfolder_releases_with_correct_paths(fab, tmp_path, home):
    proj = make_repo(tmp_path, ROOT_UV.replace("packages/*", "libs/*"),
                     {"libs/acme-core": _member("acme-core", "0.2.0", [])})

    run = fab(proj, "release", "--package", "acme-core", "--yes", "--notes", "- Fixed.")

    assert run.code == 0, run.out
    assert proj.tags() == ["acme-core-v0.2.0", "acme-core-v0.2.1"]
    assert proj.git("show", "--name-only", "--format=", "HEAD").split() == [
        "libs/acme-core/pyproject.toml", "libs/acme-core/src/acme_core/__init__.py"]
    assert proj.git("show", "--name-only", "--format=", "HEAD~1").split() == [
        "libs/acme-core/CHANGES.rst"]
    assert sorted(p.name for p in (proj.path / "libs/acme-core/dist").iterdir()) == [
        "acme_core-0.2.1-py3-none-any.whl", "acme_core-0.2.1.tar.gz"]
    assert not (proj.path / "dist").exists()
    assert "git push --atomic origin main acme-core-v0.2.1" in run.out


def test_an_upload_failing_after_the_first_member_is_resumable(fab, tmp_path, pypi):
    from .servers import FlakyProxy, closing

    with closing(FlakyProxy(pypi.url, status=500, pass_first=2)) as proxy:
        proj = uv_workspace(tmp_path)
        proj.write("pyproject.toml", ROOT_UV + f'repository = "{proxy.url}"\n')
        proj.write("packages/acme-core/src/acme_core/api.py", "X = 1\n")
        proj.commit("Upload through the proxy")
        before_tags = set(proj.tags())

        run = fab(proj, "release", "--changed", "--yes", "--notes", "- Fixed.")

        assert run.code != 0
        assert "--resume" in run.out
        assert pypi.files() == ["acme_core-0.2.1-py3-none-any.whl", "acme_core-0.2.1.tar.gz"]
        # Nothing left the machine for acme-cli, but acme-core is out: both are kept.
        assert sorted(set(proj.tags()) - before_tags) == ["acme-cli-v0.1.1", "acme-core-v0.2.1"]
        posts = proxy.posts

        proxy.failing = False
        run = fab(proj, "release", "--resume")

        assert run.code == 0, run.out
        assert pypi.files() == ["acme_cli-0.1.1-py3-none-any.whl", "acme_cli-0.1.1.tar.gz",
                                "acme_core-0.2.1-py3-none-any.whl", "acme_core-0.2.1.tar.gz"]
        assert proxy.posts == posts + 2  # only acme-cli's two files went up
        # The summary lists both members, acme-core's uploads and docs read from its journal.
        lines = run.lines()
        core = lines.index("  acme-core 0.2.1 (tag acme-core-v0.2.1)")
        assert lines[core + 1].startswith("    uploaded  acme_core-0.2.1-py3-none-any.whl, "
                                          "acme_core-0.2.1.tar.gz → "), run.out
        assert lines[core + 2].startswith("    docs      ") and \
            lines[core + 2].endswith("acme-core/0.2.1"), run.out
        cli = lines.index("  acme-cli 0.1.1 (tag acme-cli-v0.1.1)")
        assert lines[cli + 1].startswith("    uploaded  acme_cli-0.1.1-py3-none-any.whl, "
                                         "acme_cli-0.1.1.tar.gz → "), run.out
        assert "git push --atomic origin main acme-core-v0.2.1 acme-cli-v0.1.1" in run.out
        assert fab(proj, "release", "--resume").code != 0  # the run is finished


def test_rollback_undoes_every_member_of_a_run_stopped_after_an_upload(fab, tmp_path, pypi):
    from .servers import FlakyProxy, closing

    with closing(FlakyProxy(pypi.url, status=500, pass_first=2)) as proxy:
        proj = uv_workspace(tmp_path)
        proj.write("pyproject.toml", ROOT_UV + f'repository = "{proxy.url}"\n')
        proj.write("packages/acme-core/src/acme_core/api.py", "X = 1\n")
        proj.commit("Upload through the proxy")
        before = proj.state()
        assert fab(proj, "release", "--changed", "--yes", "--notes", "- Fixed.").code != 0

        run = fab(proj, "rollback")

        assert run.code == 0, run.out
        assert proj.state() == before
        assert "removed the pin commit" in run.out
        assert fab(proj, "release", "--resume").code != 0  # nothing left to resume


def test_members_requiring_each_other_in_a_cycle_are_refused(fab, tmp_path):
    proj = make_repo(tmp_path, ROOT_UV, {
        "packages/acme-a": _member("acme-a", "1.0.0", ["acme-b==1.0.0"]),
        "packages/acme-b": _member("acme-b", "1.0.0", ["acme-a>=1"]),
    })
    before = proj.state()

    run = fab(proj, "release", "--package", "acme-a", "--yes")

    assert run.code != 0
    assert "cycle: acme-a → acme-b → acme-a" in run.out
    assert proj.state() == before


def test_check_with_changed_checks_every_member_and_changes_nothing(fab, tmp_path):
    proj = uv_workspace(tmp_path)
    proj.write("packages/acme-core/src/acme_core/api.py", "X = 1\n")
    proj.commit("Add X")
    before = proj.state()

    run = fab(proj, "check", "--changed")

    assert run.code == 0, run.out
    assert run.lines()[-1] == ("All checks passed: acme-core 0.2.0 → 0.2.1 (changed), acme-cli "
                               "0.1.0 → 0.1.1 (pin moved; pin acme-core==0.2.1).")
    assert proj.state() == before


def test_part_auto_reads_only_the_commits_of_the_member(fab, tmp_path):
    proj = uv_workspace(tmp_path)
    proj.write("packages/acme-web/src/acme_web/feature.py", "X = 1\n")
    proj.commit("feat: a feature of acme-web")
    proj.write("packages/acme-core/src/acme_core/fix.py", "X = 1\n")
    proj.commit("fix: a fix in acme-core")

    run = fab(proj, "release", "--changed", "--part", "auto", "--dry-run")

    assert run.code == 0, run.out
    assert "  acme-core 0.2.0 → 0.2.1 (changed)" in run.lines()
    assert "  acme-web 1.0.0 → 1.1.0 (changed)" in run.lines()


def test_rollback_after_a_finished_unpushed_run_undoes_every_member(fab, tmp_path, home):
    proj = uv_workspace(tmp_path)
    proj.write("packages/acme-core/src/acme_core/api.py", "X = 1\n")
    proj.commit("Add X")
    before = proj.state()
    assert fab(proj, "release", "--changed", "--yes", "--notes", "- Fixed.").code == 0
    after = proj.state()
    alone = fab(proj, "rollback", "--package", "acme-core")
    assert alone.code != 0
    assert "acme-core was released in one run with the others of it (acme-core, acme-cli)" \
        in alone.out and "`fab rollback` undoes the whole run" in alone.out
    assert proj.state() == after

    run = fab(proj, "rollback")

    assert run.code == 0, run.out
    assert proj.state() == before
    assert "deleted tag acme-cli-v0.1.1" in run.out
    assert "deleted tag acme-core-v0.2.1" in run.out
    assert "removed the pin commit" in run.out
    assert fab(proj, "rollback").code != 0  # nothing left to roll back


def test_rollback_of_a_finished_run_with_a_pushed_tag_is_refused_and_names_it(fab, tmp_path,
                                                                             home):
    proj = uv_workspace(tmp_path)
    proj.write("packages/acme-core/src/acme_core/api.py", "X = 1\n")
    proj.commit("Add X")
    assert fab(proj, "release", "--changed", "--yes", "--notes", "- Fixed.").code == 0
    proj.git("push", "-q", "origin", "main", "acme-core-v0.2.1")
    after = proj.state()

    run = fab(proj, "rollback")

    assert run.code != 0
    assert "tag acme-core-v0.2.1 of the last run is already on origin" in run.out
    assert proj.state() == after


def test_each_local_step_line_of_a_run_of_three_names_its_package(fab, tmp_path, home):
    proj = uv_workspace(tmp_path)
    for name in ("core", "cli", "web"):
        proj.write(f"packages/acme-{name}/src/acme_{name}/api.py", "X = 1\n")
    proj.commit("Change every member")

    run = fab(proj, "release", "--changed", "--yes", "--notes", "- Fixed.")

    assert run.code == 0, run.out
    steps = [line.split()[1:3] for line in run.lines() if line.startswith("✓ ")]
    for name in ("acme-core", "acme-cli", "acme-web"):
        for step in ("edit_history", "bump", "tag", "build", "upload"):
            assert [step, name] in steps, run.out


def test_notes_go_to_each_changed_member_and_a_moved_pin_gets_its_requires_line(fab, tmp_path,
                                                                                home):
    proj = make_repo(tmp_path, ROOT_UV, {
        "packages/acme-core": _member("acme-core", "0.2.0", []),
        "packages/acme-cli": _member("acme-cli", "0.1.0", ["acme-core==0.2.0"]),
        "packages/acme-api": _member("acme-api", "0.3.0", ["acme-core==0.2.0"]),
        "packages/acme-web": _member("acme-web", "1.0.0", ["acme-core>=0.2"]),
    })
    for name in ("core", "api", "web"):
        proj.write(f"packages/acme-{name}/src/acme_{name}/api.py", "X = 1\n")
    proj.commit("Change core, api and web")

    run = fab(proj, "release", "--changed", "--yes", "--notes", "- Fixed the frobnicator.")

    assert run.code == 0, run.out

    def section(folder: str) -> str:  # the newest section of the member's history
        text = proj.read(f"packages/{folder}/CHANGES.rst")
        return text.split("\n\n- First release.")[0]

    for changed in ("acme-core", "acme-web"):
        assert "- Fixed the frobnicator." in section(changed)
        assert "Requires" not in section(changed)
    # Changed and its pin moved: the notes, and the line saying what it now requires.
    assert "- Fixed the frobnicator.\n- Requires acme-core 0.2.1." in section("acme-api")
    # Released only because its pin moved: not the notes of the others' changes.
    assert "- Requires acme-core 0.2.1." in section("acme-cli")
    assert "frobnicator" not in section("acme-cli")


def test_rollback_of_one_package_undoes_its_run_when_it_was_released_alone(fab, tmp_path,
                                                                          home):
    proj = uv_workspace(tmp_path)
    before = proj.state()
    assert fab(proj, "release", "--package", "acme-web", "--yes", "--notes", "- Fixed.").code == 0

    other = fab(proj, "rollback", "--package", "acme-core")
    run = fab(proj, "rollback", "--package", "acme-web")

    assert other.code != 0
    assert "acme-core is not in the last run of this repository (acme-web)" in other.out
    assert run.code == 0, run.out
    assert "deleted tag acme-web-v1.0.1" in run.out
    assert proj.state() == before
