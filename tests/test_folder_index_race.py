"""Scenarios: two releases into one folder index at the same moment.

Real `fab release` processes of real repositories; each is stopped by itself (SIGSTOP, from
``tests/stopper/sitecustomize.py``) at an exact point of its upload, so the interleaving
that used to lose a release's files or page is forced, not hoped for.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from release_tasks.core.errors import UploadError
from release_tasks.publish.folder import FolderBackend
from release_tasks.publish.index import resolve

from .conftest import FAB
from .projects import make_project
from .test_publish import wheel

STOPPER = str(Path(__file__).parent / "stopper")


def start(proj, index: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen([FAB, "release", "--yes", "--skip-docs", "--notes", "- A change."],
                            cwd=proj.path, env={**os.environ, "PYTHONPATH": STOPPER, **env},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def stopped(proc: subprocess.Popen) -> bool:
    with open(f"/proc/{proc.pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] == "T"


def wait_until(predicate, proc: subprocess.Popen, limit: float = 240.0) -> None:
    """Until ``predicate()`` holds; fails at once if ``proc`` ended first."""
    end = time.monotonic() + limit
    while not predicate():
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def release_pair(tmp_path: Path, first, second, stop_at: str) -> tuple[tuple[int, str], ...]:
    """``first`` stops itself at its first write under ``stop_at``; ``second`` runs until it
    waits for the index's lock (or ends); then ``first`` goes on. Returns (code, output)."""
    index = tmp_path / "index"
    marker = tmp_path / "second-waits"
    a = start(first, index, RT_STOP_AT_WRITE_UNDER=stop_at)
    try:
        wait_until(lambda: stopped(a), a)
        b = start(second, index, RT_MARK_LOCK_WAIT=f"{index / '.lock'}:{marker}")
        try:
            end = time.monotonic() + 240
            while not marker.exists() and b.poll() is None and time.monotonic() < end:
                time.sleep(0.05)
            assert marker.exists() or b.poll() is not None, "the second release hangs"
        finally:
            a.send_signal(signal.SIGCONT)
            out_a = a.communicate(timeout=240)[0]
            out_b = b.communicate(timeout=240)[0]
    finally:
        if a.poll() is None:
            a.kill()
    return (a.returncode, out_a), (b.returncode, out_b)


def listed(page: Path) -> dict[str, str]:
    return dict(re.findall(r'href="([^"#]+)#sha256=([0-9a-f]{64})"', page.read_text()))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def project_into(tmp_path: Path, where: str, layout: str, index: Path):
    return make_project(tmp_path / where, layout, tool_cfg=f'repository = "file://{index}"\n')


def test_two_releases_of_one_name_never_overwrite_each_other(tmp_path):
    index = tmp_path / "index"
    first = project_into(tmp_path, "a", "modern", index)
    second = project_into(tmp_path, "b", "modern", index)
    second.write("modernpkg/__init__.py", "'''Another modernpkg.'''\n__version__ = '1.4.2'\n")
    second.commit("Different content under the same name")

    (code_a, out_a), (code_b, out_b) = release_pair(tmp_path, first, second,
                                                    stop_at=f"{index}/simple/")

    assert code_a == 0, out_a
    assert code_b == 1, out_b
    failed = [line for line in out_b.splitlines() if "upload failed" in line]
    assert len(failed) == 1 and "Traceback" not in out_b
    assert re.search(r"modernpkg-1\.4\.3\S* is already (in|on) \S+ with different content",
                     failed[0]), out_b
    folder = index / "simple" / "modernpkg"
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["index.html", "modernpkg-1.4.3-py3-none-any.whl",
                     "modernpkg-1.4.3.tar.gz"]
    page = listed(folder / "index.html")
    for name in names[1:]:
        # The index holds the first release's files, as its page and its user were told.
        assert (folder / name).read_bytes() == (first.path / "dist" / name).read_bytes()
        assert page[name] == digest(folder / name)
    assert [p.name for p in folder.iterdir() if p.name.startswith(".upload-")] == []
    for path in [*folder.iterdir(), index / "simple" / "index.html"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_two_repositories_into_one_folder_index_both_stay_listed(tmp_path):
    index = tmp_path / "index"
    first = project_into(tmp_path, "a", "modern", index)
    second = project_into(tmp_path, "b", "plain", index)

    # The first stops as it writes the list of projects, after reading which there are.
    (code_a, out_a), (code_b, out_b) = release_pair(
        tmp_path, first, second, stop_at=f"{index}/simple/.index.html")

    assert code_a == 0, out_a
    assert code_b == 0, out_b
    top = (index / "simple" / "index.html").read_text()
    assert 'href="modernpkg/"' in top and 'href="plainpkg/"' in top
    for proj, name in ((first, "modernpkg"), (second, "plainpkg")):
        folder = index / "simple" / name
        built = sorted(p.name for p in (proj.path / "dist").iterdir())
        assert sorted(listed(folder / "index.html")) == built
        for file in built:
            assert digest(folder / file) == digest(proj.path / "dist" / file)


# --- a writer that does not take the lock: the exclusive create still holds ------------


@pytest.fixture
def backend(tmp_path: Path) -> FolderBackend:
    return FolderBackend(resolve(f"file://{tmp_path / 'index'}"))


def test_a_file_that_appeared_meanwhile_with_other_content_is_refused_and_kept(
        tmp_path, backend):
    mine = wheel(tmp_path / "mine")
    theirs = wheel(tmp_path / "theirs", version="1.0.0")
    theirs.write_bytes(theirs.read_bytes() + b"\0")  # same name, other bytes
    folder = tmp_path / "index" / "simple" / "gatepkg"
    folder.mkdir(parents=True)
    (folder / mine.name).write_bytes(theirs.read_bytes())

    with pytest.raises(UploadError) as raised:
        backend.put("gatepkg", mine, None)

    assert f"{mine.name} is already in {folder} with different content" in str(raised.value)
    assert (folder / mine.name).read_bytes() == theirs.read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == [mine.name]


def test_the_same_file_that_appeared_meanwhile_counts_as_already_there(tmp_path, backend):
    from release_tasks.publish.backend import AlreadyThere

    mine = wheel(tmp_path / "mine")
    folder = tmp_path / "index" / "simple" / "gatepkg"
    folder.mkdir(parents=True)
    (folder / mine.name).write_bytes(mine.read_bytes())

    with pytest.raises(AlreadyThere):
        backend.put("gatepkg", mine, None)

    assert (folder / mine.name).read_bytes() == mine.read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == [mine.name]
