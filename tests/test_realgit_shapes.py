"""Shapes found in real projects' own git repositories at the head of their default branch
(bench/realgit.py), each made here by the test on the sample project.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from release_tasks.docs import find, requirements

from .projects import GIT_ENV, Project
from .test_docs_declared import intersphinx_project


def _version(exe: Path) -> tuple[int, int] | None:
    proc = subprocess.run([str(exe), "-c", "import sys; print(*sys.version_info[:2])"],
                          capture_output=True, text=True, check=False)
    parts = proc.stdout.split()
    return (int(parts[0]), int(parts[1])) if proc.returncode == 0 and len(parts) == 2 else None


def newer_installed_python() -> tuple[Path, tuple[int, int]] | None:
    """An installation beside the running one (a version manager's folder of versions)
    whose Python is newer: its prefix and version."""
    for prefix in sorted(Path(sys.base_prefix).resolve().parent.iterdir()):
        exe = prefix / "bin" / "python3"
        version = _version(exe) if exe.is_file() else None
        if version and version > sys.version_info[:2]:
            return prefix, version
    return None


def wheel(folder: Path, name: str, version: str, requires_python: str) -> Path:
    """A minimal pure-Python wheel that only installs on ``requires_python``."""
    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": "",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                            f"Requires-Python: {requires_python}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
    return target


def test_docs_requirements_needing_a_newer_python_build_on_one_a_version_manager_installed(
        project, fab, tmp_path):
    found = newer_installed_python()
    if found is None:
        pytest.skip("needs a Python newer than the running one installed beside it")
    prefix, (major, minor) = found
    # The version manager's folder, as pyenv keeps it; uv's own search does not look there.
    pyenv = tmp_path / "pyenv"
    (pyenv / "versions").mkdir(parents=True)
    (pyenv / "versions" / prefix.name).symlink_to(prefix, target_is_directory=True)
    links = tmp_path / "links"
    wheel(links, "newpy-only", "1.0", f">={major}.{minor}")
    proj = project("modern")
    proj.write("docs/requirements.txt", f"--find-links {links}\nsphinx\nnewpy-only==1.0\n")
    site = tmp_path / "site"
    proj.write("pyproject.toml", proj.read("pyproject.toml")
               + f'docs_target = "{site}/{{name}}/{{version}}"\n')
    proj.commit("Docs need a newer Python")
    cache = tmp_path / "cache"
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])

    run = fab(proj, "release", "--yes", "--notes", "- Docs on a newer Python.", env={
        "PYENV_ROOT": str(pyenv), "PATH": path, "XDG_CACHE_HOME": str(cache),
        "UV_PYTHON_DOWNLOADS": "never", "UV_PYTHON_INSTALL_DIR": str(tmp_path / "uv-pythons")})

    assert run.code == 0, run.out
    assert (site / "modernpkg/1.4.3/index.html").is_file()
    (made,) = (cache / "release_tasks" / "docs-envs").glob("proj-*")
    cfg = (made / "pyvenv.cfg").read_text(encoding="utf-8")
    assert f"version_info = {major}.{minor}." in cfg, cfg


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "protocol.file.allow=always", *args], cwd=cwd,
                          check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def test_a_clone_whose_submodule_is_not_checked_out_stops_before_anything_changes(
        project, fab, tmp_path):
    vendored = tmp_path / "vendored"
    vendored.mkdir()
    (vendored / "cases.toml").write_text("a = 1\n")
    git(vendored, "init", "-q", "-b", "main")
    git(vendored, "add", "-A")
    git(vendored, "commit", "-q", "-m", "Cases")
    proj = project("modern")
    git(proj.path, "submodule", "add", "-q", str(vendored), "tests/cases")
    proj.commit("Test cases from a submodule")
    # A plain `git clone`, as a maintainer's fresh clone is: the submodule is left empty.
    git(tmp_path, "clone", "-q", str(proj.path), "clone")
    clone = Project(path=tmp_path / "clone", origin=proj.path, name=proj.name,
                    module=proj.module, history=proj.history, layout=proj.layout)
    before = clone.state()

    run = fab(clone, "release", "--yes", "--skip-docs", "--notes", "- Cases.")

    assert run.code != 0
    assert "problem found before anything changed" in run.out, run.out
    assert "- submodule tests/cases is not checked out, so it cannot be built (run " \
        "`git submodule update --init --recursive`, then release)" in run.out
    assert "edit_history" not in run.out
    assert clone.state() == before and clone.tags() == []

    git(clone.path, "submodule", "update", "-q", "--init", "--recursive")
    again = fab(clone, "release", "--yes", "--skip-docs", "--notes", "- Cases.")
    assert again.code == 0, again.out
    assert clone.tags() == ["1.4.3"]


def mkdocstrings_project(project, page: str):
    proj = project("modern")
    proj.git("rm", "-q", "-r", "docs")
    proj.write("mkdocs.yml", "site_name: modernpkg\nstrict: true\nplugins:\n  - mkdocstrings:\n"
               "      handlers:\n        python:\n          import:\n"
               "            - http://127.0.0.1:9/objects.inv\n")
    proj.write("docs/index.md", "# modernpkg\n\nSee [usage](usage.md).\n")
    proj.write("docs/usage.md", page)
    proj.write("docs/requirements.txt", "mkdocs==1.6.1\nmkdocstrings-python==1.16.12\n")
    proj.commit("MkDocs with mkdocstrings, an inventory imported from another project")
    return proj


def test_a_strict_mkdocs_build_goes_on_when_an_inventory_is_unreachable(project, fab):
    proj = mkdocstrings_project(project, "# Usage\n\nImport it.\n")

    run = fab(proj, "build_docs")

    assert run.code == 0, run.out
    assert "mkdocstrings: http://127.0.0.1:9/objects.inv unreachable; built without it" \
        in run.out
    assert (proj.path / "build/docs-html/usage/index.html").is_file()


def test_a_strict_mkdocs_build_with_another_warning_still_fails_on_it(project, fab):
    proj = mkdocstrings_project(project, "# Usage\n\nSee [nowhere](nowhere.md).\n")

    run = fab(proj, "build_docs")

    assert run.code == 1, run.out
    error = next(line for line in run.lines() if "mkdocs build failed" in line)
    assert "nowhere.md" in error and "inventory" not in error, error


def test_read_the_docs_install_commands_are_the_docs_declaration(tmp_path):
    # As urllib3: Read the Docs makes the environment with uv, no python.install.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/conf.py").write_text("")
    (tmp_path / "docs/extra.txt").write_text("sphinx-copybutton\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n'
        '[project.optional-dependencies]\nzstd = ["zstandard"]\nsocks = ["pysocks"]\n'
        '[dependency-groups]\ndocs = ["sphinx>=7", {include-group = "theme"}]\n'
        'theme = ["furo"]\ndev = ["pytest"]\n')
    (tmp_path / ".readthedocs.yml").write_text(
        "version: 2\nbuild:\n  os: ubuntu-24.04\n  tools:\n    python: '3.13'\n  jobs:\n"
        "    create_environment:\n      - asdf install uv latest\n      - uv venv\n"
        "    install:\n      - uv sync --group docs --extra zstd --extra=socks\n"
        "      - uv pip install -r docs/extra.txt && python -m pip install 'sphinx-autobuild'\n"
        "    build:\n      html:\n        - uv run sphinx-build -T -b html docs out\n"
        "sphinx:\n  configuration: docs/conf.py\n")

    wants = requirements.declared(find.find(tmp_path))

    # `uv sync` installs uv's default group (dev) as well, as Read the Docs gets it.
    assert wants.requirements == ("sphinx-autobuild", "sphinx>=7", "furo", "pytest")
    assert wants.extras == ("zstd", "socks")
    assert wants.files == (tmp_path / "docs/extra.txt",)
    assert wants.where == ("`uv sync --group docs --extra zstd --extra=socks; uv pip install "
                           "-r docs/extra.txt; python -m pip install 'sphinx-autobuild'` "
                           "(from .readthedocs.yml)")


def test_read_the_docs_commands_that_install_the_project_with_its_docs_extra(tmp_path):
    (tmp_path / "doc").mkdir()
    (tmp_path / "doc/conf.py").write_text("")
    (tmp_path / ".readthedocs.yaml").write_text(
        "version: 2\nbuild:\n  os: ubuntu-24.04\n  commands:\n"
        "    - pip install -e '.[docs,cli]'\n"
        "    - python -m sphinx doc $READTHEDOCS_OUTPUT/html\n")

    wants = requirements.declared(find.find(tmp_path))

    assert wants.extras == ("docs", "cli") and not wants.files and not wants.requirements


def test_the_values_of_install_options_are_no_packages(tmp_path):
    # As anyio: pip's --group, and options whose values are not packages.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/conf.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n[dependency-groups]\ndoc = ["sphinx"]\n')
    (tmp_path / ".readthedocs.yml").write_text(
        "version: 2\nbuild:\n  os: ubuntu-22.04\n  jobs:\n    install:\n"
        "      - python -m pip install --upgrade --upgrade-strategy only-if-needed "
        "--no-cache-dir -c constraints.txt --index-url https://example.invalid/simple "
        "--group doc .\n")

    wants = requirements.declared(find.find(tmp_path))

    assert wants.requirements == ("sphinx",) and not wants.files and not wants.extras


def test_read_the_docs_commands_that_only_install_tools_declare_nothing(tmp_path):
    # As filelock: the commands install tox, and tox makes the docs environment.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/conf.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n[dependency-groups]\ndocs = ["furo"]\n')
    (tmp_path / ".readthedocs.yml").write_text(
        "version: 2\nbuild:\n  os: ubuntu-lts-latest\n  commands:\n    - pip install uv\n"
        "    - uv venv\n    - uv pip install tox-uv\n    - .venv/bin/tox run -e docs --\n")

    wants = requirements.declared(find.find(tmp_path))

    assert wants.requirements == ("furo",)
    assert wants.where == "[dependency-groups] docs in pyproject.toml"


def test_uv_sync_is_told_which_default_groups_it_installs(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/conf.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n[tool.uv]\ndefault-groups = ["lint"]\n'
        '[dependency-groups]\ndocs = ["sphinx"]\nlint = ["ruff"]\ndev = ["pytest"]\n')
    rtd = ("version: 2\nbuild:\n  os: ubuntu-24.04\n  jobs:\n    install:\n"
           "      - uv sync {}\n")
    (tmp_path / ".readthedocs.yaml").write_text(rtd.format("--group docs"))
    assert requirements.declared(find.find(tmp_path)).requirements == ("sphinx", "ruff")
    (tmp_path / ".readthedocs.yaml").write_text(rtd.format("--only-group docs"))
    only = requirements.declared(find.find(tmp_path))
    assert only.requirements == ("sphinx",) and "uv sync --only-group docs" in only.where


def test_a_nitpicky_strict_build_goes_on_when_the_inventory_its_references_need_is_unreachable(
        project, fab):
    # As urllib3: nitpicky, a reference into Python's docs, the inventory out of reach.
    proj = intersphinx_project(project, "\nSee :py:mod:`codecs`.\n")
    proj.write("docs/conf.py", proj.read("docs/conf.py") + "nitpicky = True\n")
    proj.commit("Nitpicky")

    run = fab(proj, "build_docs")

    assert run.code == 0, run.out
    assert "http://127.0.0.1:9/objects.inv unreachable and never cached; built without it " \
        "and without nitpicky's checks" in run.out
    assert "codecs" in (proj.path / "build/docs-html/usage.html").read_text()


def test_a_nitpicky_strict_build_still_fails_on_a_missing_document(project, fab):
    proj = intersphinx_project(project, "\nSee :py:mod:`codecs` and :doc:`nowhere`.\n")
    proj.write("docs/conf.py", proj.read("docs/conf.py") + "nitpicky = True\n")
    proj.commit("Nitpicky, and a broken link of its own")

    run = fab(proj, "build_docs")

    assert run.code == 1, run.out
    error = next(line for line in run.lines() if "sphinx-build failed" in line)
    assert "nowhere" in error, error


def older_installed_python() -> tuple[Path, tuple[int, int]] | None:
    """The newest installation beside the running one whose Python is older (3.8 at the
    least, for a Sphinx that still supports it)."""
    found = []
    for prefix in sorted(Path(sys.base_prefix).resolve().parent.iterdir()):
        exe = prefix / "bin" / "python3"
        version = _version(exe) if exe.is_file() else None
        if version and (3, 8) <= version < sys.version_info[:2]:
            found.append((version, prefix))
    return (max(found)[1], max(found)[0]) if found else None


def test_the_docs_are_built_on_the_python_read_the_docs_is_told_to_use(project, fab, tmp_path):
    found = older_installed_python()
    if found is None:
        pytest.skip("needs an older Python installed beside the running one")
    prefix, (major, minor) = found
    pyenv = tmp_path / "pyenv"
    (pyenv / "versions").mkdir(parents=True)
    (pyenv / "versions" / prefix.name).symlink_to(prefix, target_is_directory=True)
    proj = project("modern")
    proj.write(".readthedocs.yaml", f'version: 2\nbuild:\n  os: ubuntu-22.04\n  tools:\n'
               f'    python: "{major}.{minor}"\nsphinx:\n  configuration: docs/conf.py\n'
               "python:\n  install:\n    - requirements: docs/requirements.txt\n")
    proj.write("docs/requirements.txt", "sphinx\n")
    proj.write("docs/conf.py", proj.read("docs/conf.py")
               + "import sys\nrst_epilog = f'.. |built| replace:: {sys.version_info[1]}'\n")
    proj.write("docs/usage.rst", proj.read("docs/usage.rst") + "\nBuilt on 3.\\ |built|.\n")
    proj.commit("Read the Docs builds on an older Python")
    cache = tmp_path / "cache"

    run = fab(proj, "build_docs", env={"PYENV_ROOT": str(pyenv), "XDG_CACHE_HOME": str(cache)})

    assert run.code == 0, run.out
    (made,) = (cache / "release_tasks" / "docs-envs").glob("proj-*")
    assert f"version_info = {major}.{minor}." in (made / "pyvenv.cfg").read_text()
    assert f"Built on 3.{minor}." in (proj.path / "build/docs-html/usage.html").read_text()
