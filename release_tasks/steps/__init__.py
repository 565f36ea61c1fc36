"""The steps of a release, in release order: one module each."""

from __future__ import annotations

from release_tasks.core.engine import Step

from .base import check_git_setup, check_repository
from .build import Build
from .build_docs import BuildDocs
from .bump import Bump
from .dev_bump import DevBump
from .edit_history import EditHistory
from .notify_slack import Notify, slack_warning
from .push import Push
from .ship_docs import ShipDocs
from .tag import Tag
from .upload import Upload

__all__ = ["STEPS", "Build", "BuildDocs", "Bump", "DevBump", "EditHistory", "Notify", "Push",
           "ShipDocs", "Tag", "Upload", "check_git_setup", "check_repository", "release_steps",
           "slack_warning"]


def release_steps() -> list[Step]:
    return [EditHistory(), Bump(), Tag(), Build(), BuildDocs(), Upload(), ShipDocs(),
            Notify(), DevBump(), Push()]


STEPS = {s.name: s for s in release_steps()}
