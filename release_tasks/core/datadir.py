"""The user's folders for this library: the data folder (the default index and docs live
under it, so both the publish and the docs defaults name it from here) and the cache
folder (build and docs environments, backends' metadata, compiled docs templates)."""

from __future__ import annotations

from pathlib import Path


def data_dir() -> Path:
    """Where the embedded defaults keep things (``~/.local/share/release_tasks``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("release_tasks", appauthor=False))


def cache_dir() -> Path:
    """What can be made again (``~/.cache/release_tasks``, honouring XDG_CACHE_HOME)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("release_tasks", appauthor=False))
