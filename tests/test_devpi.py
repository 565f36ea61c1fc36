"""A private devpi index that needs credentials: the way most teams run one."""

from __future__ import annotations

from .test_release import pip_install


def test_release_to_devpi_with_credentials_and_resume_after_a_rejected_password(
        project, fab, editor, devpi, tmp_path):
    proj = project("modern", tool_cfg=f'repository = "{devpi.url}"\n', name="devpipkg")
    wrong = {"EDITOR": editor(), "TWINE_USERNAME": devpi.user,
             "TWINE_PASSWORD": "not-the-password-123"}

    run = fab(proj, "release", "--yes", "--skip-docs", env=wrong)

    # The index refused: the local release stays, resumable, and the password is not shown.
    assert run.code == 1
    assert "rejected the credentials" in run.out and "TWINE_USERNAME/TWINE_PASSWORD" in run.out
    assert "not-the-password-123" not in run.out
    assert proj.tags() == ["1.4.3"]
    assert "fab release --resume" in run.out

    right = {"TWINE_USERNAME": devpi.user, "TWINE_PASSWORD": devpi.password}
    run = fab(proj, "release", "--resume", env=right)

    assert run.code == 0, run.out
    assert devpi.password not in run.out
    assert proj.tags() == ["1.4.3"]
    assert pip_install(devpi.simple, "devpipkg==1.4.3", tmp_path / "site") == "1.4.3"
    # devpi's simple page is found by itself (+simple/), and lists both files.
    assert f"--index-url {devpi.simple} devpipkg==1.4.3" in run.out
