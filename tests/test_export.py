"""Scenarios: the tag's checkout that the dist and docs builds work from, and the build in
it, on a full disk too.

A real repository and tag, the real ``git clone --shared``, the real `fab build`, a real
full disk (tmpfs).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from release_tasks.core.config import Config
from release_tasks.core.errors import DiskFull
from release_tasks.core.release import Options, Release
from release_tasks.core.ui import Ui
from release_tasks.pipeline.assembly import assemble


def tagged(project) -> tuple[object, Release]:
    proj = project("modern")
    proj.git("tag", "1.4.2")
    return proj, assemble(proj.path, Config(), Ui(quiet=True), Options(), version="1.4.2")


def files_of(tree: Path) -> list[str]:
    return sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*")
                  if p.is_file() and ".git" not in p.relative_to(tree).parts)


def test_two_exports_at_once_get_complete_distinct_trees(project):
    proj, rel = tagged(project)
    start = threading.Barrier(2)
    trees: list[Path] = []

    def export() -> None:
        start.wait()
        trees.append(rel.export())

    threads = [threading.Thread(target=export) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    try:
        assert len(trees) == 2 and trees[0] != trees[1]
        expected = sorted(proj.git("ls-files").split())
        for tree in trees:
            assert files_of(tree) == expected
            head = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout.strip()
            assert head == proj.git("rev-parse", "1.4.2^{commit}").strip()
        (trees[0] / "modernpkg" / "__init__.py").write_text("# changed by one build\n")
        assert (trees[1] / "modernpkg" / "__init__.py").read_text() != "# changed by one build\n"
    finally:
        rel.cleanup()
    assert not any(tree.exists() for tree in trees)


def test_a_full_disk_during_the_export_is_one_line_and_the_next_try_is_not_in_its_way(
        project, full_disk, monkeypatch):
    _, rel = tagged(project)
    monkeypatch.setattr(tempfile, "tempdir", str(full_disk))  # the release's scratch folder

    try:
        with pytest.raises(DiskFull) as first:
            rel.export()
        with pytest.raises(DiskFull) as second:  # the docs build's try, after the build's
            rel.export()

        for raised in (first, second):
            message = str(raised.value)
            assert message.startswith(f"no space left on {full_disk}/release-tasks-"), message
            assert "\n" not in message and "the checkout was removed" in message
        scratch = next(full_disk.iterdir())
        assert [list(p.iterdir()) for p in scratch.iterdir()] == [[], []]
    finally:
        rel.cleanup()


def test_a_full_disk_during_the_build_is_one_line_not_the_backends_output(project, fab,
                                                                          tmpfs):
    proj = project("modern")
    # ~300 KB of source: the checkout fits on the disk, the sdist and wheel do not.
    proj.write("modernpkg/data.py", f"DATA = {os.urandom(150_000).hex()!r}\n")
    proj.commit("Data")
    proj.git("tag", "1.4.2")
    small = tmpfs("550k")

    run = fab(proj, "build", env={"TMPDIR": str(small)})

    assert run.code == 1, run.out
    failed = [line for line in run.lines() if "failed" in line]
    assert len(failed) == 1, run.out
    assert failed[0].startswith(f"✗ build failed: no space left on {small}/release-tasks-")
    assert "nothing was put into dist/" in failed[0] and "free some space there" in failed[0]
    assert "Traceback" not in run.out and "Creating tar archive" not in run.out
    assert not (proj.path / "dist").exists()
    assert os.listdir(small) == []  # the release's scratch folder is gone
