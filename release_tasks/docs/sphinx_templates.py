"""Run by the docs environment's Python (it imports nothing from release_tasks): Sphinx's
HTML templates compiled once per machine, not once per build.

Sphinx renders every page and the theme's static files (``basic.css_t``...) through Jinja,
and compiling those templates is most of a small site's build. Jinja keeps compiled
templates in a bytecode cache when its environment is given one; Sphinx lets a project
name the object that sets up that environment (the ``template_bridge`` setting). This is
that object: Sphinx's own :class:`~sphinx.jinja2glue.BuiltinTemplateLoader`, with a
:class:`jinja2.FileSystemBytecodeCache` in ``CACHE``. Jinja checks each cached template
against its source's checksum, so an edited template is compiled afresh; the cache is
kept apart per Python, Jinja and set of Jinja extensions, whose compiled code differs.
The pages come out as they would without it.

``CACHE`` is set by the launcher (:data:`release_tasks.docs.sphinx.LAUNCH`) before Sphinx
starts. A cache that cannot be written is only not kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from typing import Any

import jinja2
from sphinx.jinja2glue import BuiltinTemplateLoader

CACHE = ""


class _Cache(jinja2.FileSystemBytecodeCache):
    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        # Full or read-only: the template was compiled, the build goes on.
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class CachedTemplates(BuiltinTemplateLoader):
    """Sphinx's template loader, its Jinja environment with a bytecode cache."""

    def init(self, builder: Any, theme: Any = None, dirs: Any = None) -> None:
        super().init(builder, theme, dirs)
        env = self.environment
        kind = repr((jinja2.__version__, sys.implementation.cache_tag, type(env).__name__,
                     sorted(env.extensions)))
        folder = os.path.join(CACHE, hashlib.sha256(kind.encode()).hexdigest()[:16])
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            return
        env.bytecode_cache = _Cache(folder)

    def render_string(self, source: str, context: dict[str, Any]) -> str:
        """As Sphinx's (``from_string``), the compiled code kept in the cache too: the
        theme's static files are rendered from strings, which Jinja caches only by name."""
        env, cache = self.environment, self.environment.bytecode_cache
        if cache is None:
            return super().render_string(source, context)
        name = "string:" + hashlib.sha256(source.encode()).hexdigest()
        bucket = cache.get_bucket(env, name, None, source)
        if bucket.code is None:
            bucket.code = env.compile(source)
            cache.set_bucket(bucket)
        template = env.template_class.from_code(env, bucket.code, env.make_globals(None))
        return template.render(context)
