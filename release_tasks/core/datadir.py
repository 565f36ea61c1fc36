"""The user's data folder for this library: the default index and docs live under it, so
both the publish and the docs defaults name it from here."""

from __future__ import annotations

from pathlib import Path


def data_dir() -> Path:
    """Where the embedded defaults keep things (``~/.local/share/release_tasks``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("release_tasks", appauthor=False))
