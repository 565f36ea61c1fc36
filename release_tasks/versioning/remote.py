"""The version scheme, read by bump-my-version in a Python of its own beside the release.

bump-my-version's config models (pydantic) take longer to import than the rest of a
release's checks put together, and an interpreter runs one import at a time. So a release
starts :class:`Server` as it begins (``python -m release_tasks.versioning.serve``, see
there): it imports them on another core while the checks go on here, then works out the
scheme (:func:`release_tasks.versioning.detect`) and answers for it. :class:`RemoteScheme`
is that scheme here: what it is comes with it, and what it does (the next version, the
tag's name, rewriting the files, the project's hooks) is asked of the server, one request
at a time. Nothing of bump-my-version is imported in this interpreter.

The answers are those of the same code run here, errors included. If the server cannot
start, or dies, or fails in a way that is not a release error, the scheme is worked out
here instead, and the release goes on as if there had been no server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from release_tasks.core import errors, processes
from release_tasks.core.prepared import Prepared

NAME = "versioning"  # the release's prepared helper (core.prepared) that this is
# Started with the package entered as the bare folder it is: its own __init__ (the fab
# tasks, invoke) has no use there and would only delay the answers.
LAUNCH = """\
import sys, types
package = types.ModuleType("release_tasks")
package.__path__ = [sys.argv[1]]
sys.modules["release_tasks"] = package
from release_tasks.versioning.serve import main
main()
"""


def start() -> Prepared:
    """A :class:`Server`, being started (in a thread: the caller goes on at once)."""
    return Prepared(NAME, Server).start()


class Gone(Exception):
    """The server cannot answer (not started, ended, or failed unexpectedly)."""


class Died(Gone):
    """The server ended, or failed unexpectedly, while it worked on the request: what it
    did of it is unknown."""

    def __init__(self, said: str = "the process doing it ended") -> None:
        super().__init__(said)
        self.said = said


class Server:
    """The Python that works out version schemes; requests are answered one at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        folder = Path(__file__).resolve().parent.parent
        self.proc: subprocess.Popen[str] | None = processes.spawn(
            [sys.executable, "-c", LAUNCH, str(folder)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, encoding="utf-8",
            stderr=None if os.environ.get("RELEASE_TASKS_DEBUG") else subprocess.DEVNULL)

    def ask(self, request: dict[str, Any]) -> Any:
        """The server's answer; its release error raised here; :class:`Gone` otherwise."""
        with self._lock:
            proc = self.proc
            if proc is None or proc.poll() is not None:
                self._end()
                raise Gone
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.flush()
            except (OSError, ValueError):  # it never got the request
                self._end()
                raise Gone from None
            try:
                line = proc.stdout.readline()
            except (OSError, ValueError):
                line = ""
            if not line:
                self._end()
                raise Died
        answer = json.loads(line)
        if "result" in answer:
            return answer["result"]
        if "error" in answer:
            raise _error(*answer["error"])
        lines = str(answer.get("crash", "")).strip().splitlines()
        raise Died(lines[-1] if lines else "the process doing it failed")

    def close(self) -> None:
        with self._lock:
            self._end()

    def _end(self) -> None:
        """End it at once: it holds nothing of the release between requests (and none is
        under way: callers hold the lock), and one still importing is not waited for."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        proc.wait()
        processes.forget(proc)


def _error(kind: str, message: str, hint: str) -> Exception:
    cls = getattr(errors, kind, None)
    if isinstance(cls, type) and issubclass(cls, errors.ReleaseError) and \
            cls.__init__ is errors.ReleaseError.__init__:
        return cls(message, hint)
    return Died(message)  # one with its own fields: raised whole where it runs here


def detect(root: Path, server: Server | None) -> Any:
    """``root``'s scheme, worked out by ``server`` (or here, without one)."""
    from release_tasks import versioning

    if server is not None:
        try:
            facts = server.ask({"detect": str(root)})
        except Gone:
            pass
        else:
            return RemoteScheme(server, root, facts)
    return versioning.detect(root)


class RemoteScheme:
    """A scheme the server worked out (see :class:`release_tasks.versioning.Scheme`)."""

    def __init__(self, server: Server, root: Path, facts: dict[str, Any]) -> None:
        self.root = root
        self._server = server
        self._id = facts.pop("id")
        self._facts = facts
        self._here: Any = None

    def __getattr__(self, name: str) -> Any:
        facts = self.__dict__.get("_facts", {})
        if name in facts:
            value = facts[name]
            return list(value) if isinstance(value, list) else value
        return getattr(self._local(), name)

    @property
    def tag_template(self) -> str:
        return str(self._facts["tag_template"])

    @tag_template.setter
    def tag_template(self, template: str) -> None:
        self._facts["tag_template"] = template
        if self._here is not None:
            self._here.tag_template = template
        else:
            try:
                self._server.ask({"set": self._id, "tag_template": template})
            except Gone:
                self._local()

    def _local(self) -> Any:
        """The same scheme worked out here: when the server cannot answer."""
        if self._here is None:
            from release_tasks import versioning

            here = versioning.detect(self.root)
            here.tag_template = self.tag_template
            self._here = here
        return self._here

    def _ask(self, method: str, *args: Any, writes: bool = False) -> Any:
        """The server's answer, or this scheme's here if it cannot give one; but a
        request that ``writes`` files is never made twice: it may have been half done."""
        if self._here is None:
            try:
                return self._server.ask({"call": self._id, "method": method,
                                         "args": list(args)})
            except Died as e:
                if writes:
                    raise errors.VersionError(f"writing version {args[0]} stopped half-way: "
                                              f"{e.said}", "the release undoes it; run it "
                                              "again") from None
            except Gone:
                pass
        return getattr(self._local(), method)(*args)

    def tag_name(self, version: str) -> str:
        return str(self._ask("tag_name", version))

    def tag_message(self, version: str) -> str:
        return str(self._ask("tag_message", version))

    def commit_message(self, new: str) -> str:
        return str(self._ask("commit_message", new))

    def render(self, template: str, new: str) -> str:
        return str(self._ask("render", template, new))

    def next_version(self, part: str | None = None, new_version: str | None = None) -> str:
        return str(self._ask("next_version", part, new_version))

    def default_part(self) -> str:
        return str(self._ask("default_part"))

    def is_greater(self, new: str, current: str | None = None) -> bool:
        return bool(self._ask("is_greater", new, current))

    def fits(self, version: str) -> bool:
        return bool(self._ask("fits", version))

    def check_files(self, new: str) -> list[str]:
        return list(self._ask("check_files", new))

    def apply(self, new: str) -> list[str]:
        return list(self._ask("apply", new, writes=True))

    def run_post_commit_hooks(self, new: str) -> None:
        self._ask("run_post_commit_hooks", new, writes=True)

    def build_env(self, name: str, version: str) -> dict[str, str]:
        return dict(self._ask("build_env", name, version))
