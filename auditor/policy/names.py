"""Portal names as people write them: one folding, exact lookups, names in titles, near misses."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from auditor.text import fold

_NOT_NAME = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")
_PARENTHESES = re.compile(r"\s*\(.*?\)")

MIN_WITHIN_LENGTH = 4
"""A shorter name ("CBP", "SP") found among a title's other words is as often another word."""
MIN_NEAR_LENGTH = 6
"""Names shorter than this are never near-missed: one edit from "ameli" is "Amélie", a first
name, and every short name is one edit from some ordinary word."""
LONG_NAME_LENGTH = 12
"""A name this long ("carteblanche") may be two edits off and still read as itself; one edit
is the bound below it, where two edits reach other words ("federation" for "generation")."""
MAX_TITLE_WORDS = 32
"""Words of a title searched for a name: a title people write is a few words, and a longer
text (a note pasted as a title) is not searched further, so a huge title costs no more."""
MAX_NEAR_WORDS = 12
"""Words of a title compared for near misses, each window against every name of the same
length give or take the edit bound: a name typed in a title comes in its first words."""


def plain_key(text: str) -> str:
    """``Carte Blanche Partenaires (CBPEC)`` → ``carteblanchepartenairescbpec``.

    Case, accents, spaces and punctuation set aside, so ``Santé-Clair``,
    ``sante clair`` and ``SANTECLAIR`` are one name.
    """
    return _NOT_NAME.sub("", fold(text))


def name_words(text: str) -> list[str]:
    """The folded words of letters and digits of ``text``, in order."""
    return _WORD.findall(fold(text))


def without_parentheses(name: str) -> str:
    """``Harmonie Mutuelle (tiers payant)`` → ``Harmonie Mutuelle``: how people shorten a name."""
    return _PARENTHESES.sub("", name).strip()


def edit_bound(key: str) -> int:
    """How many edits a near miss of this name may be off (0: the name is never near-missed)."""
    if len(key) < MIN_NEAR_LENGTH:
        return 0
    return 2 if len(key) >= LONG_NAME_LENGTH else 1


def osa_distance(left: str, right: str, *, bound: int) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from ``left`` to ``right``.

    The optimal-string-alignment distance, computed only as far as ``bound``:
    a distance above it is returned as ``bound + 1``, and the loop stops as soon
    as a whole row exceeds it, so comparing unrelated words costs little.
    """
    if abs(len(left) - len(right)) > bound:
        return bound + 1
    before: list[int] | None = None
    previous = list(range(len(right) + 1))
    for i, a in enumerate(left, start=1):
        current = [i] + [0] * len(right)
        for j, b in enumerate(right, start=1):
            cost = 0 if a == b else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and a == right[j - 2] and left[i - 2] == b:
                best = min(best, before[j - 2] + 1)
            current[j] = best
        if min(current) > bound:
            return bound + 1
        before, previous = previous, current
    return min(previous[-1], bound + 1)


@dataclass(frozen=True)
class NearMiss:
    """A vault entry left out whose title nearly names a portal."""

    title: str | None
    """The title, only when it has a title's shape (never what might be a password)."""
    portal: str
    """The portal id it looks like."""
    portal_name: str
    """That portal's display name, for the human formats."""


@dataclass(frozen=True)
class PortalNames:
    """Every name of every portal, folded once, and the three ways a text can name one."""

    by_key: Mapping[str, str]
    """Folded name → portal id: ids, display names, aliases, and names without parentheses."""
    order: Mapping[str, int]
    """Portal id → its rank, so that ties go to the portal listed first."""
    widest: int
    """The most words any name has."""
    by_length: Mapping[int, tuple[tuple[str, frozenset[str], str], ...]]
    """Window length → the names (with their letters) a window of that length may be a typo of."""
    by_start: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """The first two letters of each name long enough to be found glued → (name, portal)."""

    @classmethod
    def of(cls, portals: Iterable[tuple[str, Iterable[str], Iterable[str]]]) -> PortalNames:
        """From ``(id, names, derived names)`` per portal, in policy order.

        Names (id, display name, aliases) are claimed first come; a derived name
        (the name without its parentheses) only when no name claims it and no
        other portal derives it too, so it never makes a text ambiguous.
        """
        by_key: dict[str, str] = {}
        derived: dict[str, set[str]] = defaultdict(set)
        order: dict[str, int] = {}
        widest = 1
        for rank, (portal_id, names, shortened) in enumerate(portals):
            order.setdefault(portal_id, rank)
            for name in names:
                if key := plain_key(name):
                    by_key.setdefault(key, portal_id)
                    widest = max(widest, len(name_words(name)))
            for name in shortened:
                if key := plain_key(name):
                    derived[key].add(portal_id)
        for key, owners in derived.items():
            if key not in by_key and len(owners) == 1:
                by_key[key] = next(iter(owners))
        by_length: dict[int, list[tuple[str, frozenset[str], str]]] = defaultdict(list)
        for key, portal in by_key.items():
            bound = edit_bound(key)
            for length in range(len(key) - bound, len(key) + bound + 1):
                by_length[length].append((key, frozenset(key), portal))
        lengths = {length: tuple(names) for length, names in by_length.items()}
        by_start: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key, portal in by_key.items():
            if len(key) >= MIN_NEAR_LENGTH:
                by_start[key[:2]].append((key, portal))
        starts = {start: tuple(names) for start, names in by_start.items()}
        return cls(by_key, order, widest, lengths, starts)

    def exact(self, text: str) -> str | None:
        """The portal ``text`` names as a whole."""
        key = plain_key(text)
        return self.by_key.get(key) if key else None

    def within(self, title: str) -> str | None:
        """The portal a run of the title's words names ("Viamedis - comptoir")."""
        words = name_words(title)[:MAX_TITLE_WORDS]
        for start in range(len(words)):
            for size in range(1, self.widest + 1):
                key = "".join(words[start : start + size])
                portal = self.by_key.get(key) if len(key) >= MIN_WITHIN_LENGTH else None
                if portal is not None:
                    return portal
        return None

    def near(self, text: str, *, glued: bool) -> str | None:
        """The portal ``text`` nearly names: a run of its words a few edits from a name.

        With ``glued``, also a word that holds a whole name with more around it
        ("Viamedis2024", "MonAlmerys"). Ties go to the fewest edits, then to the
        portal listed first. Exact names are not asked for here.
        """
        words = name_words(text)[:MAX_NEAR_WORDS]
        found: list[tuple[int, int, str]] = []
        for start in range(len(words)):
            # One word more than the widest name: a space typed inside a name splits it.
            for size in range(1, min(self.widest + 1, len(words) - start) + 1):
                found += self._typos("".join(words[start : start + size]))
        if glued:
            for word in words:
                # Only the names that start with a pair of the word's letters can be in it.
                for pair in {word[at : at + 2] for at in range(len(word) - 1)}:
                    found += [
                        (1, self.order[portal], portal)
                        for key, portal in self.by_start.get(pair, ())
                        if len(key) < len(word) and key in word
                    ]
        return min(found)[2] if found else None

    def _typos(self, window: str) -> list[tuple[int, int, str]]:
        if len(window) < MIN_NEAR_LENGTH:
            return []
        found = []
        letters = frozenset(window)
        for key, in_key, portal in self.by_length.get(len(window), ()):
            bound = edit_bound(key)
            # Each distinct letter one has and the other lacks is an edit at least: a
            # check in C that spares the two counts below for most unrelated words.
            if len(letters - in_key) > bound or len(in_key - letters) > bound:
                continue
            # Each letter of one that the other lacks costs an edit: a cheap lower bound
            # that spares the distance for nearly every unrelated word.
            if sum(ch not in in_key for ch in window) > bound:
                continue
            if sum(ch not in letters for ch in key) > bound:
                continue
            distance = osa_distance(window, key, bound=bound)
            if distance <= bound:
                found.append((distance, self.order[portal], portal))
        return found
