"""Scenarios: docs targets hold what is not ours, and a ship never deletes it.

Real folders (and a real tmpfs for a full disk), a real SSH server, the real `fab` for the
plan and the one-line errors. The docs are small built trees (tests/docstrees.py), shipped
by the ship_docs step itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from release_tasks.core.config import Config
from release_tasks.core.errors import DocsError
from release_tasks.core.release import Options, Release
from release_tasks.core.results import DocsBuilt
from release_tasks.core.ui import Ui
from release_tasks.docs import ship_ssh
from release_tasks.pipeline.assembly import assemble
from release_tasks.steps.ship_docs import ShipDocs

from . import sshserver
from .docstrees import StepLine, html_tree, tree

MARK = ".release_tasks.json"


def everything(folder: Path) -> dict[str, bytes | str]:
    """Every entry below ``folder``, hidden ones too: files by bytes, links by target."""
    found: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[key] = f"-> {os.readlink(path)}"
            elif path.is_file():
                found[key] = path.read_bytes()
            else:
                found[key] = "dir"
    return found


def ship(proj, tmp_path: Path, target: str, version: str,
         pages: tuple[str, ...] = ("usage",)) -> str:
    rel = assemble(proj.path, Config(docs_target=target), Ui(quiet=True), Options(),
                   version=version)
    built = tmp_path / "built" / version
    while built.exists():  # the same version shipped again, other pages
        built = built.with_name(built.name + "+")
    rel.results.provide(DocsBuilt(html_tree(built, version, pages)))
    step = StepLine()
    ShipDocs().run(rel, step)
    return step.note


def someone_elses(folder: Path) -> Path:
    """A folder holding someone's notes and another project's shipped docs."""
    (folder / "_static").mkdir(parents=True)
    (folder / "NOTES.txt").write_text("my notes, not docs\n")
    (folder / "index.html").write_text("<title>otherpkg</title>\n")
    (folder / "_static" / "other.css").write_text("p {}\n")
    (folder / MARK).write_text(json.dumps({"project": "otherpkg", "version": "9.0",
                                           "names": ["_static", "index.html"]}, indent=1))
    return folder


@pytest.mark.parametrize("template", ["{site}/shared", "{site}/shared/{{version}}"],
                         ids=["plain", "versioned"])
@pytest.mark.parametrize("what", ["another-project", "notes-only"])
def test_an_existing_folder_we_did_not_make_survives_byte_for_byte(project, tmp_path,
                                                                    template, what):
    proj = project("modern")
    site = tmp_path / "site"
    target = site / "shared" / ("1.0.0" if "version" in template else "")
    folder = target if what == "notes-only" else someone_elses(target)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "NOTES.txt").write_text("my notes, not docs\n")
    before = everything(site)

    with pytest.raises(DocsError) as raised:
        ship(proj, tmp_path, template.format(site=site), "1.0.0")

    message = str(raised.value)
    assert "\n" not in message and f"{str(target).rstrip('/')} already holds" in message
    assert ("otherpkg's docs" if what == "another-project" else "(NOTES.txt)") in message
    assert "move those files away" in message
    assert everything(site) == before  # nothing moved, deleted, or left beside it


def test_a_release_into_a_folder_we_did_not_make_stops_before_changing_anything(
        project, fab, tmp_path, editor):
    site = tmp_path / "site"
    someone_elses(site / "shared")
    proj = project("modern", tool_cfg=f'docs_target = "{site}/shared"\n'
                                      f'repository = "file://{tmp_path / "index"}"\n')
    before, kept = proj.state(), everything(site)

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 1, run.out
    assert "problem" in run.out and "found before anything changed" in run.out
    assert f"{site / 'shared'} already holds otherpkg's docs" in run.out
    assert proj.state() == before and proj.tags() == []
    assert everything(site) == kept and not (tmp_path / "index").exists()


def test_a_versioned_target_gets_latest_in_its_parent_and_a_mark_of_ours(project, tmp_path):
    proj = project("modern")
    site = tmp_path / "site"

    ship(proj, tmp_path, f"{site}/{{name}}/{{version}}", "1.0.0")

    shipped = site / "modernpkg"
    assert sorted(os.listdir(shipped)) == ["1.0.0", "latest"]
    assert os.readlink(shipped / "latest") == "1.0.0"
    assert tree(shipped / "1.0.0") == tree(tmp_path / "built" / "1.0.0")
    mark = json.loads((shipped / "1.0.0" / MARK).read_text())
    assert mark == {"project": "modernpkg", "version": "1.0.0",
                    "names": ["_sources", "_static", "index.html", "usage.html"]}


def test_a_target_without_version_makes_no_latest_anywhere(project, tmp_path):
    proj = project("modern")
    site = tmp_path / "site"
    (site / "otherpkg").mkdir(parents=True)  # a neighbour sharing the parent

    notes = [ship(proj, tmp_path, f"{site}/{{name}}", v) for v in ("1.0.0", "1.1.0")]

    assert sorted(os.listdir(site)) == ["modernpkg", "otherpkg"]
    assert "latest" not in os.listdir(site / "modernpkg")
    assert tree(site / "modernpkg") == tree(tmp_path / "built" / "1.1.0")
    assert notes == [f"→ {site / 'modernpkg'}"] * 2


@pytest.mark.parametrize("versioned", [False, True], ids=["plain", "versioned"])
def test_the_plan_mentions_latest_only_for_a_target_with_version(project, fab, tmp_path,
                                                                 versioned):
    site = tmp_path / "site"
    target = f"{site}/{{name}}" + ("/{version}" if versioned else "")
    proj = project("modern", tool_cfg=f'docs_target = "{target}"\n'
                                      f'repository = "file://{tmp_path / "index"}"\n')

    run = fab(proj, "release", "--dry-run", "--notes", "- A change.")

    assert run.code == 0, run.out
    plan = [line for line in run.lines() if "ship_docs" in line]
    assert plan and all(str(site / "modernpkg") in line for line in plan), run.out
    assert ("latest" in run.out.replace(str(tmp_path), "")) is versioned, run.out
    assert not site.exists()


def test_reshipping_a_plain_folder_replaces_only_what_our_previous_ship_put_there(
        project, tmp_path):
    proj = project("modern")
    site = tmp_path / "site"
    ship(proj, tmp_path, f"{site}/docs", "1.0.0", pages=("usage", "old"))
    (site / "docs" / "NOTES.txt").write_text("added by hand\n")
    (site / "docs" / "extra").mkdir()
    (site / "docs" / "extra" / "robots.txt").write_text("User-agent: *\n")

    ship(proj, tmp_path, f"{site}/docs", "1.1.0", pages=("usage", "api"))

    shipped = site / "docs"
    assert not (shipped / "old.html").exists()  # ours: replaced
    assert (shipped / "api.html").read_text() == "<p>api of 1.1.0</p>\n"
    assert (shipped / "NOTES.txt").read_text() == "added by hand\n"  # not ours: kept
    assert (shipped / "extra" / "robots.txt").read_text() == "User-agent: *\n"
    assert json.loads((shipped / MARK).read_text())["version"] == "1.1.0"
    assert sorted(os.listdir(site)) == ["docs"]  # no staging or old copy left


def test_a_folder_of_ours_where_someone_added_a_name_the_new_docs_use_is_refused(
        project, tmp_path):
    proj = project("modern")
    site = tmp_path / "site"
    ship(proj, tmp_path, f"{site}/docs", "1.0.0")
    (site / "docs" / "api.html").write_text("written by hand\n")
    before = everything(site)

    with pytest.raises(DocsError) as raised:
        ship(proj, tmp_path, f"{site}/docs", "1.1.0", pages=("usage", "api"))

    assert f"{site / 'docs' / 'api.html'} was not put there by a release" in str(raised.value)
    assert everything(site) == before


def test_symlinks_in_or_as_the_target_are_never_followed_out(project, tmp_path):
    proj = project("modern")
    site = tmp_path / "site"
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "keep.txt").write_text("precious\n")
    (outside / "sub" / "index.html").write_text("not docs\n")
    kept = everything(outside)
    ship(proj, tmp_path, f"{site}/docs/{{version}}", "1.0.0")
    (site / "docs" / "1.0.0" / "mirror").symlink_to(outside)  # added inside our folder
    (site / "docs" / "2.0.0").symlink_to(outside)  # a target that is a link

    ship(proj, tmp_path, f"{site}/docs/{{version}}", "1.0.0", pages=("usage", "api"))
    with pytest.raises(DocsError) as raised:
        ship(proj, tmp_path, f"{site}/docs/{{version}}", "2.0.0")

    assert os.readlink(site / "docs" / "1.0.0" / "mirror") == str(outside)  # moved as a link
    assert (site / "docs" / "1.0.0" / "api.html").is_file()
    assert "is a symbolic link" in str(raised.value)
    assert os.readlink(site / "docs" / "2.0.0") == str(outside)
    assert everything(outside) == kept
    assert sorted(os.listdir(site / "docs")) == ["1.0.0", "2.0.0", "latest"]


# --- a full disk -------------------------------------------------------------------------


def test_a_full_disk_while_shipping_docs_is_one_line_naming_where(project, fab, full_disk):
    proj = project("modern", tool_cfg=f'docs_target = "{full_disk}/{{name}}/{{version}}"\n')
    html = html_tree(proj.path / "build" / "docs-html", "1.4.2")
    for n in range(40):  # ~160 KiB of pages: more than the disk holds
        (html / f"page{n:02}.html").write_text(f"<p>{n}</p>" * 400)

    run = fab(proj, "ship_docs")

    assert run.code == 1, run.out
    failed = [line for line in run.lines() if "failed" in line]
    assert len(failed) == 1, run.out
    assert failed[0].startswith(f"✗ ship_docs failed: no space left on "
                                f"{full_disk / 'modernpkg'}; nothing was shipped ("), run.out
    assert "free some space there" in failed[0]
    assert "Traceback" not in run.out and "page0" not in run.out
    assert "Errno" not in run.out
    assert os.listdir(full_disk / "modernpkg") == []  # the staging copy is gone


# --- over SSH: the same rules on the host --------------------------------------------------


@pytest.fixture
def server(home, tmp_path, monkeypatch):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    srv = sshserver.start("asyncssh", home, tmp_path / "sshd")
    yield srv
    srv.close()


def ssh_release(root: Path, version: str = "1.0.0") -> Release:
    return assemble(root, Config(), Ui(quiet=True), Options(), version=version)


def test_an_existing_remote_folder_we_did_not_make_is_never_deleted(server, project, tmp_path):
    proj = project("modern")
    site = tmp_path / "site"
    folder = someone_elses(site / "shared")
    before = everything(site)

    with pytest.raises(DocsError) as raised:
        ship_ssh.ship_docs(ssh_release(proj.path), html_tree(tmp_path / "a", "1.0.0"),
                           f"ssh://127.0.0.1{folder}", None, versioned=False)

    message = str(raised.value)
    assert f"{folder} already holds files no release of this project put there" in message
    assert "nothing was changed there" in message and "move those files away" in message
    assert everything(site) == before


def test_a_remote_plain_target_is_replaced_when_ours_and_gets_no_latest(server, project,
                                                                        tmp_path):
    proj = project("modern")
    site = tmp_path / "site"
    target = f"ssh://127.0.0.1{site}/docs"
    ship_ssh.ship_docs(ssh_release(proj.path), html_tree(tmp_path / "a", "1.0.0", ("old",)),
                       target, None, versioned=False)
    again = html_tree(tmp_path / "b", "1.1.0")

    where = ship_ssh.ship_docs(ssh_release(proj.path, "1.1.0"), again, target, None,
                               versioned=False)

    assert where.endswith(f"{site}/docs")
    assert tree(site / "docs") == tree(again)
    assert sorted(os.listdir(site)) == ["docs"]  # no latest, nothing left beside it
    assert json.loads((site / "docs" / MARK).read_text())["project"] == "modernpkg"


def test_a_failed_remote_latest_switch_says_the_new_docs_are_in_place(server, project, tmp_path,
                                                                      monkeypatch):
    proj = project("modern")
    site = tmp_path / "site"
    target = f"ssh://127.0.0.1{site}/pkg/1.0.0"
    ship_ssh.ship_docs(ssh_release(proj.path), html_tree(tmp_path / "a", "1.0.0", ("old",)),
                       target, None)
    # The host's `ln` fails (the asyncssh server runs commands with this environment).
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "ln").write_text("#!/bin/sh\necho 'ln: cannot make the link' >&2\nexit 1\n")
    (shim / "ln").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}:{os.environ['PATH']}")
    again = html_tree(tmp_path / "b", "1.0.0", ("new",))

    with pytest.raises(DocsError) as raised:
        ship_ssh.ship_docs(ssh_release(proj.path), again, target, None)

    message = str(raised.value)
    assert f"the docs are in {site}/pkg/1.0.0" in message
    assert "latest could not be switched" in message and "untouched" not in message
    assert tree(site / "pkg" / "1.0.0") == tree(again)  # what the message says is true
    assert sorted(os.listdir(site / "pkg")) == ["1.0.0", "latest"]
