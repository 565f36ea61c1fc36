"""A docs builder started early: its Python up and Sphinx (or MkDocs) imported while the
release is still being checked, edited and tagged, so the docs build, when its turn comes,
spends its time on the docs.

The process (``warm.py`` in the docs environment) runs one command and ends; until then it
only waits on its stdin, so it also ends by itself when we do, however we stop. If it is
gone when the build comes (or the command is not for it), the build runs as a process of
its own, as it would without one.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path


class Warm:
    """One docs-environment Python, its builder imported, waiting for one command."""

    def __init__(self, python: Path, builder: str, cwd: Path,
                 templates: Path | None = None) -> None:
        """``templates``: where Sphinx's compiled templates are kept (see warm.py)."""
        self.python = Path(python)
        self.builder = builder
        script = Path(__file__).with_name("warm.py").read_text(encoding="utf-8")
        extra = [str(templates)] if templates is not None else []
        self.proc: subprocess.Popen[str] | None = subprocess.Popen(
            [str(python), "-c", script, builder, *extra], cwd=cwd, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run(self, cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
        """``cmd`` (``[python, "-m", module, *args]`` or ``[python, "-c", code, *args]``),
        run here if this worker can, else as its own process; like ``subprocess.run``."""
        proc, self.proc = self.proc, None
        extra = env or {}
        request = self._request(cmd, cwd, extra)
        if proc is not None and request is not None and proc.poll() is None:
            try:
                out, err = proc.communicate(json.dumps(request) + "\n")
                return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
            except (BrokenPipeError, OSError):  # it died on the way: run it afresh
                _end(proc)
        elif proc is not None:
            _end(proc)
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                              env={**os.environ, **extra}, check=False)

    def _request(self, cmd: list[str], cwd: Path, env: dict[str, str]) -> dict | None:
        if len(cmd) < 3 or Path(cmd[0]) != self.python or cmd[1] not in ("-m", "-c"):
            return None
        key = "module" if cmd[1] == "-m" else "code"
        return {key: cmd[2], "argv": cmd[3:], "cwd": str(cwd), "env": env}

    def close(self) -> None:
        """Not needed after all: end it, and reap it."""
        proc, self.proc = self.proc, None
        if proc is not None:
            _end(proc)


def _end(proc: subprocess.Popen[str]) -> None:
    """It has done nothing yet but import: stopping it at once loses nothing."""
    proc.kill()
    proc.communicate()
