"""Run by the docs environment's Python: ``mkdocs build``, with the release's version.

    python mkdocs_run.py CONFIG SITE_DIR VERSION [--strict]

What ``mkdocs build -f CONFIG -d SITE_DIR [--strict]`` does, through MkDocs' own API, plus
what Sphinx's ``-D version=`` gives Sphinx docs: ``config.extra.version`` is the version
being released (themes and templates read it there), and every page carries it as
``<meta name="version">``. Without ``--strict``, the project's own ``strict:`` setting
decides. This file imports nothing from release_tasks: the docs environment lacks it.
"""

from __future__ import annotations

import logging
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


if __name__ == "__main__":
    sys.exit(main())
