"""The line patterns of history files, in one place.

The parser (``history.py``) and the formats that write sections (``plain.py``,
``releases.py``) must agree on what a heading, a list item, a placeholder or a date line
is; when each kept its own copy they drifted apart.
"""

from __future__ import annotations

import re

RST_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+<>:._])\1{2,}\s*$")
MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
MD_SETEXT = re.compile(r"^(=+|-+)\s*$")
# A line that is only a bold version (and maybe a date): a heading in all but name.
BOLD_HEADING = re.compile(r"^\*\*\[?v?\d+(?:\.\d+)+[^*]*\*\*.*$")
# Lines that mean "nothing here yet" (zest.releaser writes the first one).
PLACEHOLDERS = re.compile(r"^[-*+]?\s*(nothing changed yet\.?|no changes yet\.?|tbd\.?|\.\.\.)$",
                          re.I)
RST_UNDERLINE_ORDER = "=-~^+*\"'`#:._<>"
# A list item: what an entry of most history files is.
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S")

_DATE = (r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4}"
         r"|[A-Za-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}"
         r"|\d{1,2}(?:st|nd|rd|th)? [A-Za-z]{3,9}\.?,? \d{4})")
# The line under a heading that only dates it: Pallets' "Released 2024-02-02",
# "*2024-03-01*", "(March 1, 2024)", "Date: 2024-03-01".
DATE_LINE = re.compile(r"^[*_(\[\s]*(?:(?:released|release date|date)\b:?\s*(?:on\s+)?)?"
                       + _DATE + r"[*_)\]\s.]*$", re.I)
RELEASED_LINE = re.compile(r"^(released|release date|date)\b[:\s].*\d", re.I)
# Pallets' "Version X.Y.Z" with this line under it: a section waiting for its release.
UNRELEASED_LINE = re.compile(r"^[*_(\[]*(unreleased|not released yet|in development)"
                             r"[*_)\]]*\.?$", re.I)
# A heading waiting for its release: "1.2.0 (unreleased)", "[Unreleased]", "Upcoming
# (unreleased)", "2.0.0 (TBD)"; or, as the whole title, "NEXT", "dev", "Latest Changes".
UNRELEASED_WORDS = re.compile(r"\b(unreleased|upcoming|not (yet )?released( yet)?|in development"
                              r"|tb[da])\b", re.I)
UNRELEASED_NAMES = re.compile(r"^[\[(*_]*(next|next release|next version|dev|latest changes"
                              r"|unreleased changes|pending)[\])*_:]*$", re.I)
