"""Sample projects in real git repositories, each with a bare "origin".

Three layouts, as found in the wild:

- ``cookiecutter``: setup.py + ``setup.cfg [bumpversion]`` + HISTORY.rst with the
  cookiecutter-pypackage header, Sphinx docs;
- ``modern``: pyproject.toml + ``[tool.bumpversion]`` + CHANGELOG.md, Sphinx docs;
- ``plain``: pyproject.toml with a static version and no bumpversion config,
  ``__version__`` in the package, CHANGES.rst with a zest.releaser-style
  ``(unreleased)`` section, no docs.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

GIT_ENV = {"GIT_AUTHOR_NAME": "Rel Ease", "GIT_AUTHOR_EMAIL": "rel@example.invalid",
           "GIT_COMMITTER_NAME": "Rel Ease", "GIT_COMMITTER_EMAIL": "rel@example.invalid"}


@dataclass
class Project:
    path: Path
    origin: Path
    name: str
    module: str
    history: str
    layout: str

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path, capture_output=True, text=True,
                              env={**os.environ, **GIT_ENV}, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout.strip()

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def tags(self) -> list[str]:
        return self.git("tag", "--list").split()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def state(self) -> dict[str, str]:
        """Everything a failed release must leave unchanged."""
        return {
            "head": self.head(),
            "refs": self.git("for-each-ref", "--format=%(refname) %(objectname)"),
            "status": self.git("status", "--porcelain"),
            "index": self.git("ls-files", "--stage"),
            "diff": self.git("diff"),
        }

    def origin_refs(self) -> str:
        return subprocess.run(["git", "for-each-ref"], cwd=self.origin, capture_output=True,
                              text=True, check=True).stdout

    def version_files(self) -> dict[str, str]:
        files = {"cookiecutter": ["setup.py", "setup.cfg", f"{self.module}/__init__.py"],
                 "modern": ["pyproject.toml", f"{self.module}/__init__.py"],
                 "plain": ["pyproject.toml", f"{self.module}/__init__.py"]}[self.layout]
        return {f: self.read(f) for f in files}


DOCS_CONF = 'project = "{name}"\nextensions = []\nhtml_theme = "alabaster"\n'
DOCS_INDEX = "{name}\n{rule}\n\nThe docs of {name}.\n\n.. toctree::\n\n   usage\n"
DOCS_USAGE = "Usage\n=====\n\nImport it.\n"


def _files(layout: str, name: str, module: str, version: str, tool_cfg: str) -> dict[str, str]:
    if layout == "cookiecutter":
        return {
            "setup.py": f"""\
                from setuptools import setup

                setup(
                    name='{name}',
                    version='{version}',
                    description='A cookiecutter-style package',
                    long_description=open('README.rst').read(),
                    long_description_content_type='text/x-rst',
                    packages=['{module}'],
                )
                """,
            "setup.cfg": f"""\
                [bumpversion]
                current_version = {version}
                commit = True
                tag = True

                [bumpversion:file:setup.py]
                search = version='{{current_version}}'
                replace = version='{{new_version}}'

                [bumpversion:file:{module}/__init__.py]
                search = __version__ = '{{current_version}}'
                replace = __version__ = '{{new_version}}'

                [release_tasks]
                build_isolation = false
                """ + tool_cfg,
            f"{module}/__init__.py": f"__version__ = '{version}'\n",
            "README.rst": f"{name}\n{'=' * len(name)}\n\nA cookiecutter-style package.\n",
            "HISTORY.rst": f"""\
                .. :changelog:

                History
                -------

                {version} (2024-02-01)
                ++++++++++++++++++

                * Fixed the frobnicator.

                0.1.0 (2024-01-11)
                ++++++++++++++++++

                * First release on PyPI.
                """,
            "docs/conf.py": DOCS_CONF.format(name=name),
            "docs/index.rst": DOCS_INDEX.format(name=name, rule="=" * len(name)),
            "docs/usage.rst": DOCS_USAGE,
        }
    if layout == "modern":
        return {
            "pyproject.toml": f"""\
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "{name}"
                version = "{version}"
                description = "A modern package"
                readme = "README.md"
                requires-python = ">=3.8"

                [tool.setuptools]
                packages = ["{module}"]

                [tool.bumpversion]
                current_version = "{version}"

                [[tool.bumpversion.files]]
                filename = "pyproject.toml"
                search = 'version = "{{current_version}}"'
                replace = 'version = "{{new_version}}"'

                [[tool.bumpversion.files]]
                filename = "{module}/__init__.py"

                [tool.release_tasks]
                build_isolation = false
                """ + tool_cfg,
            f"{module}/__init__.py": f'"""A modern package."""\n__version__ = "{version}"\n',
            "README.md": f"# {name}\n\nA modern package.\n",
            "CHANGELOG.md": f"""\
                # Changelog

                ## {version} (2025-01-02)

                - Fixed a thing.

                ## 1.0.0 (2024-05-06)

                - First release.
                """,
            "docs/conf.py": DOCS_CONF.format(name=name),
            "docs/index.rst": DOCS_INDEX.format(name=name, rule="=" * len(name)),
            "docs/usage.rst": DOCS_USAGE,
        }
    if layout == "plain":
        return {
            "pyproject.toml": f"""\
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "{name}"
                version = "{version}"
                description = "A plain package"
                readme = "README.rst"

                [tool.setuptools]
                packages = ["{module}"]

                [tool.release_tasks]
                build_isolation = false
                """ + tool_cfg,
            f"{module}/__init__.py": f'__version__ = "{version}"\n',
            "README.rst": f"{name}\n{'=' * len(name)}\n\nA plain package.\n",
            "CHANGES.rst": f"""\
                Changelog
                =========

                {version.rsplit('.', 1)[0]}.{int(version.rsplit('.', 1)[1]) + 1} (unreleased)
                ------------------

                - Made it plainer.


                {version} (2023-03-04)
                ------------------

                - Initial release.
                """,
        }
    raise ValueError(layout)


LAYOUTS = {"cookiecutter": ("cookiepkg", "cookiepkg", "0.2.0", "HISTORY.rst"),
           "modern": ("modernpkg", "modernpkg", "1.4.2", "CHANGELOG.md"),
           "plain": ("plainpkg", "plainpkg", "3.0.1", "CHANGES.rst")}


def make_project(tmp: Path, layout: str = "modern", tool_cfg: str = "",
                 fabfile: str = "from release_tasks import *\n",
                 name: str | None = None) -> Project:
    default_name, module, version, history = LAYOUTS[layout]
    name = name or default_name
    module = name.replace("-", "_") if name != default_name else module
    path = tmp / "proj"
    for rel, text in _files(layout, name, module, version, tool_cfg).items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    if layout == "plain":
        # Fix the rst underline lengths the template cannot know.
        text = (path / "CHANGES.rst").read_text()
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if set(line) == {"-"} and i > 0:
                lines[i] = "-" * len(lines[i - 1])
        (path / "CHANGES.rst").write_text("\n".join(lines))
    (path / "fabfile.py").write_text(fabfile)
    (path / ".gitignore").write_text("build/\ndist/\n*.egg-info/\n")
    origin = tmp / "origin.git"
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True, env=env)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["commit", "-q", "-m", "Initial import"],
                 ["remote", "add", "origin", str(origin)],
                 ["push", "-q", "-u", "origin", "main"]):
        subprocess.run(["git", *args], cwd=path, check=True, env=env, capture_output=True)
    return Project(path=path, origin=origin, name=name, module=module, history=history,
                   layout=layout)
