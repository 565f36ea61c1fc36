"""Run a project's PEP 517 build hooks for sdist and wheel in ONE Python process.

This file is executed by path with the build environment's interpreter (which does not
have release_tasks installed), so it uses the standard library only.

Why: ``build`` (through pyproject_hooks) starts a fresh interpreter for every hook:
get_requires_for_build_sdist, build_sdist, get_requires_for_build_wheel, build_wheel.
Each start imports the backend again (setuptools takes ~0.3-0.7 s to import), so four
processes cost two to three seconds more than one on a small package. Here the backend is
imported once; the wheel is still built from the unpacked sdist, as ``python -m build``
does, so a file missing from the sdist still breaks the build instead of the release.

Usage: python hooks.py BACKEND BACKEND_PATH_JSON SOURCE_DIR OUT_DIR RESULT_JSON UNPACK_DIR
   or: python hooks.py --metadata BACKEND BACKEND_PATH_JSON SOURCE_DIR OUT_DIR RESULT_JSON

``--metadata`` only asks for the wheel's metadata (``prepare_metadata_for_build_wheel``,
or a wheel built when the backend lacks that hook): ``{"metadata": "PATH/METADATA"}``.

UNPACK_DIR (made here) receives the unpacked sdist; it belongs to the caller, who
removes it, so nothing is left in the system temp dir.

If the backend asks for requirements the environment lacks, the result says so
(``{"missing": [...]}``) and nothing is built; the caller installs them and runs again.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tarfile
from typing import Any


def load_backend(spec: str, backend_path: list[str], source_dir: str):
    for entry in reversed(backend_path):
        sys.path.insert(0, os.path.join(source_dir, entry))
    module_name, _, attribute = spec.partition(":")
    backend = importlib.import_module(module_name)
    for part in filter(None, attribute.split(".")):
        backend = getattr(backend, part)
    return backend


# Where an environment without packaging installed may still have it: vendored by the
# backend or the installer that is there.
MARKERS = ("packaging.markers", "setuptools._vendor.packaging.markers",
           "pip._vendor.packaging.markers")


def applies(requirement: str) -> bool:
    """Whether the requirement's environment marker (``; python_version < "3.10"``) holds
    for this Python, evaluated by packaging when the environment has it; when it has
    none, the requirement is taken as not needed here (a backend that does need it fails
    with its own ImportError, which says so)."""
    _, sep, marker = requirement.partition(";")
    if not sep or not marker.strip():
        return True
    for module in MARKERS:
        try:
            evaluate = importlib.import_module(module).Marker
        except Exception:
            continue
        try:
            return bool(evaluate(marker.strip()).evaluate())
        except Exception:  # a marker packaging cannot read: the backend's own concern
            return True
    return False


def missing(requirements: list[str]) -> list[str]:
    """Requirements whose distribution is not installed at all (versions not compared:
    the environment was made from the build-system table, which pins them)."""
    from importlib import metadata

    absent = []
    for requirement in filter(applies, requirements):
        name = requirement
        for stop in "<>=!~;[ (":
            name = name.split(stop, 1)[0]
        try:
            metadata.distribution(name.strip())
        except metadata.PackageNotFoundError:
            absent.append(requirement)
    return absent


def _backend_in(spec: str, backend_path_json: str, source_dir: str) -> Any:
    """The backend, loaded from ``source_dir`` (this process's folder from now on)."""
    os.chdir(source_dir)
    return load_backend(spec, json.loads(backend_path_json), source_dir)


def _missing_said(backend: Any, hooks: tuple[str, ...], result_file: str) -> bool:
    """Whether the requirements that ``hooks`` ask for are missing (then written out)."""
    needed: list[str] = []
    for name in hooks:
        hook = getattr(backend, name, None)
        needed += missing(list(hook({}) if hook else []))
    if needed:
        with open(result_file, "w") as f:
            json.dump({"missing": sorted(set(needed))}, f)
    return bool(needed)


def main() -> int:
    spec, backend_path_json, source_dir, out_dir, result_file, unpacked = sys.argv[1:7]
    out_dir = os.path.abspath(out_dir)
    backend = _backend_in(spec, backend_path_json, os.path.abspath(source_dir))
    if _missing_said(backend, ("get_requires_for_build_sdist", "get_requires_for_build_wheel"),
                     result_file):
        return 0
    sdist = backend.build_sdist(out_dir, {})
    os.makedirs(unpacked)
    with tarfile.open(os.path.join(out_dir, sdist)) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(unpacked, filter="data")
        else:  # pragma: no cover - old patch releases without extraction filters
            archive.extractall(unpacked)
    (top,) = os.listdir(unpacked)
    os.chdir(os.path.join(unpacked, top))
    wheel = backend.build_wheel(out_dir, {})
    with open(result_file, "w") as f:
        json.dump({"sdist": sdist, "wheel": wheel}, f)
    return 0


def metadata_main() -> int:
    spec, backend_path_json, source_dir, out_dir, result_file = sys.argv[2:7]
    out_dir = os.path.abspath(out_dir)
    backend = _backend_in(spec, backend_path_json, os.path.abspath(source_dir))
    if _missing_said(backend, ("get_requires_for_build_wheel",), result_file):
        return 0
    prepare = getattr(backend, "prepare_metadata_for_build_wheel", None)
    if prepare is not None:
        path = os.path.join(out_dir, prepare(out_dir, {}), "METADATA")
    else:
        import zipfile

        wheel = os.path.join(out_dir, backend.build_wheel(out_dir, {}))
        with zipfile.ZipFile(wheel) as z:
            name = next(n for n in z.namelist()
                        if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
            path = z.extract(name, os.path.join(out_dir, "extracted"))
    with open(result_file, "w") as f:
        json.dump({"metadata": path}, f)
    return 0


if __name__ == "__main__":
    sys.exit(metadata_main() if sys.argv[1:2] == ["--metadata"] else main())
