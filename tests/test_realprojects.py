"""Real PyPI projects released end to end with no configuration at all.

Each sdist (downloaded once, cached) becomes a git repository tagged at its version with
a one-line fabfile; then the real ``fab release --yes --skip-docs --notes ...`` runs on
the default embedded index. ``pytest -m "not realprojects"`` leaves them out.
"""

from __future__ import annotations

import pytest
from packaging.utils import parse_sdist_filename

from .realworld import PROJECTS, Real, checkout, git, wheel_version

pytestmark = pytest.mark.realprojects
NOTE = "Released by the real-projects test."


@pytest.mark.parametrize("real", PROJECTS, ids=[p.id for p in PROJECTS])
def test_a_real_project_releases_with_zero_configuration(real: Real, tmp_path, fab):
    path = checkout(real, tmp_path)
    flags = [] if real.history else ["--skip-history"]

    run = fab(path, "release", "--yes", "--skip-docs", "--notes", NOTE, *flags,
              env={"EDITOR": "false"}, timeout=600)

    assert run.code == 0, run.out
    assert f"{real.version} → {real.new}" in run.out
    assert real.source in run.lines()[0]  # the header names the version source
    tag = real.tag_prefix + real.new
    assert tag in git(path, "tag", "--list").split()
    wheels = list((path / "dist").glob("*.whl"))
    assert [wheel_version(w) for w in wheels] == [real.new]
    sdists = list((path / "dist").glob("*.tar.gz"))
    assert [str(parse_sdist_filename(s.name)[1]) for s in sdists] == [real.new]
    if real.history:
        text = (path / real.history).read_text(encoding="utf-8")
        assert real.new in text and NOTE in text
        assert text.index(real.new) < text.index(real.version)  # the new section on top
    assert git(path, "status", "--porcelain", "--untracked-files=no") == ""
    # A version made from tags writes no file: the release tag sits on the history commit.
    if real.source.startswith("git tags"):
        assert "bump" not in git(path, "log", "--format=%s", "-1").lower()
