"""A release starts, beside its first checks, what its checks will use."""

from __future__ import annotations

from release_tasks.pipeline import preload


def test_a_project_releasing_to_an_http_index_preloads_twine(tmp_path):
    assert preload.wanted("http://127.0.0.1:8080/") == list(preload.TWINE)
    assert preload.wanted(["scp://host/srv/index", "pypi"]) == list(preload.TWINE)


def test_a_project_releasing_to_a_folder_preloads_nothing(tmp_path):
    assert preload.wanted(f"file://{tmp_path}/index") == []
    assert preload.wanted(None) == []


def test_credentials_in_the_environment_leave_twines_auth_resolver_unloaded(monkeypatch):
    monkeypatch.setenv("TWINE_USERNAME", "u")
    monkeypatch.setenv("TWINE_PASSWORD", "p")

    assert preload.wanted("http://127.0.0.1:8080/") == ["twine.utils"]

    monkeypatch.delenv("TWINE_USERNAME")
    assert preload.wanted("http://127.0.0.1:8080/") == list(preload.TWINE)
