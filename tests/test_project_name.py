"""The package's name, from wherever the project declares it."""

from __future__ import annotations

import pytest

from release_tasks.build import metadata
from release_tasks.core.errors import ConfigError


@pytest.mark.parametrize(("files", "expected"), [
    ({"pyproject.toml": '[project]\nname = "pep621"\n'}, "pep621"),
    ({"pyproject.toml": '[tool.poetry]\nname = "poetic"\nversion = "1.0"\n'}, "poetic"),
    ({"setup.cfg": "[metadata]\nname = cfgname\n"}, "cfgname"),
    ({"setup.py": "from setuptools import setup\nsetup(name='literal')\n"}, "literal"),
    ({"setup.py": "import os\nabout = {}\nwith open(os.path.join('rq', '__version__.py')) "
                  "as f:\n    exec(f.read(), about)\nsetup(name=about['__title__'])\n",
      "rq/__version__.py": "__title__ = 'requests-like'\n"}, "requests-like"),
    # Nothing literal to read: the build backend's own metadata hook says it.
    ({"setup.py": "from setuptools import setup\nsetup(name='comp' + 'uted', version='1.0',"
                  " py_modules=[])\n"}, "computed"),
])
def test_the_name_is_found(tmp_path, files, expected):
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert metadata.name(tmp_path) == expected


def test_no_name_anywhere_says_where_to_put_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = []\n'
                                             'build-backend = "no.such.backend"\n')
    with pytest.raises(ConfigError, match="cannot tell the package's name") as err:
        metadata.name(tmp_path)
    assert "[project] name" in err.value.hint


def test_asking_the_backend_prints_nothing_and_changes_no_folder(tmp_path, capfd):
    """The backend's metadata hook runs quietly per call: nothing reaches the terminal,
    and the process's folder and streams are as they were."""
    import os
    import sys

    (tmp_path / "setup.py").write_text("from setuptools import setup\nprint('noisy setup')\n"
                                       "setup(name='comp' + 'uted', version='1.0', "
                                       "py_modules=[])\n")
    before = (os.getcwd(), sys.stdout, sys.stderr)

    assert metadata.name(tmp_path) == "computed"

    assert (os.getcwd(), sys.stdout, sys.stderr) == before
    out, err = capfd.readouterr()
    assert "noisy setup" not in out + err and out == "" and err == ""
