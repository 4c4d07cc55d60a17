"""The bounds a policy file must keep: its size, its nesting and the range of every number."""

from __future__ import annotations

import re

MAX_POLICY_BYTES = 1 << 20
"""1 MiB per file. The built-in files together are about 11 KB; a group's own file with a
thousand waivers stays far below. Read with this cap, never whole."""

MAX_NESTING = 16
"""Levels of arrays, inline tables and dotted keys, as ``nesting_depth`` counts them: the
built-in and example files measure 2 (``[[portal]]``, ``{ user = 0, admin = 365 }``).
``tomllib`` parses arrays and inline tables recursively (a RecursionError near 1,000 levels)
and dotted keys in quadratic time (8,000 parts take seconds, 500,000 never end), so the depth
is measured on the text before it is parsed."""

MAX_DAYS = 3650
"""Ten years, for deadlines and maximum password ages: longer than any rule we cite (CNIL and
ANSSI renew privileged accounts yearly), and far enough from ``date.max`` that an as-of date
plus any of them is a date. A policy meaning "never" says 0 for a maximum age."""

MAX_WINDOW_DAYS = 366
"""A reminder window longer than a year would call every yearly renewal "due" all year."""

MAX_SCORE = 4
"""zxcvbn scores run from 0 to 4."""

MAX_BITS = 512
"""Bits of CNIL entropy: 80 is the rule for a password alone; 512 is a 79-character password
drawing on every class, past what any portal accepts."""

# Strings and comments hide brackets and dots; the alternatives mirror tomllib's own ends
# (a multi-line string may close with up to two extra quotes, which belong to it).
_TOKEN = re.compile(r"\"\"\"|'''|\"|'|#|[\[\]{}=,\n.]")
_BASIC_END = re.compile(r'(?:[^"\\\n]|\\.)*(?:"|$)', re.MULTILINE)
_ML_BASIC_END = re.compile(r'(?:[^"\\]|\\.|"(?!""))*(?:"""\"{0,2}|\Z)', re.DOTALL)
_LITERAL_END = re.compile(r"[^'\n]*(?:'|$)", re.MULTILINE)
_ML_LITERAL_END = re.compile(r"(?:[^']|'(?!''))*(?:'''(?:'{0,2})|\Z)", re.DOTALL)
_SKIP = {'"': _BASIC_END, '"""': _ML_BASIC_END, "'": _LITERAL_END, "'''": _ML_LITERAL_END}


def nesting_depth(text: str, *, stop_at: int = MAX_NESTING) -> int:
    """The deepest nesting of TOML ``text``: brackets open plus dots in one key, at most.

    Stops counting once past ``stop_at``. Invalid TOML gets a rough answer; the parser then
    rejects it (and a RecursionError it might still hit is caught by the loader).
    """
    depth = deepest = dots = 0
    pos = 0
    while deepest <= stop_at and (token := _TOKEN.search(text, pos)) is not None:
        kind = token.group()
        pos = token.end()
        if kind in _SKIP:
            end = _SKIP[kind].match(text, pos)
            pos = end.end() if end else len(text)
        elif kind == "#":
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline
        elif kind == ".":
            # A float or a time has one dot; a dotted key has one per level.
            dots += 1
            deepest = max(deepest, depth + dots)
        else:
            dots = 0
            if kind in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif kind in "]}":
                depth = max(depth - 1, 0)
    return deepest
