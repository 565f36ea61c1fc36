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
    """The line a rollback prints about the index, when the release got as far as the
    upload; none when it did not (the index is not asked) or nothing of it is there."""
    reached = {*journal.started, *journal.done, journal.failed}
    if not journal.name or ("upload" not in reached and not journal.uploaded):
        return []
    from pathlib import Path

    from release_tasks.publish import index, registry

    names = sorted({Path(p).name for p in journal.dists} | set(journal.uploaded))
    try:
        backend = registry.open_backend(index.resolve(config.repository, config.index_url),
                                        config.network_timeout)
        there = files_there(backend, journal.name, journal.version, names)
    except ReleaseError as e:
        recorded = f"; the release recorded uploading {', '.join(journal.uploaded)}" \
            if journal.uploaded else ""
        return [f"could not check which files of {journal.version} are on the index "
                f"({e.message}){recorded}: look before releasing {journal.version} again"]
    if not there:
        return []
    return [f"already {backend.where} (indexes never delete; release a new version instead "
            f"of re-releasing {journal.version}): {', '.join(there)}"]
