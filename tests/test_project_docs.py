"""This project's own documentation: it builds warning-free, and it documents every
configuration key, every task and every flag the code has."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import release_tasks
from release_tasks.core.config import KEYS
from release_tasks.tasks import RELEASE_HELP

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ["index", "getting-started", "usage", "tasks", "configuration", "versions",
         "changelogs", "safety",
         "recipes/index", "recipes/private-index", "recipes/monorepo", "recipes/docs-over-ssh",
         "recipes/fleet",
         "recipes/chat", "recipes/ci", "recipes/zest-releaser", "recipes/fabric1",
         "recipes/performance"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML site, built once for this module the way CI builds it: warnings fail."""
    out = tmp_path_factory.mktemp("docs-html")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", str(DOCS),
         str(out)],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def literal(name: str) -> str:
    """How Sphinx writes ``name`` (one word) in the HTML."""
    return f'<span class="pre">{name}</span>'


def option_ids(page: str, program: str) -> set[str]:
    """The options documented with ``.. option::`` under ``.. program:: fab <program>``."""
    return set(re.findall(rf'id="cmdoption-fab-{re.escape(program)}-([\w-]+)"', page))


def test_the_docs_build_warning_free_with_every_page(site):
    for page in PAGES:
        assert (site / f"{page}.html").is_file(), page
    sources = sorted(p.relative_to(DOCS).with_suffix("").as_posix()
                     for p in DOCS.rglob("*.rst") if "_build" not in p.parts)
    assert sources == sorted(PAGES), "a page was added or removed: update PAGES"
    index = (site / "index.html").read_text(encoding="utf-8")
    for page in PAGES[1:]:
        assert f'href="{page}.html"' in index, f"{page} is not in the index's toctree"


def test_every_config_key_is_in_the_configuration_reference(site):
    page = (site / "configuration.html").read_text(encoding="utf-8")

    missing = [key for key in KEYS if literal(key) not in page]

    assert not missing, f"undocumented config keys: {missing}"


def test_every_task_has_its_section_under_both_spellings(site):
    page = (site / "tasks.html").read_text(encoding="utf-8")

    for name in release_tasks.ns.task_names:
        assert f'id="task-{name}"' in page, f"no section for {name}"
        assert literal(name) in page, name
        assert literal(name.replace("-", "_")) in page, name


def test_every_flag_of_release_is_documented(site):
    page = (site / "tasks.html").read_text(encoding="utf-8")
    flags = {arg.names[0] for arg in release_tasks.release.get_arguments()}
    assert flags == {key.replace("_", "-") for key in RELEASE_HELP}  # signature and help agree

    assert option_ids(page, "release") >= flags, flags - option_ids(page, "release")
    for flag in flags:
        assert literal(f"--{flag}") in page, flag


def test_every_flag_of_every_task_is_documented(site):
    page = (site / "tasks.html").read_text(encoding="utf-8")

    for name, task in release_tasks.ns.tasks.items():
        flags = {arg.names[0] for arg in task.get_arguments()}
        documented = option_ids(page, name)
        assert documented >= flags, (name, flags - documented)
