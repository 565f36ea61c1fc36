"""release_tasks releases itself with its own tasks: `fab release`, `fab demo`, ..."""

from release_tasks import *  # noqa: F403
