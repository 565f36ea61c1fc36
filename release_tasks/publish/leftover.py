"""What of an unfinished release is on the index already.

An upload cut short (a killed ``fab``, an index that stored the file and never answered)
may have left files there that the journal never heard of. Indexes never delete, so the
same version cannot be released again: the user must hear of it before rolling back, and
the index itself is asked, with the listing the "already released" check reads.
"""

from __future__ import annotations

from typing import Any

from release_tasks.core.errors import ReleaseError
from release_tasks.core.journal import Journal
from release_tasks.publish.backend import files_there


def on_index(config: Any, journal: Journal) -> list[str]:
    """The lines a rollback prints about the repositories, when the release got as far as
    the upload: one for each that holds files of it (or could not be asked); none when it
    did not get that far (no repository is asked) or nothing of it is anywhere."""
    reached = {*journal.started, *journal.done, journal.failed}
    if not journal.name or ("upload" not in reached and not journal.uploaded):
        return []
    from pathlib import Path

    from release_tasks.publish import fleet

    names = sorted({Path(p).name for p in journal.dists} | set(journal.uploaded))
    try:
        backends = fleet.open_all(config)
    except ReleaseError as e:
        return [_unknown(journal, str(e.message), journal.uploaded)]
    lines = [_line(backend, journal, names, len(backends) > 1) for backend in backends]
    shown = {b.display for b in backends}
    for where, files in journal.uploaded_to.items():  # a repository no longer configured
        if where not in shown and files:
            lines.append(f"already on {where}, as the release recorded (indexes never "
                         f"delete; release a new version instead of re-releasing "
                         f"{journal.version}): {', '.join(files)}")
    return [line for line in lines if line]


def _line(backend: Any, journal: Journal, names: list[str], several: bool) -> str:
    recorded = journal.uploaded_to.get(backend.display, [] if several else journal.uploaded)
    try:
        there = files_there(backend, journal.name, journal.version, names)
    except ReleaseError as e:
        return _unknown(journal, e.message, recorded, backend.display if several else "")
    if not there:
        return ""
    return (f"already {backend.where} (indexes never delete; release a new version instead "
            f"of re-releasing {journal.version}): {', '.join(there)}")


def _unknown(journal: Journal, why: str, recorded: list[str], where: str = "") -> str:
    said = f"; the release recorded uploading {', '.join(recorded)}" if recorded else ""
    on = f"on {where} " if where else "on the index "
    return (f"could not check which files of {journal.version} are {on}({why}){said}: look "
            f"before releasing {journal.version} again")
