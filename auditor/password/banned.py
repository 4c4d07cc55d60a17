"""Banned words: whether a password is built on a word attackers of the trade try first.

Called only from ``auditor.password.derive``, inside the secret boundary: it sees
plaintext and returns the kinds of word matched, never the word.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from auditor.files.packaged import package_text
from auditor.i18n.phrase import Phrase, phrase
from auditor.password.fold import stems, unstripped
from auditor.policy.banned import parse_words
from auditor.policy.names import without_parentheses
from auditor.text import fold_key

MIN_WORD_LENGTH = 4
"""A banned word shorter than this ("mai", "ete") counts only when it is the whole stem:
inside a longer one it is a coincidence ("maison", "vetement"), not what it is built on."""
MAX_PREFIX = 3
"""Letters allowed before the word ("mapharmacie", "xxofficine"): a short prefix is a
mangling rule; a longer one is another word in front, and the password is not built on it."""
MIN_SHARE = 0.5
"""The word must be at least half of the stem: "pharmacieparis" is built on "pharmacie",
a long passphrase that merely contains a short word ("marsupial-orange-velo-piano" and
"mars") is not; zxcvbn and the entropy rule judge those."""
_PORTAL_MIN_LENGTH = 4
"""Portal names and aliases shorter than this ("SP", "CB") are not words one builds on."""


class BannedKind(enum.Enum):
    """Which list a banned word comes from; findings name the list, never the word."""

    TRADE = "trade"
    """The pharmacy and optician trades' vocabulary (``banned-trade.txt``)."""
    PORTAL = "portal"
    """A portal's or operator's name or alias, from the policy."""
    CALENDAR = "calendar"
    """Seasons and months, French and English (``banned-calendar.txt``)."""
    KEYBOARD = "keyboard"
    """Keyboard walks and counting (``banned-keyboard.txt``)."""
    COMMON = "common"
    """France's most common passwords (``banned-common-fr.txt``)."""
    POLICY = "policy"
    """Words the policy's ``[banned]`` section adds (the group's name, its towns)."""

    @property
    def phrase(self) -> Phrase:
        """The list in the reader's words."""
        return phrase(_PHRASE_KEYS[self])


# Spelled out, not built from the value: the catalogue test finds every key it uses.
_PHRASE_KEYS = {
    BannedKind.TRADE: "banned_kind.trade",
    BannedKind.PORTAL: "banned_kind.portal",
    BannedKind.CALENDAR: "banned_kind.calendar",
    BannedKind.KEYBOARD: "banned_kind.keyboard",
    BannedKind.COMMON: "banned_kind.common",
    BannedKind.POLICY: "banned_kind.policy",
}


_SHIPPED = {
    BannedKind.TRADE: "banned-trade.txt",
    BannedKind.CALENDAR: "banned-calendar.txt",
    BannedKind.KEYBOARD: "banned-keyboard.txt",
    BannedKind.COMMON: "banned-common-fr.txt",
}


@functools.cache
def shipped_words() -> Mapping[BannedKind, frozenset[str]]:
    """The lists shipped in ``auditor/password/wordlists/``, folded, read once per process."""
    return {
        kind: parse_words(package_text(f"password/wordlists/{name}"))
        for kind, name in _SHIPPED.items()
    }


def portal_words(names: Iterable[str]) -> frozenset[str]:
    """Folded portal names and aliases, whole, with and without their parenthesis.

    Whole names only ("SP Santé" → "spsante", "Carte Blanche" → "carteblanche"): the
    words inside a name ("carte", "blanche") are not what the name is to an attacker.
    """
    found = {fold_key(form) for name in names for form in (name, without_parentheses(name))}
    return frozenset(word for word in found if len(word) >= _PORTAL_MIN_LENGTH)


@dataclass(frozen=True)
class _Table:
    """Every word of every list → the kinds of list that hold it, and the words by their start."""

    kinds: Mapping[str, frozenset[BannedKind]]
    lengths_by_head: Mapping[str, tuple[int, ...]]
    """The first ``MIN_WORD_LENGTH`` letters of each word long enough → the lengths of the
    words that start so, shortest first: a candidate's substring is looked up only where
    its head starts a word (most passwords' starts start none), and only at those lengths."""


_last_table: list[tuple[Mapping[BannedKind, frozenset[str]], _Table]] = []
"""The lists of the last call and their table: derive passes the same lists for a whole run."""


def _table(lists: Mapping[BannedKind, frozenset[str]]) -> _Table:
    if _last_table and _last_table[0][0] is lists:
        return _last_table[0][1]
    holders: dict[str, set[BannedKind]] = {}
    for kind, words in lists.items():
        for word in words:
            holders.setdefault(word, set()).add(kind)
    heads: dict[str, set[int]] = {}
    for word in holders:
        if len(word) >= MIN_WORD_LENGTH:
            heads.setdefault(word[:MIN_WORD_LENGTH], set()).add(len(word))
    table = _Table(
        {word: frozenset(kinds) for word, kinds in holders.items()},
        {head: tuple(sorted(lengths)) for head, lengths in heads.items()},
    )
    _last_table[:] = [(lists, table)]
    return table


def _built_on(candidate: str, table: _Table, found: set[BannedKind]) -> None:
    """Add to ``found`` the kinds of each banned word ``candidate`` is built on."""
    kinds = table.kinds
    whole = kinds.get(candidate)
    if whole is not None:
        found |= whole
    # Only lengths that make the word at least MIN_SHARE of the candidate.
    size = len(candidate)
    shortest = max(MIN_WORD_LENGTH, int(size * MIN_SHARE + 0.999))
    heads = table.lengths_by_head
    for start in range(min(MAX_PREFIX, size) + 1):
        lengths = heads.get(candidate[start : start + MIN_WORD_LENGTH])
        if lengths is None:  # no word starts here (nor any shorter than MIN_WORD_LENGTH)
            continue
        for length in lengths:
            if start + length > size:
                break
            if length >= shortest:
                hit = kinds.get(candidate[start : start + length])
                if hit is not None:
                    found |= hit


def banned_kinds(
    password: str,
    lists: Mapping[BannedKind, frozenset[str]],
    stemmed: tuple[str, ...] | None = None,
) -> frozenset[BannedKind]:
    """The kinds of banned word ``password`` is built on, once folded (``fold.py``).

    Built on a word: its stem (or, for walks of digits, the password folded with its
    digits kept) is the word, or holds it after at most ``MAX_PREFIX`` letters with the
    word making at least ``MIN_SHARE`` of it, the word having ``MIN_WORD_LENGTH`` letters
    or more. ``lists`` maps each kind to its folded words. ``stemmed`` is the password's
    ``stems`` when the caller has them already.
    """
    if not password:
        return frozenset()
    # All lists at once: one walk of each candidate's substrings, not one per list.
    table = _table(lists)
    found: set[BannedKind] = set()
    for candidate in {*(stems(password) if stemmed is None else stemmed), unstripped(password)}:
        if candidate:
            _built_on(candidate, table, found)
    return frozenset(found)
