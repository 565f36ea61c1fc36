"""Which distribution provides a module the docs name: what ``pip install`` needs.

conf.py names extensions and themes by module (``sphinxext.opengraph``), mkdocs.yml names
themes and plugins by entry point (``material``, ``search``); neither is what a person
types after ``pip install``. Well-known ones are in ``KNOWN``; the rest follow the rule
most of them keep: the top-level module with dashes (``sphinx_click`` → ``sphinx-click``).
"""

from __future__ import annotations

OLD_SETUPTOOLS = "setuptools<81"

# Module (or its top-level package) → distribution.
KNOWN = {
    "pkg_resources": OLD_SETUPTOOLS, "yaml": "pyyaml", "PIL": "pillow", "bs4": "beautifulsoup4",
    "sphinx_rtd_theme": "sphinx-rtd-theme", "furo": "furo",
    "pydata_sphinx_theme": "pydata-sphinx-theme", "sphinx_book_theme": "sphinx-book-theme",
    "sphinx_copybutton": "sphinx-copybutton", "sphinx_design": "sphinx-design",
    "sphinx_autodoc_typehints": "sphinx-autodoc-typehints",
    "sphinxext.opengraph": "sphinxext-opengraph", "notfound": "sphinx-notfound-page",
    "notfound.extension": "sphinx-notfound-page", "sphinx_tabs": "sphinx-tabs",
    "sphinx_click": "sphinx-click", "myst_parser": "myst-parser", "myst_nb": "myst-nb",
    "sphinx_inline_tabs": "sphinx-inline-tabs", "autoapi": "sphinx-autoapi",
    "sphinx_issues": "sphinx-issues", "sphinx_togglebutton": "sphinx-togglebutton",
    "sphinx_autobuild": "sphinx-autobuild", "nbsphinx": "nbsphinx",
    "sphinx_gallery": "sphinx-gallery", "sphinx_immaterial": "sphinx-immaterial",
    "sphinx_material": "sphinx-material", "sphinx_argparse": "sphinx-argparse",
    "sphinxarg": "sphinx-argparse", "sphinx_last_updated_by_git":
    "sphinx-last-updated-by-git", "sphinx_sitemap": "sphinx-sitemap",
    "sphinx_favicon": "sphinx-favicon", "sphinx_reredirects": "sphinx-reredirects",
    "sphinx_paramlinks": "sphinx-paramlinks", "sphinx_prompt": "sphinx-prompt",
    "sphinx_toolbox": "sphinx-toolbox", "sphinx_jinja": "sphinx-jinja",
    "sphinx_lint": "sphinx-lint", "sphinx_markdown_tables": "sphinx-markdown-tables",
    "sphinx_rtd_dark_mode": "sphinx-rtd-dark-mode", "sphinx_thebe": "sphinx-thebe",
    "sphinx_external_toc": "sphinx-external-toc", "sphinx_multiversion": "sphinx-multiversion",
    "sphinx_substitution_extensions": "sphinx-substitution-extensions",
    "pallets_sphinx_themes": "pallets-sphinx-themes", "enum_tools": "enum-tools[sphinx]",
    "jupyter_sphinx": "jupyter-sphinx", "numpydoc": "numpydoc", "breathe": "breathe",
    "recommonmark": "recommonmark", "ablog": "ablog", "sphinx_panels": "sphinx-panels",
    "sphinx_press_theme": "sphinx-press-theme", "piccolo_theme": "piccolo-theme",
    "sphinx_wagtail_theme": "sphinx-wagtail-theme", "shibuya": "shibuya",
    "sphinxawesome_theme": "sphinxawesome-theme", "sphinx_celery": "sphinx-celery",
    # MkDocs: themes and plugins by the name mkdocs.yml gives them.
    "material": "mkdocs-material", "mkdocs-material": "mkdocs-material",
    "readthedocs": "mkdocs", "mkdocs": "mkdocs", "windmill": "mkdocs-windmill",
    "pymdownx": "pymdown-extensions", "mkdocstrings": "mkdocstrings[python]",
    "include-markdown": "mkdocs-include-markdown-plugin",
    "macros": "mkdocs-macros-plugin", "redirects": "mkdocs-redirects",
    "gen-files": "mkdocs-gen-files", "literate-nav": "mkdocs-literate-nav",
    "section-index": "mkdocs-section-index", "minify": "mkdocs-minify-plugin",
    "awesome-pages": "mkdocs-awesome-pages-plugin", "mike": "mike",
    "git-revision-date-localized": "mkdocs-git-revision-date-localized-plugin",
    "git-committers": "mkdocs-git-committers-plugin-2", "glightbox": "mkdocs-glightbox",
    "swagger-ui-tag": "mkdocs-swagger-ui-tag", "mermaid2": "mkdocs-mermaid2-plugin",
    "autorefs": "mkdocs-autorefs", "exclude": "mkdocs-exclude", "blog": "mkdocs-material",
    "social": "mkdocs-material", "tags": "mkdocs-material", "offline": "mkdocs-material",
    "privacy": "mkdocs-material", "optimize": "mkdocs-material", "info": "mkdocs-material",
    "typeset": "mkdocs-material", "projects": "mkdocs-material", "group": "mkdocs-material",
    "meta": "mkdocs-material", "markdown_include": "markdown-include",
    "mdx_truly_sane_lists": "mdx-truly-sane-lists", "mkdocs_click": "mkdocs-click",
    "callouts": "markdown-callouts", "markdown_callouts": "markdown-callouts",
    "admonition": "", "toc": "", "tables": "", "attr_list": "", "md_in_html": "",
    "def_list": "", "footnotes": "", "abbr": "", "codehilite": "", "fenced_code": "",
    "sane_lists": "", "smarty": "", "wikilinks": "", "nl2br": "", "extra": "",
    "search": "",
}
# Sphinx's own themes (alabaster comes with Sphinx).
SPHINX_THEMES = {"alabaster", "basic", "classic", "sphinxdoc", "scrolls", "agogo",
                 "traditional", "nature", "haiku", "pyramid", "bizstyle", "default", "epub"}


def distribution(module: str, kind: str = "") -> str:
    """The distribution to install for ``module``; ``""`` when the builder has it.

    ``kind`` is ``"mkdocs plugin"`` or ``"mkdocs theme"`` for names from mkdocs.yml.
    """
    top = module.split(".")[0]
    if module.startswith(("sphinx.", "markdown.extensions.")) or module in SPHINX_THEMES:
        return ""
    if module in KNOWN:
        return KNOWN[module]
    if top in KNOWN and top != "sphinxcontrib":
        return KNOWN[top]
    if kind == "mkdocs plugin":
        return module if module.startswith("mkdocs") else f"mkdocs-{module}-plugin"
    if kind == "mkdocs theme":
        return module if module.startswith("mkdocs") else f"mkdocs-{module}"
    if top == "sphinxcontrib" and "." in module:
        return "sphinxcontrib-" + module.split(".")[1].replace("_", "-")
    if top in ("sphinxext", "mdx") and "." in module:
        return f"{top}-" + module.split(".")[1].replace("_", "-")
    if "." in module and not _is_submodule(module):  # a namespace: a.b_c is a-b-c
        return module.replace(".", "-").replace("_", "-")
    return top.replace("_", "-")


def _is_submodule(module: str) -> bool:
    """``sphinx_tabs.tabs``, ``autoapi.extension``: a module inside its package, not a
    namespace (``a.b_c`` → ``a-b-c`` is for namespaces, like ``sphinxcontrib.x``)."""
    return module.split(".")[-1] in {"extension", "ext", "tabs", "directive", "directives",
                                     "sphinx", "plugin", "theme", "main", "core"}
