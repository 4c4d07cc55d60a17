"""Folding of text for comparisons that ignore case, accents, spacing and common leet."""

from __future__ import annotations

import functools
import re
import unicodedata

# Leet substitutions people use to dress up a word ("Ph4rm@cie"). "1" stands for
# both "i" and "l", so it produces two foldings.
_LEET_COMMON = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_ONE_AS = ("i", "l")
_WORD = re.compile(r"[a-z0-9]+")
# Plausible, not RFC 5322: one @, a dot in the domain, no spaces, and no line
# breaks (an address goes into a mail header).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(text: str) -> bool:
    """Whether ``text`` looks like an e-mail address that can go into a mail header."""
    return _EMAIL.fullmatch(text) is not None


def strip_accents(text: str) -> str:
    """``Santéclair`` → ``Santeclair``; ligatures such as ``œ`` become ``oe``."""
    if text.isascii():  # nothing to strip: the common case, and a hot one
        return text
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower case without accents: the form every comparison of names uses."""
    return strip_accents(text).casefold()


def fold_key(text: str) -> str:
    """A key that ignores case, accents, spaces, hyphens and underscores (headers, names)."""
    return re.sub(r"[\s_\-.'’]+", "", fold(text))


def leet_variants(text: str) -> tuple[str, ...]:
    """The folded text, de-leeted: one variant per reading of ``1`` (``i`` or ``l``)."""
    base = fold(text).translate(_LEET_COMMON)
    if "1" not in base:
        return (base,)
    return tuple(base.replace("1", letter) for letter in _LEET_ONE_AS)


@functools.lru_cache(maxsize=65536)
def words(text: str, min_length: int) -> frozenset[str]:
    """The folded alphanumeric words of ``text`` that have at least ``min_length`` characters.

    Cached: the same practice, owner and portal names come back account after account.
    """
    return frozenset(word for word in _WORD.findall(fold(text)) if len(word) >= min_length)
