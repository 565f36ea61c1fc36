"""The docs build's compiled templates kept between builds (docs/sphinx_templates.py, set
through Sphinx's ``template_bridge``): real Sphinx builds, compared with plain
``python -m sphinx`` ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from release_tasks.core.worker import PlainRunner, WarmRunner
from release_tasks.docs import sphinx

PYTHON = Path(sys.executable)
LAYOUT = ('{% extends "!layout.html" %}\n'
          '{% block footer %}<p class="marker">{{ MARK }}</p>{% endblock %}\n')


def plain_build(docs: Path, out: Path) -> Path:
    """The pages as Sphinx makes them on its own."""
    subprocess.run([str(PYTHON), "-m", "sphinx", "-b", "html", "-q", "-d", str(out / ".dt"),
                    "-D", "version=1.5.0", "-D", "release=1.5.0", str(docs), str(out / "html")],
                   check=True, capture_output=True)
    return out / "html"


def pages(html: Path) -> dict[str, bytes]:
    """Every file of a build but .buildinfo (whose hash covers the template_bridge setting)."""
    return {p.relative_to(html).as_posix(): p.read_bytes() for p in sorted(html.rglob("*"))
            if p.is_file() and p.name != ".buildinfo"}


def cache_files(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.rglob("*.cache")}


@pytest.mark.parametrize("kind", ["plain", "warm"])
def test_the_pages_are_sphinx_own_and_the_second_build_compiles_nothing(project, tmp_path,
                                                                         kind):
    proj = project("modern")
    docs = proj.path / "docs"
    cache = sphinx.template_cache(docs)
    assert cache is not None and not cache.exists()

    def build(name: str) -> Path:
        runner = PlainRunner(PYTHON) if kind == "plain" else \
            WarmRunner(PYTHON, sphinx.PRELOAD, docs, sphinx=True)
        return sphinx.build(docs, "1.5.0", tmp_path / name / "html", cwd=proj.path,
                            python=PYTHON, runner=runner)

    first = build("first")
    compiled = cache_files(cache)
    # The theme's pages and its static files rendered from strings (basic.css_t...).
    assert len(compiled) >= 5
    second = build("second")

    assert pages(first) == pages(plain_build(docs, tmp_path / "own"))
    assert pages(second) == pages(first)
    assert cache_files(cache) == compiled  # every template came from the cache


def test_a_template_changed_since_the_last_build_is_compiled_again(project, tmp_path):
    proj = project("modern")
    docs = proj.path / "docs"
    proj.write("docs/conf.py", proj.read("docs/conf.py")
               + '\ntemplates_path = ["_templates"]\nhtml_context = {"MARK": "ok"}\n')
    proj.write("docs/_templates/layout.html", LAYOUT.replace("{{ MARK }}", "first words"))
    sphinx.build(docs, "1.5.0", tmp_path / "a", cwd=proj.path, python=PYTHON)
    proj.write("docs/_templates/layout.html", LAYOUT.replace("{{ MARK }}", "second words"))

    out = sphinx.build(docs, "1.5.0", tmp_path / "b", cwd=proj.path, python=PYTHON)

    page = (out / "index.html").read_text(encoding="utf-8")
    assert "second words" in page and "first words" not in page


def test_a_project_that_sets_its_own_template_bridge_keeps_it(project, tmp_path):
    proj = project("modern")
    docs = proj.path / "docs"
    proj.write("docs/ownbridge.py",
               "from sphinx.jinja2glue import BuiltinTemplateLoader\n\n\n"
               "class Bridge(BuiltinTemplateLoader):\n"
               "    def render(self, template, context):\n"
               "        return super().render(template, context) + '<!-- own bridge -->'\n")
    proj.write("docs/conf.py", "import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\n"
               + proj.read("docs/conf.py") + '\ntemplate_bridge = "ownbridge.Bridge"\n')

    out = sphinx.build(docs, "1.5.0", tmp_path / "html", cwd=proj.path, python=PYTHON)

    assert (out / "index.html").read_text(encoding="utf-8").endswith("<!-- own bridge -->")
    assert sphinx.template_cache(docs) is None
    assert not (Path.home() / ".cache" / "release_tasks" / "sphinx-templates").exists()


def test_a_cache_that_cannot_be_made_only_is_not_kept(project, tmp_path):
    proj = project("modern")
    docs = proj.path / "docs"
    cache = sphinx.template_cache(docs)
    assert cache is not None
    cache.parent.mkdir(parents=True)
    cache.write_text("a file where the cache folder would be\n")

    out = sphinx.build(docs, "1.5.0", tmp_path / "html", cwd=proj.path, python=PYTHON)

    assert pages(out) == pages(plain_build(docs, tmp_path / "own"))
    assert cache.read_text() == "a file where the cache folder would be\n"
