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
import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
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


Found = list[tuple[int, int, int, str, int]]
"""Dictionary hits as (i, j, dictionary position, dictionary name, rank)."""


def _walk(
    lower: str,
    length: int,
    starts: Iterable[int],
    dictionaries: Mapping[str, RankedDictionary],
    reach: list[int] | None = None,
) -> Found:
    """The dictionary hits of the substrings of ``lower`` that begin at ``starts``.

    ``length`` is the password's own (zxcvbn slices its lower-case form by it).
    With ``reach``, each start's entry becomes the end (exclusive) of the first
    substring no word begins with: the walk from that start stopped there.
    """
    lookup = _index(dictionaries).get
    user: RankedDictionary = dictionaries.get(USER_INPUTS, {})
    user_position = list(dictionaries).index(USER_INPUTS) if user else -1
    user_lookup = _user_table(user).get
    found: Found = []
    for i in starts:
        end = i + 1
        if user_lookup(lower[i:end]) is None:
            # No context word starts here (the common case): the fixed table alone.
            while end <= length and (hits := lookup(lower[i:end])) is not None:
                for position, name, word_rank in hits:
                    found.append((i, end - 1, position, name, word_rank))
                end += 1
        else:
            while end <= length:
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
                end += 1
        if reach is not None:
            reach[i] = end
    # zxcvbn matches dictionary by dictionary, then sorts by (i, j) stably.
    found.sort(key=itemgetter(0, 1, 2))
    return found


def _matches(password: str, lower: str, found: Found) -> list[Match]:
    """zxcvbn's match objects for the hits ``found`` in ``password``."""
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


def dictionary_match(
    password: str,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.dictionary_match``, in the same order."""
    lower = password.lower()
    length = len(password)
    reach = [0] * length
    found = _walk(lower, length, range(length), _ranked_dictionaries, reach)
    # Kept for the password and its reverse: zxcvbn's omnimatch matches both, then l33t.
    _last_reach[:] = [*_last_reach[-1:], (password, _ranked_dictionaries, reach)]
    return _matches(password, lower, found)


_last_reach: list[tuple[str, Mapping[str, RankedDictionary], list[int]]] = []
"""The last two passwords walked whole, their dictionaries and where each start's walk
stopped: zxcvbn's l33t matcher comes after its dictionary matcher on the same password."""


def _reach(password: str, dictionaries: Mapping[str, RankedDictionary]) -> list[int]:
    """Where the walk from each start of ``password`` stops (``_walk``'s ``reach``)."""
    for seen, seen_with, reach in _last_reach:
        if seen_with is dictionaries and seen == password:
            return reach
    reach = [0] * len(password)
    _walk(password.lower(), len(password), range(len(password)), dictionaries, reach)
    return reach


@functools.lru_cache(maxsize=512)
def _readings(relevant: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[dict[str, str], ...]:
    """zxcvbn's ways of reading the l33t characters of a relevant subtable (never changed)."""
    return tuple(matching.enumerate_l33t_subs({letter: list(subs) for letter, subs in relevant}))


_zxcvbn_l33t_match = matching.l33t_match


def l33t_match(
    password: str,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
    _l33t_table: Mapping[str, list[str]] = matching.L33T_TABLE,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.l33t_match``, in the same order.

    zxcvbn matches the whole password again for each way of reading its l33t
    characters, and keeps only the matches that hold one. A walk of the
    dictionaries that stops before the first l33t character it could reach
    finds only matches without one: here only the other starts are walked
    again. That holds where lower-casing maps each character to one character
    on its own, so other passwords (non-ASCII: "İ", a final "Σ") go to zxcvbn's.
    """
    if not password.isascii():
        return list(_zxcvbn_l33t_match(password, _ranked_dictionaries, _l33t_table))
    relevant = matching.relevant_l33t_subtable(password, _l33t_table)
    # The readings depend only on which l33t characters the password holds.
    subs = _readings(tuple((letter, tuple(found)) for letter, found in relevant.items()))
    length = len(password)
    reach: list[int] = []
    matches: list[Match] = []
    for sub in subs:
        if not sub:
            break  # zxcvbn stops at the first empty reading
        reach = reach or _reach(password, _ranked_dictionaries)
        # From each start, the first position whose character this reading changes.
        next_changed = [length] * (length + 1)
        for position in range(length - 1, -1, -1):
            changed = password[position] in sub
            next_changed[position] = position if changed else next_changed[position + 1]
        starts = [i for i in range(length) if next_changed[i] < reach[i]]
        if not starts:
            continue
        subbed = matching.translate(password, sub)
        lower = subbed.lower()
        for match in _matches(subbed, lower, _walk(lower, length, starts, _ranked_dictionaries)):
            # What zxcvbn's own l33t_match does with each match, unchanged.
            token = password[match["i"] : match["j"] + 1]
            if token.lower() == match["matched_word"]:
                continue  # no substitution in it
            match_sub = {key: letter for key, letter in sub.items() if key in token}
            match["l33t"] = True
            match["token"] = token
            match["sub"] = match_sub
            match["sub_display"] = ", ".join(
                f"{key} -> {value}" for key, value in match_sub.items()
            )
            matches.append(match)
    return sorted((match for match in matches if len(match["token"]) > 1), key=itemgetter("i", "j"))


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


Graph = Mapping[str, Sequence[str | None]]
"""zxcvbn's keyboard graph: each key → its neighbours' keys (unshifted, shifted), by direction."""
Steps = Mapping[tuple[str, str], tuple[int, bool]]
"""(key, next key) → the direction of the step and whether the next key is shifted."""

_SHIFTED = matching.SHIFTED_RX
_SHIFTED_GRAPHS = ("qwerty", "dvorak")
"""The graphs where zxcvbn counts a shifted first key."""
_steps_cache: dict[int, tuple[Graph, Steps]] = {}


def _steps(graph: Graph) -> Steps:
    """Every step zxcvbn's walk can take on ``graph``, as its loop over neighbours finds it."""
    cached = _steps_cache.get(id(graph))
    if cached is None or cached[0] is not graph:
        steps: dict[tuple[str, str], tuple[int, bool]] = {}
        for key, neighbours in graph.items():
            for direction, neighbour in enumerate(neighbours or ()):
                keys = neighbour or ""
                for char in keys:
                    # The first neighbour holding the character wins, as zxcvbn breaks there.
                    steps.setdefault((key, char), (direction, keys.index(char) == 1))
        cached = (graph, steps)
        _steps_cache[id(graph)] = cached
    return cached[1]


def spatial_match_helper(password: str, graph: Graph, graph_name: str) -> list[Match]:
    """The matches of ``zxcvbn.matching.spatial_match_helper``, in the same order.

    zxcvbn looks through every neighbour of each key for the next character;
    here each step is one look-up in a table of the graph's steps built once.
    """
    steps = _steps(graph).get
    shifted_first = graph_name in _SHIFTED_GRAPHS
    matches: list[Match] = []
    length = len(password)
    i = 0
    while i < length - 1:
        j = i + 1
        last_direction = None
        turns = 0
        shifted_count = 1 if shifted_first and _SHIFTED.search(password[i]) else 0
        while j < length and (step := steps((password[j - 1], password[j]))) is not None:
            direction, shifted = step
            shifted_count += shifted
            if last_direction != direction:
                turns += 1  # every pattern starts with a turn, as in zxcvbn
                last_direction = direction
            j += 1
        if j - i > 2:  # zxcvbn keeps no chain of 1 or 2 keys
            matches.append(
                {
                    "pattern": "spatial",
                    "i": i,
                    "j": j - 1,
                    "token": password[i:j],
                    "graph": graph_name,
                    "turns": turns,
                    "shifted_count": shifted_count,
                }
            )
        i = j
    return matches


_installed = False


def install() -> None:
    """Make zxcvbn's matchers (reverse and l33t included) use the fast dictionary and date ones.

    The replacement returns exactly what the original returns; it is installed
    once per process, in the process that scores.
    """
    global _installed  # noqa: PLW0603 - one switch per process, like zxcvbn's own module state
    if not _installed:
        matching.dictionary_match = dictionary_match
        matching.l33t_match = l33t_match
        matching.spatial_match_helper = spatial_match_helper
        matching.date_match = date_match
        _installed = True


def prepare(dictionaries: Mapping[str, RankedDictionary]) -> None:
    """Install the fast matcher and build the index of ``dictionaries`` now rather than later."""
    install()
    _index(dictionaries)


def score(password: str, dictionaries: Mapping[str, RankedDictionary]) -> int:
    """zxcvbn's 0–4 score of ``password`` against ``dictionaries`` (user_inputs included)."""
    install()
    try:
        matches = matching.omnimatch(password, dictionaries)
    finally:
        # The walk kept for the l33t matcher names the password: it must not
        # outlive this score (the last one of a run would stay in memory).
        _last_reach.clear()
    # Where the fewest guesses reach score 4 their exact count changes nothing,
    # and most strong passwords' searches end early without it.
    guesses = minimum_guesses(password, matches, ceiling=SCORE_FOUR)
    return 4 if guesses is None else int(time_estimates.guesses_to_score(guesses))
