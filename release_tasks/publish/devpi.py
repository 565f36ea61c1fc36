"""devpi: an HTTP index whose simple pages live under ``+simple/``, beside the index URL
that takes uploads (``https://host/user/index/``).

Uploads, credentials and retries are those of any HTTP index; what differs is where pip
reads, so the probe goes straight there. A devpi index is recognised by that layout: an
``index_url`` under ``+simple/``. Without one, the HTTP backend's probe still finds
``+simple/`` by itself.
"""

from __future__ import annotations

from release_tasks.publish.http import HttpBackend
from release_tasks.publish.index import Repository


class DevpiBackend(HttpBackend):
    """A devpi-server index (``user/index``)."""

    simple_paths = ("+simple/",)

    @staticmethod
    def applies(repo: Repository) -> bool:
        return repo.kind == "http" and "/+simple/" in str(repo.simple_url or "")
