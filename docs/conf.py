"""Sphinx configuration for the release_tasks documentation.

Only Sphinx itself is needed: the theme is alabaster, which ships with Sphinx. The
version comes from the package in this checkout (``fab build_docs`` passes the version
being released with ``-D version=... -D release=...`` on top).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import release_tasks  # noqa: E402

project = "release_tasks"
author = "release_tasks developers"
copyright = "release_tasks developers"
release = release_tasks.__version__
version = release

extensions: list[str] = []
root_doc = "index"
exclude_patterns = ["_build"]
# Literal blocks are shell sessions, config files and Python alike: each one says its
# language explicitly, and an unmarked one is shown as plain text.
highlight_language = "none"

html_theme = "alabaster"
html_title = f"release_tasks {release}"
html_theme_options = {
    "description": "Release a Python package with one command: fab release",
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_sidebars = {
    "**": ["about.html", "navigation.html", "relations.html", "searchbox.html"],
}
