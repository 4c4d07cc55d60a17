"""Inventory text made safe for each output: one function per context, every format calls one.

An inventory, a vault or a policy is written by someone else: a name may hold
markup (``<script>``, ``[x](javascript:…)``, Rich's ``[link=…]``) or terminal
control sequences (``ESC ] 52`` writes the clipboard, ``ESC [ 2J`` clears the
screen). Each output says how it neutralises them here, so no format re-invents it.

Control characters are *replaced* by U+FFFD, not dropped: the reader sees that
the cell held something odd, two names never silently merge into one, and the
text keeps the length a reader counts on. (DESIGN.md, secret rule 7.)
"""

from __future__ import annotations

import re

from markupsafe import Markup

REPLACEMENT = "\ufffd"
"""What a control character becomes: visible, and meaning "a character was here"."""

# C0 and DEL (a terminal acts on ESC, BEL, BS, CR…), C1 (0x9B is an 8-bit CSI
# on some terminals), the Unicode line and paragraph separators (a line break
# for JavaScript and some editors), and the bidirectional overrides and
# isolates that make text display in another order than it reads (Trojan Source,
# CVE-2021-42574).
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_ANY_CONTROL = re.compile(f"[{_CONTROL}]")
_CONTROL_BUT_LAYOUT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
"""The same, sparing tab and line feed: a message's own layout."""

# Markdown: the characters that open inline markup in CommonMark and GFM —
# emphasis, code spans, links and images ([ ] !), entities (&), strikethrough
# (~) and table cells (|) — escaped with a backslash. Raw HTML and autolinks
# (< >) become &lt; and &gt;, which even renderers that ignore a backslash there
# show as text.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]&~|!])")
# GFM also links bare text: ``http://…``, ``www.…`` and ``name@domain``. A
# backslash does not stop it everywhere, so their trigger characters become
# numeric character references, which render as themselves.
# Some renderers (markdown-it's linkify, chat and wiki tools) also link a bare
# ``viamedis.net``: every dot between two word characters becomes a reference
# too, which keeps a portal's address and a lookalike host readable, not clickable.
_MARKDOWN_ENTITIES = {":": "&#58;", "@": "&#64;", "<": "&lt;", ">": "&gt;"}
_INNER_DOT = re.compile(r"(?<=\w)\.(?=\w)")
_LEADING_BLOCK = re.compile(r"^(?:([#+\-=>])|(\d+)([.)]))")
"""At the start of a value, what could begin a heading, list or quote if it starts a line."""

# JSON: written with ``ensure_ascii=False`` (French names stay readable), which
# leaves C1, separators and bidi controls raw; < > & are escaped too so that a
# report pasted in a web page's <script> cannot close it (as Go's encoder does).
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069<>&]")


def plain(text: str) -> str:
    """One line of inventory text with every control character replaced by U+FFFD.

    Line ends and tabs too: a name is one line, and a line break in it would
    forge a line of a log, a header or a table. Used for CSV cells, e-mail text,
    calendars, JUnit and HTML values (which Jinja2 then escapes).
    """
    return _ANY_CONTROL.sub(REPLACEMENT, text)


def markdown(text: str) -> str:
    """Inventory text as Markdown that renders as exactly that text: no markup, link or image."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", plain(text))
    escaped = _INNER_DOT.sub("&#46;", escaped)
    escaped = "".join(_MARKDOWN_ENTITIES.get(char, char) for char in escaped)
    # A backslash only escapes punctuation: "1." becomes "1\." (not "\1.", which
    # would render with its backslash).
    return _LEADING_BLOCK.sub(
        lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped, count=1
    )


def terminal(text: str) -> str:
    """Inventory text for the terminal: control characters replaced.

    The terminal format hands every value to Rich as a ``Text`` (never as a
    markup string), so ``[bold red]`` or ``[link=…]`` is printed as written;
    only the control characters a terminal would act on need replacing.
    """
    return plain(text)


def stderr_line(text: str) -> str:
    """A message for stderr: control characters replaced, line ends and tabs kept.

    Messages may quote inventory names and file paths; the line ends kept are
    the program's own (a debug trace), never a name's (names went through ``plain``
    where they were read into a message, or are on one line by then).
    """
    return _CONTROL_BUT_LAYOUT.sub(REPLACEMENT, text)


def json_text(encoded: str) -> str:
    """Encoded JSON with C1, separators, bidi controls and ``< > &`` as ``\\uXXXX`` escapes.

    The data is kept exactly (a program decodes the same string): JSON already
    escapes C0, and these characters can only occur inside strings, where an
    escape means the same character.
    """
    return _JSON_RAW.sub(lambda match: f"\\u{ord(match.group()):04x}", encoded)


def template_value(value: object) -> object:
    """Jinja2's ``finalize`` for every ``{{ value }}``: text goes through ``plain``.

    Markup (a macro's own output) is left alone: its values went through here
    already, and changing it would undo its escaping.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return plain(value)
    return value
