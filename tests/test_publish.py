"""Scenarios: where a release goes, as whom, and what happens when the index stumbles.

Real indexes (pypiserver, a folder index), a real HTTP(S) gate in front of them that
checks credentials and client certificates or answers 502, real `fab` runs where the
output matters. The wheels here are made by hand (a few lines of zip) so that no test
waits for a build.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from release_tasks.core.config import Config
from release_tasks.core.errors import ConfigError, IndexUnreachable, UploadError
from release_tasks.core.release import Options, Report
from release_tasks.core.ui import Ui
from release_tasks.pipeline.assembly import assemble
from release_tasks.publish import backend as publish
from release_tasks.publish.index import resolve
from release_tasks.publish.registry import open_backend
from release_tasks.steps.upload import Upload

from .gate import Gate, make_certs
from .servers import closing, free_port


def wheel(folder: Path, name: str = "gatepkg", version: str = "1.0.0") -> Path:
    """A small valid pure-Python wheel: what twine and pypiserver read of one."""
    folder.mkdir(parents=True, exist_ok=True)
    info = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": "VALUE = 1\n",
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n"}
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for member, text in files.items():
            z.writestr(member, text)
    return path


# --- credentials, the way twine finds them ----------------------------------------------


def test_a_pypirc_pypi_section_with_only_a_token_is_pypas_documented_layout(home):
    (home / ".pypirc").write_text("[pypi]\npassword = pypi-AgEIcHlwaS5vcmc-token\n")

    repo = resolve("pypi")

    assert repo.upload_url == "https://upload.pypi.org/legacy/"
    assert repo.simple_url == "https://pypi.org/simple/"
    assert (repo.username, repo.password) == ("__token__", "pypi-AgEIcHlwaS5vcmc-token")
    assert repo.credentials_from == ".pypirc [pypi], user __token__"


def test_a_custom_section_still_needs_its_repository_url(home):
    (home / ".pypirc").write_text("[team]\npassword = x-token-1234\n")

    with pytest.raises(ConfigError, match=r"section \[team\] of .* has no repository URL"):
        resolve("team")


def test_twine_password_alone_goes_with_the_token_user(pypi, tmp_path, monkeypatch):
    monkeypatch.setenv("TWINE_PASSWORD", "only-a-Token-55")
    with closing(Gate(pypi.url, user="__token__", password="only-a-Token-55")) as gate:
        result = publish.upload(open_backend(resolve(gate.url)), "gatepkg",
                                [wheel(tmp_path / "dist")])

        assert result.uploaded == ["gatepkg-1.0.0-py3-none-any.whl"]
        assert pypi.files() == ["gatepkg-1.0.0-py3-none-any.whl"]
        assert set(gate.users) == {"__token__"}


def test_twine_username_and_password_go_before_the_pypirc_section_as_twine_takes_them(
        pypi, tmp_path, home, monkeypatch):
    monkeypatch.setenv("TWINE_USERNAME", "ci-bot")
    monkeypatch.setenv("TWINE_PASSWORD", "env-Secret-77")
    with closing(Gate(pypi.url, user="ci-bot", password="env-Secret-77")) as gate:
        (home / ".pypirc").write_text(f"[team]\nrepository = {gate.url}\nusername = someone\n"
                                      "password = file-Secret-12\n")
        repo = resolve("team")
        result = publish.upload(open_backend(repo), "gatepkg", [wheel(tmp_path / "dist")])

        assert (repo.username, repo.password) == ("ci-bot", "env-Secret-77")
        assert repo.credentials_from == "TWINE_USERNAME/TWINE_PASSWORD"
        assert result.uploaded == ["gatepkg-1.0.0-py3-none-any.whl"]
        assert set(gate.users) == {"ci-bot"}


def test_ca_cert_and_client_cert_of_the_pypirc_section_are_used(pypi, tmp_path, home):
    certs = make_certs(tmp_path / "certs")
    with closing(Gate(pypi.url, tls=certs)) as gate:
        (home / ".pypirc").write_text(f"[secure]\nrepository = {gate.url}\nusername = bot\n"
                                      f"password = tls-Secret-31\nca_cert = {certs.ca}\n"
                                      f"client_cert = {certs.client}\n")
        backend = open_backend(resolve("secure"))

        result = publish.upload(backend, "gatepkg", [wheel(tmp_path / "dist")])

        assert result.uploaded == ["gatepkg-1.0.0-py3-none-any.whl"]
        assert pypi.files() == ["gatepkg-1.0.0-py3-none-any.whl"]
        assert publish.verify(backend, "gatepkg", [tmp_path / "dist" / result.uploaded[0]]) == []


def test_without_the_ca_cert_the_error_names_the_setting_that_fixes_it(pypi, tmp_path, home):
    certs = make_certs(tmp_path / "certs")
    with closing(Gate(pypi.url, tls=certs)) as gate:
        (home / ".pypirc").write_text(f"[secure]\nrepository = {gate.url}\n"
                                      f"client_cert = {certs.client}\n")
        backend = open_backend(resolve("secure"))

        with pytest.raises(IndexUnreachable) as raised:
            publish.upload(backend, "gatepkg", [wheel(tmp_path / "dist")])
        with pytest.raises(UploadError) as upload, backend:
            backend.put("gatepkg", wheel(tmp_path / "dist"), None)

    assert "certificate_verify_failed" in str(raised.value) and "ca_cert" in str(raised.value)
    assert "TLS" in str(upload.value) and "ca_cert" in str(upload.value)
    assert "rebuild" not in str(upload.value)
    assert pypi.files() == []


def test_a_broken_file_is_named_as_such_and_nothing_is_sent(pypi, tmp_path):
    broken = tmp_path / "dist" / "gatepkg-1.0.0-py3-none-any.whl"
    broken.parent.mkdir()
    broken.write_bytes(b"not a zip at all")
    with closing(Gate(pypi.url)) as gate:
        with pytest.raises(UploadError) as raised:
            publish.upload(open_backend(resolve(gate.url)), "gatepkg", [broken])

        assert "gatepkg-1.0.0-py3-none-any.whl is not a valid distribution" in str(raised.value)
        assert "rebuild the files with `fab build`" in str(raised.value)
        assert gate.uploads == 0 and pypi.files() == []


# --- the token in a repository URL is never shown -----------------------------------------


TOKEN = "pypi-SeCrEtToKeN0123456789"


def test_a_token_in_the_repository_url_is_never_printed(project, fab, pypi, editor):
    with closing(Gate(pypi.url, user=TOKEN, password="")) as gate:
        url = gate.url.replace("://", f"://{TOKEN}@")
        proj = project("modern", tool_cfg=f'repository = "{url}"\n')

        dry = fab(proj, "release", "--dry-run", "--verbose", env={"EDITOR": editor()})
        real = fab(proj, "release", "--yes", "--skip-docs", "--verbose",
                   env={"EDITOR": editor()})
        again = fab(proj, "upload")

        assert dry.code == 0, dry.out
        assert real.code == 0, real.out
        assert pypi.files() == ["modernpkg-1.4.3-py3-none-any.whl", "modernpkg-1.4.3.tar.gz"]
        assert set(gate.users) == {TOKEN}  # the token did reach the index, as twine sends it
        assert "already there" in again.out
        for run in (dry, real, again):
            assert TOKEN not in run.out and "********@127.0.0.1" in run.out

    refused = free_port()
    proj.write("pyproject.toml", proj.read("pyproject.toml").replace(
        f":{gate.port}/", f":{refused}/"))
    proj.commit("An index that is down")
    down = fab(proj, "release", "--yes", "--verbose", env={"EDITOR": editor()})
    assert down.code == 1
    assert f"index http://********@127.0.0.1:{refused}/ is unreachable" in down.out
    assert TOKEN not in down.out


# --- an index that stumbles after the upload ---------------------------------------------


def test_one_502_while_reading_back_the_upload_is_retried(pypi, tmp_path):
    with closing(Gate(pypi.url, fail_reads_after_upload=1)) as gate:
        backend = open_backend(resolve(gate.url))
        files = [wheel(tmp_path / "dist")]

        publish.upload(backend, "gatepkg", files)
        problems = publish.verify(backend, "gatepkg", files)

        assert problems == []
        assert gate.failed_reads == ["/simple/gatepkg/"]  # answered 502 once, then 200
        assert pypi.files() == ["gatepkg-1.0.0-py3-none-any.whl"]


def test_the_upload_step_keeps_the_repository_it_resolved(project, pypi):
    proj = project("modern")
    rel = assemble(proj.path, Config(repository=pypi.url), Ui(quiet=True), Options(),
                  version="1.4.3")
    rel.replan(fresh=True)
    first = rel.repo
    report = Report()

    Upload().check(rel, report)

    assert report.errors == []
    assert rel.repo is first  # probed inside the backend, not replaced
    assert rel.repo.simple_url == pypi.simple
    assert rel.repo.pip_install("modernpkg", "1.4.3") == \
        f"pip install --index-url {pypi.simple} modernpkg==1.4.3"


# --- the local folder index ----------------------------------------------------------------


def folder_index(tmp_path: Path) -> tuple[Path, publish.Backend]:
    root = tmp_path / "index"
    return root, open_backend(resolve(root.as_uri()))


def test_a_failed_copy_leaves_no_temporary_file(tmp_path):
    root, backend = folder_index(tmp_path)
    publish.upload(backend, "gatepkg", [wheel(tmp_path / "dist")])
    gone = tmp_path / "dist" / "gatepkg-1.1.0.tar.gz"

    with pytest.raises(UploadError, match=r"gatepkg-1\.1\.0\.tar\.gz is gone from"), backend:
        backend.put("gatepkg", gone, None)

    assert sorted(p.name for p in (root / "simple" / "gatepkg").iterdir()) == [
        "gatepkg-1.0.0-py3-none-any.whl", "index.html"]


def test_hidden_temporary_files_are_never_listed(tmp_path):
    root, backend = folder_index(tmp_path)
    publish.upload(backend, "gatepkg", [wheel(tmp_path / "dist")])
    (root / "simple" / "gatepkg" / ".upload-k2j4h5").write_bytes(b"half a file")

    with backend:
        listed = backend.listing("gatepkg")

    assert sorted(listed) == ["gatepkg-1.0.0-py3-none-any.whl"]


def test_files_already_in_the_folder_index_are_not_hashed_again(tmp_path):
    root, backend = folder_index(tmp_path)
    old = wheel(tmp_path / "dist")
    recorded = hashlib.sha256(old.read_bytes()).hexdigest()
    publish.upload(backend, "gatepkg", [old])
    released = root / "simple" / "gatepkg" / old.name
    released.write_bytes(b"changed behind the index's back")  # only a re-hash would notice

    publish.upload(backend, "gatepkg", [wheel(tmp_path / "dist", version="1.1.0")])

    page = (root / "simple" / "gatepkg" / "index.html").read_text()
    assert f'href="{old.name}#sha256={recorded}"' in page
    assert "gatepkg-1.1.0-py3-none-any.whl#sha256=" in page


def test_the_same_file_again_is_skipped_and_a_different_one_refused_everywhere(
        pypi, tmp_path):
    files = [wheel(tmp_path / "dist")]
    other = wheel(tmp_path / "other")
    other.write_bytes(other.read_bytes() + b"\0")
    for backend in (open_backend(resolve(pypi.url)), folder_index(tmp_path)[1]):
        first = publish.upload(backend, "gatepkg", files)
        again = publish.upload(backend, "gatepkg", files)

        assert (first.uploaded, again.uploaded, again.skipped) == (
            [files[0].name], [], [files[0].name])
        with pytest.raises(UploadError, match=r"already on .* with different content"):
            publish.upload(backend, "gatepkg", [other])
    assert pypi.files() == ["gatepkg-1.0.0-py3-none-any.whl"]


def test_each_repository_form_gets_its_backend(tmp_path):
    forms = {
        (tmp_path / "index").as_uri(): "FolderBackend",
        "scp://127.0.0.1/srv/packages": "ScpBackend",
        "http://127.0.0.1:9/": "HttpBackend",
    }
    for value, name in forms.items():
        assert type(open_backend(resolve(value))).__name__ == name
    devpi = open_backend(resolve("http://127.0.0.1:9/alice/dev/",
                                 "http://127.0.0.1:9/alice/dev/+simple/"))
    assert type(devpi).__name__ == "DevpiBackend" and devpi.simple_paths == ("+simple/",)
    assert type(open_backend(resolve(None))).__name__ == "FolderBackend"


def test_an_upload_prints_nothing_and_silences_no_other_thread(pypi, tmp_path, capfd):
    """The upload is twine's form sent per call: nothing of it reaches the terminal
    (twine's own upload prints through rich's process-wide console), what another thread
    prints meanwhile does, and the index stores the file."""
    import sys

    streams = (sys.stdout, sys.stderr)
    files = [wheel(tmp_path / "dist", version="2.0.0")]
    capfd.readouterr()

    with closing(Gate(pypi.url, on_upload=lambda: print("another thread", flush=True))) as gate:
        backend = open_backend(resolve(gate.url))
        result = publish.upload(backend, "gatepkg", files)

    out, err = capfd.readouterr()
    assert (out, err) == ("another thread\n", "")
    assert (sys.stdout, sys.stderr) == streams
    assert result.uploaded == ["gatepkg-2.0.0-py3-none-any.whl"]
    assert gate.uploads == 1
    assert pypi.files() == ["gatepkg-2.0.0-py3-none-any.whl"]
