"""The build's version proof on real sdist/wheel archives, and cleaning up dist/."""

from __future__ import annotations

import io
import tarfile
import zipfile

import pytest

from release_tasks.build import proof
from release_tasks.core.errors import BuildError


def wheel(folder, name, version, meta_version=None, dunder=None):
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{name}-{version}.dist-info/METADATA",
                   f"Metadata-Version: 2.1\nName: {name}\nVersion: {meta_version or version}\n")
        # A test sample inside the package carries its own metadata: not the wheel's.
        z.writestr(f"{name}/tests/sample-1.2.3.dist-info/METADATA", "Version: 1.2.3\n")
        z.writestr(f"{name}/__init__.py", f'__version__ = "{dunder or version}"\n')
        z.writestr(f"{name}/tests/__init__.py", '__version__ = "0.0.1"\n')
    return path


def sdist(folder, name, version, meta_version=None):
    path = folder / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        data = f"Metadata-Version: 2.1\nName: {name}\nVersion: {meta_version or version}\n"
        info = tarfile.TarInfo(f"{name}-{version}/PKG-INFO")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data.encode()))
    return path


def test_matching_files_pass_and_their_versions_are_read(tmp_path):
    dists = [sdist(tmp_path, "pkg", "1.0.1"), wheel(tmp_path, "pkg", "1.0.1")]
    proof.prove(dists, "pkg", "1.0.1")
    assert proof.metadata_version(dists[1]) == "1.0.1"
    assert proof.wheel_dunder_versions(dists[1]) == [("pkg/__init__.py", "1.0.1")]


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"meta_version": "1.0.0"}, "METADATA says 1.0.0"),
    ({"dunder": "1.0.0"}, "pkg/__init__.py in the wheel has __version__ 1.0.0"),
])
def test_a_wheel_that_says_another_version_is_refused(tmp_path, kwargs, problem):
    dists = [sdist(tmp_path, "pkg", "1.0.1"), wheel(tmp_path, "pkg", "1.0.1", **kwargs)]
    with pytest.raises(BuildError, match=r"the build is not version 1\.0\.1") as err:
        proof.prove(dists, "pkg", "1.0.1")
    assert problem in str(err.value)


def test_a_build_failure_removes_only_what_it_made(tmp_path):
    dist = tmp_path / "dist"
    assert proof.snapshot(dist) is None
    dist.mkdir()
    sdist(dist, "pkg", "1.0.1")
    assert proof.remove_new(dist, None) == ["pkg-1.0.1.tar.gz"]
    assert not dist.exists()  # made by the release, so gone with it

    dist.mkdir()
    (dist / "mine.txt").write_text("kept")
    before = proof.snapshot(dist)
    wheel(dist, "pkg", "1.0.1")
    assert proof.remove_new(dist, before) == ["pkg-1.0.1-py3-none-any.whl"]
    assert [p.name for p in dist.iterdir()] == ["mine.txt"]
