"""Does the uploaded release really install? ``pip install`` it from the index, import it.

The install goes into a throwaway folder with only the configured index as a source (no
pip config files, no find-links), so a file that only exists elsewhere cannot make the
check pass. Credentials travel in pip's environment, never on its command line.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from release_tasks.core import processes, redact
from release_tasks.core.errors import UploadError
from release_tasks.publish.backend import Backend

_KEEP = {"PIP_CERT", "PIP_CLIENT_CERT", "PIP_TRUSTED_HOST"}


def _index_url(backend: Backend) -> str:
    repo, simple = backend.repo, backend.simple_url
    assert simple is not None
    if not (repo.username or repo.password) or simple.startswith("file:"):
        return simple
    parts = urlsplit(simple)
    user, password = quote(repo.username or "", safe=""), quote(repo.password or "", safe="")
    netloc = f"{user}:{password}@{parts.netloc}"
    return urlunsplit(parts._replace(netloc=netloc))


def install(backend: Backend, name: str, version: str) -> str | None:
    """Install ``name==version`` from ``repo`` into a temp folder and import its modules.

    Dependencies are not installed (the private index rarely mirrors them all): the import
    runs with the environment that runs ``fab``. A module missing from the package itself
    (say, left out of the wheel) fails the check; a missing third-party dependency only
    returns a note saying the import could not be checked completely.
    """
    if backend.simple_url is None:
        raise UploadError(f"cannot verify the install: {backend.display} has no simple URL",
                          "set index_url")
    repo = backend.repo
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k in _KEEP}
    if repo.ca_cert:
        env["PIP_CERT"] = repo.ca_cert  # the CA bundle twine resolved for this index
    if repo.client_cert:
        env["PIP_CLIENT_CERT"] = repo.client_cert
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=_index_url(backend),
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    with tempfile.TemporaryDirectory(prefix="release-tasks-verify-") as tmp:
        proc = processes.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-cache-dir",
             "--target", tmp, f"{name}=={version}"],
            capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            lines = [x for x in redact.redact(proc.stderr).splitlines() if x.strip()]
            raise UploadError(f"pip cannot install {name}=={version} from {repo.display}: "
                              f"{lines[-1].strip() if lines else 'exit ' + str(proc.returncode)}",
                              "check the index")
        modules = _top_level(Path(tmp))
        if not modules:
            return None
        code = f"import sys; sys.path.insert(0, {tmp!r}); " + "; ".join(
            f"import {m}" for m in modules)
        proc = processes.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=tmp)
    if proc.returncode == 0:
        return None
    last = (proc.stderr.strip().splitlines() or ["?"])[-1]
    missing = re.search(r"ModuleNotFoundError: No module named '([\w.]+)'", last)
    if missing and missing.group(1).split(".")[0] not in modules:
        return (f"{name}=={version} installs; its import needs {missing.group(1)}, which is "
                "not installed beside release_tasks, so the import was not fully checked")
    raise UploadError(f"{name}=={version} installs but does not import: {last}",
                      "fix the package and release a new version")


def _top_level(folder: Path) -> list[str]:
    modules = []
    for path in sorted(folder.iterdir()):
        if path.name.endswith((".dist-info", ".data")) or path.name in {"bin", "__pycache__"}:
            continue
        if path.is_dir() and (path / "__init__.py").is_file():
            modules.append(path.name)
        elif path.suffix == ".py" and path.stem.isidentifier():
            modules.append(path.stem)
    return modules
