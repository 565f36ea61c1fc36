"""The version schemes of a release, worked out in a Python of their own
(``python -m release_tasks.versioning.serve``): see :mod:`release_tasks.versioning.remote`.

It reads one JSON request per line on stdin and answers each with one JSON line:

- ``{"detect": ROOT}``: ``versioning.detect(ROOT)``; the answer is the scheme's number
  and what it is (:data:`FACTS`);
- ``{"call": N, "method": NAME, "args": [...]}``: a method of scheme N (:data:`METHODS`);
- ``{"set": N, "tag_template": TEMPLATE}``.

An answer is ``{"result": ...}``, or ``{"error": [CLASS, MESSAGE, HINT]}`` for a
:class:`~release_tasks.core.errors.ReleaseError`, or ``{"crash": TRACEBACK}``. The answers
go out on a copy of stdout made at the start, and stdout itself then points at stderr, so
nothing printed on the way (a library, a hook) can mix with them. End of input ends it
at once.
It ignores SIGINT: a Ctrl-C is the release's to handle, and the release stops it.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

from release_tasks.core.errors import ReleaseError

# What a scheme is, sent once with it; and what may be asked of it.
FACTS = ("current", "description", "files", "sign_tags", "writes_files", "notes",
         "message_template", "tag_template", "parts", "own_parse", "config_file")
METHODS = frozenset({"tag_name", "tag_message", "commit_message", "next_version", "fits",
                     "check_files", "apply", "run_post_commit_hooks", "default_part",
                     "is_greater", "render", "build_env"})


def facts(scheme: Any) -> dict[str, Any]:
    out = {name: getattr(scheme, name) for name in FACTS}
    out["config_file"] = str(out["config_file"]) if out["config_file"] else None
    return out


def answer(request: dict[str, Any], schemes: list[Any]) -> dict[str, Any]:
    from release_tasks import versioning

    try:
        if "detect" in request:
            scheme = versioning.detect(Path(request["detect"]))
            schemes.append(scheme)
            return {"result": {"id": len(schemes) - 1, **facts(scheme)}}
        scheme = schemes[request.get("call", request.get("set"))]
        if "set" in request:
            scheme.tag_template = str(request["tag_template"])
            return {"result": None}
        if request["method"] not in METHODS:
            raise ValueError(f"not a method served: {request['method']}")
        return {"result": getattr(scheme, request["method"])(*request.get("args", ()))}
    except ReleaseError as e:
        return {"error": [type(e).__name__, e.message, e.hint]}
    except Exception:
        return {"crash": traceback.format_exc()}


# What detect and a scheme import when first used, imported while the first request is on
# its way: bump-my-version's config readers and models, its file rewriting, its git reader.
PRELOAD = ("release_tasks.versioning", "bumpversion.config", "bumpversion.config.files_legacy",
           "bumpversion.files", "bumpversion.scm.git", "bumpversion.context", "bumpversion.bump")


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for module in PRELOAD:
        try:
            importlib.import_module(module)
        except Exception:  # asked for by a request, it is reported there
            continue
    schemes: list[Any] = []
    for line in sys.stdin:
        if not line.strip():
            continue
        out.write(json.dumps(answer(json.loads(line), schemes)) + "\n")
        out.flush()
    # Every answer is out: end now, without the interpreter's tidying up of the modules it
    # imported, which the release would wait for.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
