"""A release starts importing, beside its first checks, what its checks will use."""

from __future__ import annotations

from release_tasks.pipeline import preload


def test_a_bumpversion_project_releasing_to_an_http_index_preloads_both(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1.0.0"\n\n'
        '[tool.bumpversion]\ncurrent_version = "1.0.0"\n')

    wanted = preload.wanted(tmp_path, "http://127.0.0.1:8080/")

    assert wanted == [*preload.BUMPVERSION, *preload.TWINE]


def test_a_project_without_bumpversion_releasing_to_a_folder_preloads_nothing(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1.0.0"\n')

    assert preload.wanted(tmp_path, f"file://{tmp_path}/index") == []
    assert preload.wanted(tmp_path, None) == []
    assert preload.wanted(tmp_path, ["scp://host/srv/index", "pypi"]) == list(preload.TWINE)


def test_credentials_in_the_environment_leave_twines_auth_resolver_unloaded(tmp_path,
                                                                          monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1.0.0"\n')
    monkeypatch.setenv("TWINE_USERNAME", "u")
    monkeypatch.setenv("TWINE_PASSWORD", "p")

    assert preload.wanted(tmp_path, "http://127.0.0.1:8080/") == ["twine.utils"]

    monkeypatch.delenv("TWINE_USERNAME")
    assert preload.wanted(tmp_path, "http://127.0.0.1:8080/") == list(preload.TWINE)
