"""zxcvbn's guess estimate, computed exactly as zxcvbn 4.x does but several times faster.

zxcvbn spends most of its time in two places (measured in ``benchmarks/``):
its dictionary matcher tries every substring against every dictionary, and its
search for the most guessable match sequence builds a dictionary object for
each of the n² brute-force spans. This module keeps zxcvbn's matchers, scores
and rules and replaces only those two loops with equivalent ones:

- dictionary matching walks one merged index of all dictionaries and stops
  extending a substring as soon as no word starts with it;
- the sequence search keeps brute-force spans as numbers, not match objects.

``tests/test_guessing.py`` checks both against zxcvbn's own code on thousands
of passwords: same matches, same guesses, to the last digit.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from zxcvbn import matching, scoring, time_estimates

USER_INPUTS = "user_inputs"
"""zxcvbn's name for the per-call dictionary of context words."""

RankedDictionary = Mapping[str, int]
Match = dict[str, Any]


@dataclass(frozen=True)
class _Index:
    """Every word of the fixed dictionaries, and every prefix of one."""

    words: Mapping[str, tuple[tuple[int, str, int], ...]]
    """word → (dictionary position, dictionary name, rank), in dictionary order."""
    prefixes: frozenset[str]
    """All non-empty prefixes of all words, the words included."""


_index_cache: dict[tuple[tuple[str, int], ...], _Index] = {}


def _index(dictionaries: Mapping[str, RankedDictionary]) -> _Index:
    # The fixed dictionaries are the same objects from call to call; only
    # user_inputs changes. Build the merged index once per set of objects.
    key = tuple((name, id(ranked)) for name, ranked in dictionaries.items() if name != USER_INPUTS)
    index = _index_cache.get(key)
    if index is None:
        words: dict[str, list[tuple[int, str, int]]] = {}
        for position, (name, ranked) in enumerate(dictionaries.items()):
            if name != USER_INPUTS:
                for word, rank in ranked.items():
                    words.setdefault(word, []).append((position, name, rank))
        prefixes = {word[:end] for word in words for end in range(1, len(word) + 1)}
        index = _Index({word: tuple(hits) for word, hits in words.items()}, frozenset(prefixes))
        _index_cache.clear()
        _index_cache[key] = index
    return index


_user_cache: dict[int, tuple[RankedDictionary, frozenset[str]]] = {}


def _user_prefixes(user: RankedDictionary) -> frozenset[str]:
    # One score calls this matcher several times (reverse, each l33t table)
    # with the same user_inputs object: keep its prefixes for the last one.
    cached = _user_cache.get(id(user))
    if cached is None or cached[0] is not user:
        cached = (user, frozenset(word[:end] for word in user for end in range(1, len(word) + 1)))
        _user_cache.clear()
        _user_cache[id(user)] = cached
    return cached[1]


def dictionary_match(
    password: str,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.dictionary_match``, in the same order."""
    index = _index(_ranked_dictionaries)
    words, prefixes = index.words, index.prefixes
    user: RankedDictionary = _ranked_dictionaries.get(USER_INPUTS, {})
    user_position = list(_ranked_dictionaries).index(USER_INPUTS) if user else -1
    user_prefixes = _user_prefixes(user)
    lower = password.lower()
    length = len(password)
    found: list[tuple[int, int, int, str, int]] = []
    for i in range(length):
        for j in range(i, length):
            token = lower[i : j + 1]
            if token not in prefixes and token not in user_prefixes:
                break  # no word starts with this substring, nor with a longer one
            hits = words.get(token)
            if hits is not None:
                found.extend((i, j, position, name, rank) for position, name, rank in hits)
            rank = user.get(token)
            if rank is not None:
                found.append((i, j, user_position, USER_INPUTS, rank))
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


def minimum_guesses(password: str, matches: Sequence[Match]) -> decimal.Decimal | int:
    """The ``guesses`` of ``zxcvbn.scoring.most_guessable_match_sequence``, same value.

    The search is zxcvbn's own, step for step and in the same order (its
    pruning depends on the order), with the same Decimal arithmetic.
    """
    n = len(password)
    if n == 0:
        return 1
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
    factorials = [math.factorial(length) for length in range(n + 2)]
    additive = [
        scoring.MIN_GUESSES_BEFORE_GROWING_SEQUENCE ** (length - 1) for length in range(1, n + 2)
    ]

    def update(k: int, start: int, guesses: decimal.Decimal, length: int, bruteforce: bool) -> None:
        pi = guesses * pi_at[start - 1][length - 1] if length > 1 else guesses
        g = factorials[length] * pi
        g += additive[length - 1]
        for competing_length, competing_g in g_at[k].items():
            if competing_length <= length and competing_g <= g:
                return
        g_at[k][length] = g
        pi_at[k][length] = pi
        bruteforce_last[k][length] = bruteforce

    span_guesses = [decimal.Decimal(0)] + [
        _bruteforce_guesses(length) for length in range(1, n + 1)
    ]
    for k in range(n):
        for match in by_end[k]:
            start = match["i"]
            guesses = scoring.estimate_guesses(match, password)
            if start > 0:
                for length in list(g_at[start - 1]):
                    update(k, start, guesses, length + 1, bruteforce=False)
            else:
                update(k, start, guesses, 1, bruteforce=False)
        update(k, 0, span_guesses[k + 1], 1, bruteforce=True)
        for start, lengths in extendable:
            for length in lengths:
                update(k, start, span_guesses[k - start + 1], length + 1, bruteforce=True)
        lengths = [length for length, last in bruteforce_last[k].items() if not last]
        if lengths:
            extendable.append((k + 1, lengths))
    return min(g_at[n - 1].values())


_installed = False


def install() -> None:
    """Make zxcvbn's own matchers (reverse and l33t included) use the fast dictionary match.

    The replacement returns exactly what the original returns; it is installed
    once per process, in the process that scores.
    """
    global _installed  # noqa: PLW0603 - one switch per process, like zxcvbn's own module state
    if not _installed:
        matching.dictionary_match = dictionary_match
        _installed = True


def prepare(dictionaries: Mapping[str, RankedDictionary]) -> None:
    """Install the fast matcher and build the index of ``dictionaries`` now rather than later."""
    install()
    _index(dictionaries)


def score(password: str, dictionaries: Mapping[str, RankedDictionary]) -> int:
    """zxcvbn's 0–4 score of ``password`` against ``dictionaries`` (user_inputs included)."""
    install()
    matches = matching.omnimatch(password, dictionaries)
    return int(time_estimates.guesses_to_score(minimum_guesses(password, matches)))
