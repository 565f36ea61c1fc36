"""Link definitions that follow a release: ``[1.2.0]: .../compare/v1.1.0...v1.2.0``.

Keep a Changelog files, and plain Markdown files with bracketed version headings, keep a
block of link definitions at the bottom. The new version gets its link in the file's own
URL shape and tag names, and an ``[unreleased]`` link moves on to it::

    [unreleased]: https://github.com/o/r/compare/v1.2.0...HEAD      (was v1.1.0...HEAD)
    [1.2.0]: https://github.com/o/r/compare/v1.1.0...v1.2.0         (new)

GitHub and Gitea (``/compare/A...B``), GitLab (``/-/compare/A...B``) and Bitbucket
(``/branches/compare/B%0DA``) compare links, and tag links (``/releases/tag/v1.1.0``) are
all the same operation: the old tag and ``HEAD`` are found in the link and replaced.
"""

from __future__ import annotations

import re

from release_tasks.changelog.base import Entry

LINK = re.compile(r"^\[(?P<label>[^\]]+)\]:\s*(?P<url>\S+)\s*$")
_COMPARE = re.compile(r"^(?P<pre>.*/compare/)(?P<a>.+?)(?P<sep>\.\.\.|\.\.|%0D)(?P<b>[^#?]+)"
                      r"(?P<post>.*)$")


def _swap(url: str, old: str, new: str) -> str:
    return url.replace(old, new)


def add_links(text: str, entry: Entry) -> str:
    """Update ``[unreleased]`` and add the new version's link; no link block, no links."""
    lines = text.split("\n")
    links = [(i, m) for i, line in enumerate(lines) if (m := LINK.match(line))]
    if not links or entry.previous_version is None:
        return text
    by_label = {m["label"].lower().lstrip("v"): (i, m) for i, m in links}
    unreleased = by_label.get("unreleased")
    previous = by_label.get(entry.previous_version.lower())
    exists = entry.version.lower() in by_label
    old_v, new_v = entry.previous_version, entry.version
    label = (f"v{new_v}" if previous and previous[1]["label"].lower().startswith("v")
             else new_v)
    version_url = None
    if previous is not None and not _COMPARE.match(previous[1]["url"]):
        version_url = _swap(previous[1]["url"], old_v, new_v)  # releases/tag/v1.1.0 style
    if unreleased is not None:
        i, m = unreleased
        c = _COMPARE.match(m["url"])
        if c and (old_v in c["a"] or old_v in c["b"]):
            old_is_a = old_v in c["a"]
            old_op = c["a"] if old_is_a else c["b"]
            new_op = old_op.replace(old_v, new_v)
            head_op = c["b"] if old_is_a else c["a"]
            url_unreleased = f"{c['pre']}{new_op if old_is_a else head_op}{c['sep']}" \
                             f"{head_op if old_is_a else new_op}{c['post']}"
            if version_url is None:
                version_url = f"{c['pre']}{old_op if old_is_a else new_op}{c['sep']}" \
                              f"{new_op if old_is_a else old_op}{c['post']}"
            lines[i] = f"[{m['label']}]: {url_unreleased}"
        if version_url and not exists:
            lines.insert(i + 1, f"[{label}]: {version_url}")
    elif previous is not None and not exists:
        i, m = previous
        c = _COMPARE.match(m["url"])
        if version_url is None and c:  # compare/v1.0.0...v1.1.0 → compare/v1.1.0...v1.2.0
            old_is_b = old_v in c["b"]
            newer = (c["b"] if old_is_b else c["a"]).replace(old_v, new_v)
            older = c["b"] if old_is_b else c["a"]
            version_url = (f"{c['pre']}{older}{c['sep']}{newer}{c['post']}" if old_is_b
                           else f"{c['pre']}{newer}{c['sep']}{older}{c['post']}")
        if version_url:
            lines.insert(i, f"[{label}]: {version_url}")
    return "\n".join(lines)
