"""Composable Fabric tasks that release a Python package with one command.

In a fabfile::

    from release_tasks import *          # every task: fab release, fab notify_slack 1.2.3...

or pick tasks, or mount the whole collection under a name::

    from release_tasks import notify_slack
    ns.add_collection(release_tasks.ns, "release")
"""

from invoke import Collection

from . import fabric1
from .tasks import (
    build,
    build_docs,
    bump,
    check,
    demo,
    edit_history,
    notify_slack,
    release,
    rollback,
    ship_docs,
    tag,
    upload,
)

__version__ = "0.1.0.dev0"

# `ns` is deliberately not in __all__: `from release_tasks import *` must leave a fabfile's
# own tasks visible, and invoke would use an `ns` it found in the fabfile instead of them.
__all__ = [
    "build",
    "build_docs",
    "bump",
    "check",
    "demo",
    "edit_history",
    "notify_slack",
    "release",
    "rollback",
    "ship_docs",
    "tag",
    "upload",
]

ns = Collection(check, edit_history, bump, tag, build, build_docs, upload, ship_docs,
                notify_slack, release, rollback, demo)

fabric1.install()
