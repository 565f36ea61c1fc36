"""Scenarios: docs shipped to a local folder, in process (the SSH twin is in test_ssh.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from release_tasks.core.config import Config
from release_tasks.core.errors import DiskFull, DocsError
from release_tasks.core.release import Options
from release_tasks.core.results import DocsBuilt
from release_tasks.core.ui import Ui
from release_tasks.docs.ship_local import ship_local as _ship_local
from release_tasks.pipeline.assembly import assemble
from release_tasks.steps.ship_docs import ShipDocs

from .docstrees import StepLine, html_tree, tree


def ship_local(html, target, latest=True):
    return _ship_local(html, target, latest, project="pkg", version=Path(target).name)


def test_a_failed_switch_puts_the_previous_docs_back(tmp_path, monkeypatch):
    site = tmp_path / "site"
    first = html_tree(tmp_path / "a", "1.0.0")
    ship_local(first, str(site / "1.0.0"))
    real_replace = os.replace
    renames: list[tuple[str, str]] = []

    def replace(src, dst):
        renames.append((Path(src).name, Path(dst).name))
        staging = Path(src).name.startswith(".1.0.0-") and "-old-" not in Path(src).name
        if Path(dst).name == "1.0.0" and staging:
            # The second rename (new docs into place) fails as on a full or failing disk.
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)

    with pytest.raises(DiskFull) as raised:
        ship_local(html_tree(tmp_path / "b", "1.0.0"), str(site / "1.0.0"))

    monkeypatch.undo()
    assert len(renames) >= 2  # the old docs were moved aside, then the switch failed
    assert str(raised.value).startswith(f"no space left on {site}; the previous docs are back "
                                        "in place")
    assert tree(site / "1.0.0") == tree(first)
    assert sorted(os.listdir(site)) == ["1.0.0", "latest"]  # no staging or old copy left
    assert os.readlink(site / "latest") == "1.0.0"


@pytest.mark.parametrize("follow", [False, True], ids=["default", "docs_latest_prereleases"])
def test_a_pre_release_leaves_latest_on_the_final_release_unless_configured(
        project, tmp_path, follow):
    proj = project("modern")
    site = tmp_path / "site"
    config = Config(docs_target=f"{site}/{{name}}/{{version}}", docs_latest_prereleases=follow)
    notes = []
    for version in ("1.0.0", "1.1.0rc1", "1.1.0.dev3"):
        rel = assemble(proj.path, config, Ui(quiet=True), Options(), version=version)
        rel.results.provide(DocsBuilt(html_tree(tmp_path / version, version)))
        step = StepLine()
        ShipDocs().run(rel, step)
        notes.append(step.note)

    shipped = site / "modernpkg"
    assert sorted(os.listdir(shipped)) == ["1.0.0", "1.1.0.dev3", "1.1.0rc1", "latest"]
    assert tree(shipped / "1.1.0rc1") == tree(tmp_path / "1.1.0rc1")
    assert os.readlink(shipped / "latest") == ("1.1.0.dev3" if follow else "1.0.0")
    assert notes[0] == f"→ {shipped / '1.0.0'}"
    for note in notes[1:]:
        assert note.endswith("(latest left alone: a pre-release)") is not follow


def test_a_latest_link_that_cannot_be_switched_is_one_line_and_keeps_the_old_link(tmp_path):
    site = tmp_path / "site"
    ship_local(html_tree(tmp_path / "a", "1.0.0"), str(site / "1.0.0"))
    in_the_way = site / f".latest-{os.getpid()}"  # where the new link is made first
    (in_the_way / "stale").mkdir(parents=True)

    with pytest.raises(DocsError) as raised:
        ship_local(html_tree(tmp_path / "b", "1.1.0"), str(site / "1.1.0"))

    message = str(raised.value)
    assert "\n" not in message and f"the docs are in {site / '1.1.0'}" in message
    assert "could not be switched" in message and "fab ship_docs" in message
    assert tree(site / "1.1.0") == tree(tmp_path / "b")
    assert os.readlink(site / "latest") == "1.0.0"
