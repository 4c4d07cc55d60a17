"""zxcvbn's guess estimate, computed exactly as zxcvbn 4.x does but several times faster.

zxcvbn spends most of its time in a few places (measured in ``benchmarks/``):
its dictionary matcher tries every substring against every dictionary, its
date matcher tries two regular expressions on every short substring, and its
search for the most guessable match sequence builds a dictionary object for
each of the n² brute-force spans. This module keeps zxcvbn's matchers, scores
and rules and replaces only those loops with equivalent ones:

- dictionary matching walks one merged table of all dictionaries' prefixes and
  stops extending a substring as soon as no word starts with it;
- date matching is skipped where no date can be (no four digits in a row, no
  separator used twice between digits);
- the sequence search keeps brute-force spans as numbers, not match objects,
  and for a score it drops every sequence already past score 4's threshold.

``tests/password/test_guessing.py`` checks each against zxcvbn's own code on
hundreds of passwords: same matches, same guesses, to the last digit.
"""

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from zxcvbn import matching, scoring, time_estimates

USER_INPUTS = "user_inputs"
"""zxcvbn's name for the per-call dictionary of context words."""

RankedDictionary = Mapping[str, int]
Match = dict[str, Any]


Hit = tuple[int, str, int]
"""A dictionary word's (dictionary position, dictionary name, rank)."""
PrefixTable = Mapping[str, tuple[Hit, ...]]
"""Every non-empty prefix of a word → that word's hits, in dictionary order (none
for a prefix that is no word): one look-up tells both whether to go on and what matched."""


_index_cache: dict[tuple[tuple[str, int], ...], PrefixTable] = {}


_last_seen: list[tuple[Mapping[str, RankedDictionary], PrefixTable]] = []
"""The mapping of the last call and its table: one score passes the same mapping
to each of its dictionary matches (plain, reversed, each l33t table)."""


def _index(dictionaries: Mapping[str, RankedDictionary]) -> PrefixTable:
    if _last_seen and _last_seen[0][0] is dictionaries:
        return _last_seen[0][1]
    table = _table(dictionaries)
    _last_seen[:] = [(dictionaries, table)]
    return table


def _table(dictionaries: Mapping[str, RankedDictionary]) -> PrefixTable:
    # The fixed dictionaries are the same objects from call to call; only
    # user_inputs changes. Build the merged table once per set of objects.
    key = tuple((name, id(ranked)) for name, ranked in dictionaries.items() if name != USER_INPUTS)
    table = _index_cache.get(key)
    if table is None:
        words: dict[str, list[Hit]] = {}
        for position, (name, ranked) in enumerate(dictionaries.items()):
            if name != USER_INPUTS:
                for word, rank in ranked.items():
                    words.setdefault(word, []).append((position, name, rank))
        merged: dict[str, tuple[Hit, ...]] = {
            word[:end]: () for word in words for end in range(1, len(word))
        }
        merged.update((word, tuple(hits)) for word, hits in words.items())
        table = merged
        _index_cache.clear()
        _index_cache[key] = table
    return table


_user_cache: dict[int, tuple[RankedDictionary, Mapping[str, int]]] = {}


def _user_table(user: RankedDictionary) -> Mapping[str, int]:
    """Every prefix of a context word → its rank, or 0 for a prefix that is no word."""
    # One score calls this matcher several times (reverse, each l33t table)
    # with the same user_inputs object: keep its table for the last one.
    cached = _user_cache.get(id(user))
    if cached is None or cached[0] is not user:
        table = {word[:end]: 0 for word in user for end in range(1, len(word))}
        table.update(user)
        cached = (user, table)
        _user_cache.clear()
        _user_cache[id(user)] = cached
    return cached[1]


def dictionary_match(
    password: str,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.dictionary_match``, in the same order."""
    lookup = _index(_ranked_dictionaries).get
    user: RankedDictionary = _ranked_dictionaries.get(USER_INPUTS, {})
    lower = password.lower()
    length = len(password)
    found: list[tuple[int, int, int, str, int]] = []
    user_position = list(_ranked_dictionaries).index(USER_INPUTS) if user else -1
    user_lookup = _user_table(user).get
    for i in range(length):
        for end in range(i + 1, length + 1):
            token = lower[i:end]
            hits = lookup(token)
            rank = user_lookup(token)
            if hits is None and rank is None:
                break  # no word starts with this substring, nor with a longer one
            if hits:
                for position, name, word_rank in hits:
                    found.append((i, end - 1, position, name, word_rank))
            if rank:
                found.append((i, end - 1, user_position, USER_INPUTS, rank))
    # zxcvbn matches dictionary by dictionary, then sorts by (i, j) stably.
    found.sort(key=itemgetter(0, 1, 2))
    return [
        {
            "pattern": "dictionary",
            "i": i,
            "j": j,
            "token": password[i : j + 1],
            "matched_word": lower[i : j + 1],
            "rank": rank,
            "dictionary_name": name,
            "reversed": False,
            "l33t": False,
        }
        for i, j, _, name, rank in found
    ]


def _bruteforce_guesses(length: int) -> decimal.Decimal:
    # zxcvbn's bruteforce_guesses, then estimate_guesses' floor for a submatch:
    # the floor (10 or 50) is always below bruteforce's own minimum (11 or 51).
    floor = (
        scoring.MIN_SUBMATCH_GUESSES_SINGLE_CHAR
        if length == 1
        else scoring.MIN_SUBMATCH_GUESSES_MULTI_CHAR
    )
    return decimal.Decimal(max(scoring.BRUTEFORCE_CARDINALITY**length, floor + 1))


_Terms = tuple[list[int], list[int], list[decimal.Decimal]]
_terms_cache: list[_Terms] = []


def _terms(n: int) -> _Terms:
    """l! and 10000^(l-1) for every sequence length l, and each span length's brute force.

    They depend only on the length, never on the password: computed once for the
    longest password seen, and shared (read only) by every search.
    """
    if not _terms_cache or len(_terms_cache[0][2]) < n + 1:
        longest = max(n, 80)
        factorials = [math.factorial(length) for length in range(longest + 2)]
        growth = scoring.MIN_GUESSES_BEFORE_GROWING_SEQUENCE
        additive = [growth ** (length - 1) for length in range(1, longest + 2)]
        spans = [decimal.Decimal(0)] + [_bruteforce_guesses(k) for k in range(1, longest + 1)]
        _terms_cache[:] = [(factorials, additive, spans)]
    return _terms_cache[0]


def minimum_guesses(  # noqa: PLR0912 - zxcvbn's search, kept in one piece to compare step by step
    password: str, matches: Sequence[Match], *, ceiling: float | None = None
) -> decimal.Decimal | int | None:
    """The ``guesses`` of ``zxcvbn.scoring.most_guessable_match_sequence``, same value.

    The search is zxcvbn's own, step for step and in the same order (its
    pruning depends on the order), with the same Decimal arithmetic.

    With a ``ceiling``, the search drops every sequence that needs at least that
    many guesses, and gives None if none needs fewer: a score only asks which
    side of its thresholds the minimum falls. Below the ceiling the answer is
    still zxcvbn's exactly, for two reasons. Extending a sequence never lowers
    its count (``l! × Π guesses + 10000^(l-1)`` only grows, every guess being at
    least 1), so nothing dropped could have led below the ceiling. And a dropped
    sequence could only have pruned others at or above its own count, so every
    sequence below the ceiling meets the same rivals as in zxcvbn's search.
    """
    n = len(password)
    if n == 0:
        return 1 if ceiling is None or ceiling > 1 else None
    by_end: list[list[Match]] = [[] for _ in range(n)]
    for match in matches:
        by_end[match["j"]].append(match)
    for ending in by_end:
        ending.sort(key=itemgetter("i"))

    # For each end k and sequence length l: the product of guesses (pi), the
    # minimised metric (g), and whether the last match is a brute-force span.
    pi_at: list[dict[int, decimal.Decimal]] = [{} for _ in range(n)]
    g_at: list[dict[int, decimal.Decimal]] = [{} for _ in range(n)]
    bruteforce_last: list[dict[int, bool]] = [{} for _ in range(n)]
    # (k + 1, lengths of the sequences ending at k whose last match is not
    # brute force), for each k passed that has some, in order of k: only those
    # sequences may be followed by a brute-force span.
    extendable: list[tuple[int, list[int]]] = []
    factorials, additive, span_guesses = _terms(n)

    def update(k: int, start: int, guesses: decimal.Decimal, length: int, bruteforce: bool) -> bool:
        """Consider one sequence; False when it reaches the ceiling (and is dropped)."""
        pi = guesses * pi_at[start - 1][length - 1] if length > 1 else guesses
        g = factorials[length] * pi
        g += additive[length - 1]
        if ceiling is not None and not g < ceiling:
            return False
        for competing_length, competing_g in g_at[k].items():
            if competing_length <= length and competing_g <= g:
                return True
        g_at[k][length] = g
        pi_at[k][length] = pi
        bruteforce_last[k][length] = bruteforce
        return True

    whole_span = True
    """Whether the brute-force span from the start may still be under the ceiling."""
    for k in range(n):
        for match in by_end[k]:
            start = match["i"]
            if start > 0:
                before = g_at[start - 1]
                if before:  # else no sequence reaches this match: skip its estimate
                    guesses = scoring.estimate_guesses(match, password)
                    for length in list(before):
                        update(k, start, guesses, length + 1, bruteforce=False)
            else:
                update(k, start, scoring.estimate_guesses(match, password), 1, bruteforce=False)
        if whole_span:
            whole_span = update(k, 0, span_guesses[k + 1], 1, bruteforce=True)
        # A span's guesses grow with its end: once every sequence a start extends
        # reaches the ceiling, so do all later ones from that start, and it is dropped.
        still: list[tuple[int, list[int]]] = []
        for start, lengths in extendable:
            below = False
            for length in lengths:
                below |= update(k, start, span_guesses[k - start + 1], length + 1, bruteforce=True)
            if below:
                still.append((start, lengths))
        extendable = still
        lengths = [length for length, last in bruteforce_last[k].items() if not last]
        if lengths:
            extendable.append((k + 1, lengths))
    if not g_at[n - 1]:
        return None
    return min(g_at[n - 1].values())


SCORE_FOUR = 1e10 + 5
"""zxcvbn's score is 4 from this many guesses on (``time_estimates.guesses_to_score``)."""


_zxcvbn_date_match = matching.date_match

_MAYBE_DATE = re.compile(r"\d{4}|\d([\s/\\_.-])\d{1,2}\1\d")
"""What every date zxcvbn finds contains: four digits in a row (its date without
separators), or digits on both sides of one separator used twice (its date with them)."""


def date_match(
    password: str,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.date_match``: none where no date can be.

    zxcvbn tries two regular expressions on every substring of 4 to 10
    characters; most passwords hold nothing either could match.
    """
    if not _MAYBE_DATE.search(password):
        return []
    return list(_zxcvbn_date_match(password, _ranked_dictionaries=_ranked_dictionaries))


_installed = False


def install() -> None:
    """Make zxcvbn's matchers (reverse and l33t included) use the fast dictionary and date ones.

    The replacement returns exactly what the original returns; it is installed
    once per process, in the process that scores.
    """
    global _installed  # noqa: PLW0603 - one switch per process, like zxcvbn's own module state
    if not _installed:
        matching.dictionary_match = dictionary_match
        matching.date_match = date_match
        _installed = True


def prepare(dictionaries: Mapping[str, RankedDictionary]) -> None:
    """Install the fast matcher and build the index of ``dictionaries`` now rather than later."""
    install()
    _index(dictionaries)


def score(password: str, dictionaries: Mapping[str, RankedDictionary]) -> int:
    """zxcvbn's 0–4 score of ``password`` against ``dictionaries`` (user_inputs included)."""
    install()
    matches = matching.omnimatch(password, dictionaries)
    # Where the fewest guesses reach score 4 their exact count changes nothing,
    # and most strong passwords' searches end early without it.
    guesses = minimum_guesses(password, matches, ceiling=SCORE_FOUR)
    return 4 if guesses is None else int(time_estimates.guesses_to_score(guesses))
