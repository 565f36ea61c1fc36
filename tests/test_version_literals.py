"""A version read from a file is a literal that parses as PEP 440, never a computed value
whose first string happens to look like one."""

from __future__ import annotations

import pytest

from release_tasks.versioning.base import assigned_version, assignment_place


@pytest.mark.parametrize("line", [
    '__version__ = ".".join(map(str, VERSION_INFO))',
    '__version__ = "%s.%s.%s" % VERSION_INFO',
    '__version__ = "{}.{}".format(MAJOR, MINOR)',
    '__version__ = "1.2.3" + SUFFIX',
    'VERSION = "dev"',
    '__version__ = "unknown"',
])
def test_computed_or_non_pep440_values_are_not_versions(line):
    text = f"VERSION_INFO = (1, 2, 3)\n{line}\n"

    assert assigned_version(text, ("__version__", "VERSION")) is None
    assert assignment_place("p/__init__.py", text, ("__version__", "VERSION")) is None


@pytest.mark.parametrize(("text", "expected"), [
    ('__version__ = "1.2.3"\n', "1.2.3"),
    ("__version__ = '2024.8.30'  # calendar\n", "2024.8.30"),
    ('__version__: str = "1.0.0rc1"\r\n', "1.0.0rc1"),
    ('VERSION = "dev"\n__version__ = "0.4.0.dev0"\n', "0.4.0.dev0"),
])
def test_literals_are_read(text, expected):
    assert assigned_version(text, ("__version__", "VERSION")) == expected
