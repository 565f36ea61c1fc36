"""Run by the docs environment's Python: ``mkdocs build``, with the release's version.

    python mkdocs_run.py CONFIG SITE_DIR VERSION [--strict]

What ``mkdocs build -f CONFIG -d SITE_DIR [--strict]`` does, through MkDocs' own API, plus
what Sphinx's ``-D version=`` gives Sphinx docs: ``config.extra.version`` is the version
being released (themes and templates read it there), and every page carries it as
``<meta name="version">``. Without ``--strict``, the project's own ``strict:`` setting
decides. This file imports nothing from release_tasks: the docs environment lacks it.

An inventory of another project's objects that cannot be fetched (mkdocstrings'
``import:``) is a network condition, not a fault of the docs: it is not counted against a
strict build, and a line starting with ``UNREACHABLE`` names it for the release to say.
Every other warning still counts.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any


def main() -> int:
    config_file, site_dir, version = sys.argv[1:4]
    strict = True if "--strict" in sys.argv[4:] else None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.plugins import BasePlugin

    class StampVersion(BasePlugin):  # type: ignore[type-arg,misc]
        def on_config(self, config: Any) -> Any:
            # The strict build's counter is on the "mkdocs" logger by now; the inventories
            # are fetched after the plugins' on_config.
            for counter in logging.getLogger("mkdocs").handlers:
                if type(counter).__name__ == "CountHandler":
                    counter.addFilter(_not_network)
            return config

        def on_post_page(self, output: str, **kwargs: Any) -> str:
            meta = f'<meta name="version" content="{version}">'
            return output.replace("<head>", f"<head>\n    {meta}", 1) \
                if "<head>" in output else meta + output

    try:
        config = load_config(config_file=config_file, site_dir=site_dir, strict=strict)
        config["extra"]["version"] = version
        config["plugins"]["release-tasks-version"] = StampVersion()
        build(config)
    except exceptions.MkDocsException as e:  # ConfigurationError, Abort, PluginError...
        message = getattr(e, "message", None) or str(e)
        if "configuration" in type(e).__name__.lower():
            log.error(message)
            print("Aborted with a configuration error!", file=sys.stderr)
        elif str(message).startswith("Aborted"):  # strict mode: the warnings say why
            print(message, file=sys.stderr)
        else:
            print(f"ERROR   -  {message}", file=sys.stderr)
        return 1
    except SystemExit as e:  # click's Abort in older MkDocs
        return int(e.code or 1)
    return 0


_INVENTORY = re.compile(r"Couldn't load inventory (\S+)")


def _not_network(record: logging.LogRecord) -> bool:
    """False for an unreachable inventory (then named once on stderr): not counted."""
    found = _INVENTORY.search(record.getMessage())
    if found is None:
        return True
    print(f"UNREACHABLE {found.group(1)}", file=sys.stderr)
    return False


if __name__ == "__main__":
    sys.exit(main())
