"""Folding a password to the word it is built on, as attackers' mangling rules undo it.

Called only from inside the secret boundary (``auditor.password.derive`` and
``auditor.password.banned``): it sees plaintext and returns folded plaintext,
which never leaves that boundary.
"""

from __future__ import annotations

import re

from auditor.text import fold, leet_variants

# What is folded, in this order, and why:
# 1. case and accents (``auditor.text.fold``): "Santé" and "SANTE" are one guess;
# 2. a trailing run of digits and symbols (a year, a counter, "!", "2024?"): the
#    suffixes every cracking rule set appends first (hashcat's best64 and
#    OneRuleToRuleThemAll end in digits, years and "!"), and what a forced
#    rotation changes ("Pharmacie2024!" → "pharmacie2025?"). Removed before
#    de-leeting, or "2024" would read "2o2a";
# 3. common leet substitutions (``auditor.text.leet_variants``: 0→o, 3→e, 4→a,
#    5→s, 7→t, @→a, $→s, 1→i or l): "Ph4rm@cie";
# 4. separators inside (spaces, hyphens, underscores, dots): "tiers-payant".
_TRAILING = re.compile(r"[\W\d_]+$")
_SEPARATORS = re.compile(r"[\s_\-.]+")

MIN_STEM_LENGTH = 4
"""A stem shorter than this (``ab12!`` → ``ab``, ``123456`` → nothing) says too little to call
two passwords alike; the same bound as ``previous._MIN_STEM`` for the same reason."""


def stems(password: str) -> tuple[str, ...]:
    """The folded stem of ``password``: one per reading of a leet ``1`` (``i`` first, then ``l``).

    ``Pharmacie2024!``, ``pharmacie2025?`` and ``Ph4rm@cie#1`` all give ``pharmacie``
    first. Empty when nothing but digits and symbols is left.
    """
    kept = _TRAILING.sub("", fold(password))
    if not kept:
        return ()
    return tuple(dict.fromkeys(_SEPARATORS.sub("", variant) for variant in leet_variants(kept)))


def unstripped(password: str) -> str:
    """The password folded for case, accents and separators only, digits kept (``123456``)."""
    return _SEPARATORS.sub("", fold(password))


def similarity_stem(password: str, stemmed: tuple[str, ...] | None = None) -> str | None:
    """The one form two passwords share when they are "similar"; None when it is too short.

    ``stemmed`` is the password's ``stems`` when the caller has them already.
    """
    found = stems(password) if stemmed is None else stemmed
    if not found or len(found[0]) < MIN_STEM_LENGTH:
        return None
    return found[0]
