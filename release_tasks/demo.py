"""``fab demo``: a real release of a throwaway sample package, on the embedded defaults.

The sample package lives in a temporary folder with its own git repository and a bare
"origin". It is released for real: history section, bump, tag, build, upload to the
default local folder index, docs to the default local docs folder, and a message to a
local webhook receiver standing in for Slack, which prints what Slack would have got.
No server, account or network is needed: the demo builds without isolation, with the
setuptools already installed beside release_tasks.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import tempfile
import textwrap
import threading
from pathlib import Path
from typing import Any

from release_tasks.core.ui import Ui

NAME = "release-tasks-demo"
MODULE = "release_tasks_demo"
WEBHOOK_ENV = "RELEASE_TASKS_DEMO_WEBHOOK"


class Receiver:
    """A local HTTP server that records what a Slack webhook would receive."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                try:
                    outer.payloads.append(json.loads(self.rfile.read(size)))
                except ValueError:
                    outer.payloads.append({})
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/TDEMO/BDEMO/xoxDemoWebhookToken01"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _start_version() -> str:
    """Continue after the newest demo release already in the default index."""
    from packaging.utils import InvalidSdistFilename, parse_sdist_filename

    from release_tasks.publish.index import resolve
    from release_tasks.publish.registry import open_backend

    versions = []
    for filename in open_backend(resolve(None)).listing(NAME):
        try:
            versions.append(parse_sdist_filename(filename)[1])
        except InvalidSdistFilename:
            continue
    return str(max(versions)) if versions else "0.1.0"


def make_sample(folder: Path, version: str) -> Path:
    """Write the sample package into ``folder``/sample as a git repo with an origin."""
    project = folder / "sample"
    (project / MODULE).mkdir(parents=True)
    (project / "docs").mkdir()
    files = {
        "pyproject.toml": f"""\
            [build-system]
            requires = ["setuptools>=70.1"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{NAME}"
            version = "{version}"
            description = "A sample package released by `fab demo`"
            readme = "README.rst"
            requires-python = ">=3.8"

            [tool.setuptools]
            packages = ["{MODULE}"]

            [tool.bumpversion]
            current_version = "{version}"

            [[tool.bumpversion.files]]
            filename = "pyproject.toml"
            search = 'version = "{{current_version}}"'
            replace = 'version = "{{new_version}}"'

            [[tool.bumpversion.files]]
            filename = "{MODULE}/__init__.py"

            [tool.release_tasks]
            # The demo must work offline: build with the setuptools installed beside
            # release_tasks instead of downloading it into an isolated environment.
            build_isolation = false
            slack_webhook_env = "{WEBHOOK_ENV}"
            slack_channel = "#releases"
            """,
        f"{MODULE}/__init__.py": f'"""The demo package."""\n\n__version__ = "{version}"\n',
        "README.rst": f"{NAME}\n{'=' * len(NAME)}\n\nA sample package released by "
                      "``fab demo``.\n",
        "HISTORY.rst": f"History\n=======\n\n{version} (2024-01-01)\n"
                       f"{'-' * len(version + ' (2024-01-01)')}\n\n- First release.\n",
        "docs/conf.py": f'project = "{NAME}"\nextensions = []\nhtml_theme = "alabaster"\n',
        "docs/index.rst": f"{NAME}\n{'=' * len(NAME)}\n\nThe demo's documentation.\n",
        "fabfile.py": "from release_tasks import *\n",
        ".gitignore": "build/\ndist/\n*.egg-info/\n",
    }
    for rel, text in files.items():
        (project / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Demo", "GIT_AUTHOR_EMAIL": "demo@example.invalid",
           "GIT_COMMITTER_NAME": "Demo", "GIT_COMMITTER_EMAIL": "demo@example.invalid"}
    origin = folder / "origin.git"

    def git(*args: str, cwd: Path = project) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    git("init", "-q", "--bare", str(origin), cwd=folder)
    git("init", "-q", "-b", "main")
    git("config", "user.name", "Demo")
    git("config", "user.email", "demo@example.invalid")
    git("add", "-A")
    git("commit", "-q", "-m", "The demo package")
    git("remote", "add", "origin", str(origin))
    git("push", "-q", "-u", "origin", "main")
    return project


def run(ui: Ui) -> Path:
    """Create the sample package and release it; returns the sample's folder."""
    from release_tasks.core import config
    from release_tasks.core.release import Options
    from release_tasks.core.results import Shipped
    from release_tasks.pipeline.run import release

    folder = Path(tempfile.mkdtemp(prefix="release-tasks-demo-"))
    project = make_sample(folder, _start_version())
    ui.info(f"Sample package {NAME} in {project}")
    receiver = Receiver()
    previous = os.environ.get(WEBHOOK_ENV)
    os.environ[WEBHOOK_ENV] = receiver.url
    try:
        cfg = config.load(project)
        notes = "- Shows what `fab release` does, on the embedded defaults."
        rel = release(project, cfg, ui, Options(part="minor", notes=notes, yes=True))
    finally:
        receiver.close()
        if previous is None:
            os.environ.pop(WEBHOOK_ENV, None)
        else:
            os.environ[WEBHOOK_ENV] = previous
    ui.info("")
    ui.heading("Where everything went")
    ui.info(f"  sample     {project}  (git log --oneline shows the release commits)")
    ui.info(f"  index      {rel.repo.simple_url}")
    shipped = rel.results.get(Shipped)
    if shipped is not None:
        ui.info(f"  docs       {shipped.location}/index.html")
    for payload in receiver.payloads:
        ui.info(f"  slack      would have received: {json.dumps(payload, ensure_ascii=False)}")
    ui.final(f"Install the demo release: {rel.repo.pip_install(NAME, rel.version)}")
    return project
