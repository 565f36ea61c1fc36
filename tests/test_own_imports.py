"""A project whose import name is also one of our dependencies' releases like any other.

``fab`` puts the fabfile's folder first on ``sys.path``; a flat-layout project whose
package is called ``packaging`` would otherwise be imported by our own code in place of
the real packaging, and the release would fail inside it.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from release_tasks.core import imports


def test_a_flat_project_named_like_a_dependency_releases(project, fab, home):
    proj = project("plain", name="packaging")
    assert (proj.path / "packaging" / "__init__.py").is_file()

    checked = fab(proj, "check")
    run = fab(proj, "release", "--yes", "--notes", "Shadow nothing.", "--skip-docs")

    assert checked.code == 0, checked.out
    assert run.code == 0, run.out
    assert proj.tags() == ["3.0.2"]
    index = home / ".local" / "share" / "release_tasks" / "index" / "simple" / "packaging"
    wheel = next(index.glob("packaging-*-py3-none-any.whl"))
    with zipfile.ZipFile(wheel) as whl:
        assert '__version__ = "3.0.2"' in whl.read("packaging/__init__.py").decode()


def test_only_names_the_folder_shadows_are_loaded_and_from_elsewhere(tmp_path, monkeypatch):
    folder = tmp_path / "proj"
    (folder / "sixlike").mkdir(parents=True)
    (folder / "sixlike" / "__init__.py").write_text("WHO = 'project'\n")
    (folder / "namespace_only").mkdir()
    (folder / "notes.txt").write_text("")
    installed = tmp_path / "site"
    (installed / "sixlike").mkdir(parents=True)
    (installed / "sixlike" / "__init__.py").write_text("WHO = 'installed'\n")
    (installed / "sixlike" / "sub.py").write_text("WHO = 'installed sub'\n")
    monkeypatch.setattr(sys, "path", [str(folder), str(installed), *sys.path])
    # Whatever the test imports under these names is gone again after it.
    monkeypatch.setitem(sys.modules, "sixlike", None)
    monkeypatch.setitem(sys.modules, "sixlike.sub", None)
    del sys.modules["sixlike"], sys.modules["sixlike.sub"]

    assert imports.top_level_modules(folder) == ["sixlike"]
    assert imports.own_dependencies(folder) == ["sixlike"]

    import sixlike
    import sixlike.sub

    assert sixlike.WHO == "installed"
    assert sixlike.sub.WHO == "installed sub"
    assert sys.path[0] == str(folder)  # left as it was


def test_a_folder_not_on_the_path_changes_nothing(tmp_path):
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "__init__.py").write_text("")

    assert imports.own_dependencies(Path(tmp_path)) == []
