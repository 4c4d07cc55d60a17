"""zxcvbn's guess estimate, computed exactly as zxcvbn 4.x does but several times faster.

zxcvbn spends most of its time in a few places (measured in ``benchmarks/``):
its dictionary matcher tries every substring against every dictionary, its
date matcher tries two regular expressions on every short substring, and its
search for the most guessable match sequence builds a dictionary object for
each of the n² brute-force spans. This module keeps zxcvbn's matchers, scores
and rules and replaces only those loops with equivalent ones:

- dictionary matching (of the password, its reverse and each l33t reading) is
  one pass of an Aho–Corasick automaton of every dictionary word, in C;
- date matching looks only at the runs of digits and separators that may hold
  a date; keyboard walks look each pair of characters up once; a repeated
  character's analysis is made once;
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
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import ahocorasick
from zxcvbn import matching, scoring, time_estimates

USER_INPUTS = "user_inputs"
"""zxcvbn's name for the per-call dictionary of context words."""

RankedDictionary = Mapping[str, int]
Match = dict[str, Any]


Hit = tuple[int, int]
"""A dictionary word's (dictionary position, rank)."""
Found = list[tuple[int, int, int, int]]
"""Dictionary hits as (i, j, dictionary position, rank)."""

_VALUE_BITS = 31
"""pyahocorasick keeps an int value in 32 signed bits (a larger one wraps): a hit
packed as rank, position and length fits in 31, a word that does not is a negative index."""


class Index:
    """Every word of the fixed dictionaries in one Aho–Corasick automaton of ints.

    One pass of the automaton over a password finds every word in it, in C,
    where a walk from each start made a dictionary look-up per substring. Each
    word's value packs its length, dictionary position and rank into an int
    held inside the automaton's node, not a Python object: the forked workers
    share those pages with the forkserver instead of copying the ones that
    reference counting would touch (and the index is a third of the size).
    """

    def __init__(self, dictionaries: Mapping[str, RankedDictionary]) -> None:
        words: dict[str, list[Hit]] = {}
        for position, (name, ranked) in enumerate(dictionaries.items()):
            if name != USER_INPUTS:
                for word, rank in ranked.items():
                    if word:  # zxcvbn never matches an empty substring
                        words.setdefault(word, []).append((position, rank))
        longest = max(map(len, words), default=1)
        self.length_bits = longest.bit_length()
        self.position_bits = max(len(dictionaries), 1).bit_length()
        self.rank_shift = self.length_bits + self.position_bits
        largest_rank = (1 << (_VALUE_BITS - self.rank_shift)) - 1
        spread: list[tuple[tuple[int, int, int], ...]] = []
        """The hits of the few words in several dictionaries, as (length - 1, position, rank)."""
        self.automaton: Any = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for word, hits in words.items():
            last = len(word) - 1
            position, rank = hits[0]
            if len(hits) == 1 and rank <= largest_rank:
                value = rank << self.rank_shift | position << self.length_bits | last
            else:
                value = ~len(spread)
                spread.append(tuple((last, position, rank) for position, rank in hits))
            self.automaton.add_word(word, value)
        self.spread = tuple(spread)
        self.empty = not words
        if not self.empty:
            self.automaton.make_automaton()


_index_cache: dict[tuple[tuple[str, int], ...], Index] = {}


_last_seen: list[tuple[Mapping[str, RankedDictionary], int, Index]] = []
"""The mappings of the last two calls, their sizes and their index: one score passes the
same mapping to each of its dictionary matches (plain, reversed, each l33t reading), and
zxcvbn's repeat matcher zxcvbn's own mapping (to which a list may be added) for the
repeated part."""


def _index(dictionaries: Mapping[str, RankedDictionary]) -> Index:
    for seen, size, seen_index in _last_seen:
        if seen is dictionaries and size == len(dictionaries):
            return seen_index
    # The fixed dictionaries are the same objects from call to call; only
    # user_inputs changes. Build the index once per set of objects.
    key = tuple((name, id(ranked)) for name, ranked in dictionaries.items() if name != USER_INPUTS)
    index = _index_cache.get(key)
    if index is None:
        index = Index(dictionaries)
        _index_cache.clear()
        _index_cache[key] = index
    _last_seen[:] = [(dictionaries, len(dictionaries), index), *_last_seen[:1]]
    return index


def _found(lower: str, length: int, dictionaries: Mapping[str, RankedDictionary]) -> Found:
    """The dictionary hits of the substrings of ``lower`` that end before ``length``.

    ``length`` is the password's own (zxcvbn slices its lower-case form by it).
    """
    index = _index(dictionaries)
    found: Found = []
    append = found.append
    if not index.empty:
        length_mask = (1 << index.length_bits) - 1
        position_mask = (1 << index.position_bits) - 1
        length_bits = index.length_bits
        rank_shift = index.rank_shift
        for j, value in index.automaton.iter(lower, 0, length):
            if value >= 0:
                append(
                    (
                        j - (value & length_mask),
                        j,
                        value >> length_bits & position_mask,
                        value >> rank_shift,
                    )
                )
            else:
                for last, position, rank in index.spread[~value]:
                    append((j - last, j, position, rank))
    user = dictionaries.get(USER_INPUTS)
    if user:
        # A few context words: str.find scans for each one in C.
        user_position = list(dictionaries).index(USER_INPUTS)
        for word, rank in user.items():
            if word:
                last = len(word) - 1
                i = lower.find(word, 0, length)
                while i >= 0:
                    append((i, i + last, user_position, rank))
                    i = lower.find(word, i + 1, length)
    # zxcvbn matches dictionary by dictionary, then sorts by (i, j) stably:
    # (i, j, position) is unique, so sorting the tuples gives its order.
    found.sort()
    return found


def _matches(password: str, lower: str, found: Found, names: Sequence[str]) -> list[Match]:
    """zxcvbn's match objects for the hits ``found`` in ``password``."""
    return [
        {
            "pattern": "dictionary",
            "i": i,
            "j": j,
            "token": password[i : j + 1],
            "matched_word": lower[i : j + 1],
            "rank": rank,
            "dictionary_name": names[position],
            "reversed": False,
            "l33t": False,
        }
        for i, j, position, rank in found
    ]


_zxcvbn_dictionary_match = matching.dictionary_match


def dictionary_match(
    password: str,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.dictionary_match``, in the same order."""
    lower = password.lower()
    length = len(password)
    if len(lower) < length:  # no lower-casing shortens a string; zxcvbn's own if one did
        return list(_zxcvbn_dictionary_match(password, _ranked_dictionaries))
    found = _found(lower, length, _ranked_dictionaries)
    return _matches(password, lower, found, list(_ranked_dictionaries))


_L33T_CHARACTERS = frozenset(char for subs in matching.L33T_TABLE.values() for char in subs)

Reading = tuple[dict[str, str], dict[int, str]]
"""One way of reading a password's l33t characters, and its table for ``str.translate``."""


def _enumerate_l33t_subs(table: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """``zxcvbn.matching.enumerate_l33t_subs``: the same readings, in the same order.

    zxcvbn's own recursion, as a loop; it tells duplicates apart by a label it
    joins from each reading's sorted (letter, character) pairs, here by the
    sorted pairs themselves (one character each, so the two agree). A letter
    whose characters no earlier letter has (all but "l" after "i", "t" after
    "l") only adds one of them to each reading: no reading can be a duplicate,
    and none is looked for.
    """
    subs: list[list[tuple[str, str]]] = [[]]
    earlier: set[str] = set()
    for letter, characters in table.items():
        if earlier.isdisjoint(characters):
            subs = [[*sub, (character, letter)] for character in characters for sub in subs]
            earlier.update(characters)
            continue
        earlier.update(characters)
        grown: list[list[tuple[str, str]]] = []
        for character in characters:
            for sub in subs:
                for index, (seen, _) in enumerate(sub):
                    if seen == character:
                        grown.append(sub)
                        grown.append([*sub[:index], *sub[index + 1 :], (character, letter)])
                        break
                else:
                    grown.append([*sub, (character, letter)])
        labels: set[tuple[tuple[str, str], ...]] = set()
        subs = []
        for sub in grown:
            label = tuple(sorted((letter, character) for character, letter in sub))
            if label not in labels:
                labels.add(label)
                subs.append(sub)
    return [dict(sub) for sub in subs]


@functools.lru_cache(maxsize=1024)
def _readings(present: frozenset[str]) -> tuple[Reading, ...]:
    """zxcvbn's readings of a password holding the l33t characters ``present`` (never changed).

    zxcvbn's relevant subtable depends only on which of its characters the
    password holds, so their set stands for the password.
    """
    relevant = matching.relevant_l33t_subtable("".join(sorted(present)), matching.L33T_TABLE)
    return tuple((sub, str.maketrans(sub)) for sub in _enumerate_l33t_subs(relevant))


_zxcvbn_l33t_match = matching.l33t_match


def l33t_match(
    password: str,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
    _l33t_table: Mapping[str, list[str]] = matching.L33T_TABLE,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.l33t_match``, in the same order.

    zxcvbn matches the whole password again for each way of reading its l33t
    characters, and keeps only the matches that hold one; here so does the
    automaton, and the match objects are made only for the matches kept. That
    relies on lower-casing mapping each character to one character on its own,
    so other passwords (non-ASCII: "İ", a final "Σ") go to zxcvbn's, as do
    other l33t tables than zxcvbn's own.
    """
    if not password.isascii() or _l33t_table is not matching.L33T_TABLE:
        return list(_zxcvbn_l33t_match(password, _ranked_dictionaries, _l33t_table))
    readings = _readings(_L33T_CHARACTERS.intersection(password))
    length = len(password)
    plain = password.lower()
    names: list[str] = []
    matches: list[Match] = []
    for sub, table in readings:
        if not sub:
            break  # zxcvbn stops at the first empty reading
        names = names or list(_ranked_dictionaries)
        lower = password.translate(table).lower()
        for i, j, position, rank in _found(lower, length, _ranked_dictionaries):
            end = j + 1
            # zxcvbn drops the matches of one character, and those with no
            # substitution in them (the token's lower case is the word).
            if i == j or plain[i:end] == lower[i:end]:
                continue
            token = password[i:end]
            match_sub = {key: letter for key, letter in sub.items() if key in token}
            matches.append(
                {
                    "pattern": "dictionary",
                    "i": i,
                    "j": j,
                    "token": token,
                    "matched_word": lower[i:end],
                    "rank": rank,
                    "dictionary_name": names[position],
                    "reversed": False,
                    "l33t": True,
                    "sub": match_sub,
                    "sub_display": ", ".join(
                        f"{key} -> {value}" for key, value in match_sub.items()
                    ),
                }
            )
    return sorted(matches, key=itemgetter("i", "j"))


def _bruteforce_guesses(length: int) -> decimal.Decimal:
    # zxcvbn's bruteforce_guesses, then estimate_guesses' floor for a submatch:
    # the floor (10 or 50) is always below bruteforce's own minimum (11 or 51).
    floor = (
        scoring.MIN_SUBMATCH_GUESSES_SINGLE_CHAR
        if length == 1
        else scoring.MIN_SUBMATCH_GUESSES_MULTI_CHAR
    )
    return decimal.Decimal(max(scoring.BRUTEFORCE_CARDINALITY**length, floor + 1))


Decimals = list[decimal.Decimal]
_Terms = tuple[Decimals, Decimals, Decimals]
_terms_cache: list[_Terms] = []


def _terms(n: int) -> _Terms:
    """l! and 10000^(l-1) for every sequence length l, and each span length's brute force.

    They depend only on the length, never on the password: computed once for the
    longest password seen, and shared (read only) by every search. They are
    Decimals already (converting an int is exact), so that no product converts them.
    """
    if not _terms_cache or len(_terms_cache[0][2]) < n + 1:
        longest = max(n, 80)
        growth = scoring.MIN_GUESSES_BEFORE_GROWING_SEQUENCE
        factorials = [decimal.Decimal(math.factorial(length)) for length in range(longest + 2)]
        additive = [decimal.Decimal(0)] + [
            decimal.Decimal(growth ** (length - 1)) for length in range(1, longest + 2)
        ]
        spans = [decimal.Decimal(0)] + [_bruteforce_guesses(k) for k in range(1, longest + 1)]
        _terms_cache[:] = [(factorials, additive, spans)]
    return _terms_cache[0]


def _estimate(match: Match, password: str) -> decimal.Decimal:
    """``zxcvbn.scoring.estimate_guesses``: the same value, at once for a dictionary word.

    Most matches are dictionary words: their guesses are zxcvbn's product of
    rank, capitals, l33t and reversal (in its order, as some factors are
    floats), raised to the floor of a submatch, without the dictionary of
    functions, the logarithm and the notes zxcvbn's function adds to the match
    (nothing reads them). A lower-case word has one way of capitals (zxcvbn's
    counts one for that, and more). zxcvbn's own function does the rest.
    """
    token = match["token"]
    if match["pattern"] == "dictionary" and "guesses" not in match:
        capitals = 1 if token.lower() == token else scoring.uppercase_variations(match)
        l33t = scoring.l33t_variations(match) if match.get("l33t") else 1
        reverse = 2 if match.get("reversed") else 1
        guesses = match["rank"] * capitals * l33t * reverse
        size = len(token)
        floor = (
            1
            if size >= len(password)
            else scoring.MIN_SUBMATCH_GUESSES_SINGLE_CHAR
            if size == 1
            else scoring.MIN_SUBMATCH_GUESSES_MULTI_CHAR
        )
        return decimal.Decimal(max(guesses, floor))
    estimated: decimal.Decimal = scoring.estimate_guesses(match, password)
    return estimated


def minimum_guesses(  # noqa: PLR0912, PLR0915 - zxcvbn's search, in one piece to compare
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
    Two consequences save most of the work: no sequence longer than the
    ceiling's ``10000^(l-1)`` allows is ever formed (score 4's allows 3), and
    the search stops at the first end past which no sequence can go on.
    """
    n = len(password)
    if n == 0:
        return 1 if ceiling is None or ceiling > 1 else None
    by_end: list[list[Match]] = [[] for _ in range(n)]
    # For each start, the last end of a match from it (-1 for none).
    reach = [-1] * (n + 1)
    for match in matches:
        i = match["i"]
        j = match["j"]
        by_end[j].append(match)
        reach[i] = max(reach[i], j)
    factorials, additive, span_guesses = _terms(n)
    # Comparing a Decimal with a float converts the float each time: once here
    # (exactly, so every comparison gives the same answer).
    limit = decimal.Decimal(ceiling) if ceiling is not None else None
    longest = n
    """The most matches a sequence below the ceiling holds (its count exceeds 10000^(l-1))."""
    if limit is not None:
        longest = 0
        while longest < n and additive[longest + 1] < limit:
            longest += 1

    # For each end k and sequence length l: the product of guesses (pi), the
    # minimised metric (g), and whether the last match is a brute-force span.
    pi_at: list[dict[int, decimal.Decimal]] = [{} for _ in range(n)]
    g_at: list[dict[int, decimal.Decimal]] = [{} for _ in range(n)]
    bruteforce_last: list[dict[int, bool]] = [{} for _ in range(n)]
    # For each end k passed, the sequences ending there whose last match is not
    # brute force (only those may be followed by a brute-force span), in order
    # of k then length: (k + 1, [(their length + 1, their product)]).
    extendable: list[tuple[int, list[tuple[int, decimal.Decimal]]]] = []

    def update(k: int, pi: decimal.Decimal, length: int, bruteforce: bool) -> bool:
        """Consider one sequence; False when it reaches the ceiling (and is dropped)."""
        g = factorials[length] * pi + additive[length]
        if limit is not None and not g < limit:
            return False
        here = g_at[k]
        for competing_length, competing_g in here.items():
            if competing_length <= length and competing_g <= g:
                return True
        here[length] = g
        pi_at[k][length] = pi
        bruteforce_last[k][length] = bruteforce
        return True

    whole_span = longest > 0
    """Whether the brute-force span from the start may still be under the ceiling."""
    horizon = reach[0]
    """The last end of a match that starts a sequence or follows one already found."""
    for k in range(n):
        ending = by_end[k]
        if len(ending) > 1:
            ending.sort(key=itemgetter("i"))
        for match in ending:
            start = match["i"]
            if start > 0:
                guesses = None  # estimated only if a sequence reaches this match
                for length, pi in pi_at[start - 1].items():
                    if length < longest:
                        if guesses is None:
                            guesses = _estimate(match, password)
                        update(k, guesses * pi, length + 1, bruteforce=False)
            elif longest:
                update(k, _estimate(match, password), 1, bruteforce=False)
        if whole_span:
            whole_span = update(k, span_guesses[k + 1], 1, bruteforce=True)
        # A span's guesses grow with its end: once a sequence a span extends
        # reaches the ceiling, so do all later ones from that start, and it is dropped.
        still: list[tuple[int, list[tuple[int, decimal.Decimal]]]] = []
        for start, sequences in extendable:
            span = span_guesses[k - start + 1]
            below = [(length, pi) for length, pi in sequences if update(k, span * pi, length, True)]
            if below:
                still.append((start, below))
        extendable = still
        here = pi_at[k]
        if here:
            last = bruteforce_last[k]
            sequences = [
                (length + 1, pi)
                for length, pi in here.items()
                if length < longest and not last[length]
            ]
            if sequences:
                extendable.append((k + 1, sequences))
            if reach[k + 1] > horizon:  # noqa: PLR1730 - a call to max() at every end costs more
                horizon = reach[k + 1]
        elif not (whole_span or extendable) and horizon <= k:
            # Nothing ends here, and no sequence found so far can be extended
            # past here, by a span or by a match: none will ever reach the end.
            return None
    if not g_at[n - 1]:
        return None
    return min(g_at[n - 1].values())


SCORE_FOUR = 1e10 + 5
"""zxcvbn's score is 4 from this many guesses on (``time_estimates.guesses_to_score``)."""


_zxcvbn_date_match = matching.date_match

_MAYBE_DATE = re.compile(r"\d{4}|\d([\s/\\_.-])\d{1,2}\1\d")
"""What every date zxcvbn finds contains: four digits in a row (its date without
separators), or digits on both sides of one separator used twice (its date with them)."""


_DATE_CHARACTERS = re.compile(r"[\d\s/\\_.-]+")
"""The characters of zxcvbn's dates: digits and its separators (both of its expressions)."""


def date_match(
    password: str,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.date_match``: none where no date can be.

    zxcvbn tries two regular expressions on every substring of 4 to 10
    characters; most passwords hold nothing either could match. Every date it
    finds lies in one run of digits and separators, and one date can hide
    another only in the same run: zxcvbn's search is run on each run that may
    hold a date, not on the whole password, and its matches moved back in place.
    """
    if not _MAYBE_DATE.search(password):
        return []
    matches: list[Match] = []
    for run in _DATE_CHARACTERS.finditer(password):
        if _MAYBE_DATE.search(run.group()):
            offset = run.start()
            for match in _zxcvbn_date_match(run.group(), _ranked_dictionaries=_ranked_dictionaries):
                match["i"] += offset
                match["j"] += offset
                matches.append(match)
    return matches


_GREEDY = re.compile(r"(.+)\1+")
_LAZY = re.compile(r"(.+?)\1+")
_LAZY_ANCHORED = re.compile(r"^(.+?)\1+$")
"""zxcvbn's three expressions for repeats (it looks each up again on every call)."""

_ONE_KEY = frozenset(map(chr, range(32, 127)))
"""The characters whose repetition is analysed ahead of time: the printable ASCII ones."""
Analysis = tuple[Any, list[Match]]
"""zxcvbn's guesses and sequence for a repeated part."""
_one_key_cache: list[tuple[tuple[tuple[str, int, int], ...], dict[str, Analysis]]] = []


def _analysis(base: str) -> Analysis:
    """What zxcvbn's repeat matcher works out of the repeated part: its guesses and sequence.

    Most repeats are of one character ("ss" in "mississippi"), whose analysis
    depends only on the character and zxcvbn's dictionaries: for the printable
    ASCII ones it is made once, from the alphabet rather than from a password,
    and each repeat gets a copy of its sequence.
    """
    ranked = matching.RANKED_DICTIONARIES
    if base in _ONE_KEY and USER_INPUTS not in ranked:
        key = tuple((name, id(words), len(words)) for name, words in ranked.items())
        if not _one_key_cache or _one_key_cache[0][0] != key:
            _one_key_cache[:] = [(key, {char: _analysed(char) for char in sorted(_ONE_KEY)})]
        guesses, sequence = _one_key_cache[0][1][base]
        return guesses, [dict(match) for match in sequence]
    return _analysed(base)


def _analysed(base: str) -> Analysis:
    analysis = matching.most_guessable_match_sequence(base, matching.omnimatch(base))
    return analysis["guesses"], analysis["sequence"]


def repeat_match(
    password: str,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.repeat_match``, in the same order.

    zxcvbn's own loop; it searches with its lazy expression even where its
    greedy one found nothing (and it stops), and analyses the repeated part of
    each repeat again (``_analysis``).
    """
    matches: list[Match] = []
    last_index = 0
    while last_index < len(password):
        greedy = _GREEDY.search(password, pos=last_index)
        if not greedy:
            break
        lazy = _LAZY.search(password, pos=last_index)
        if lazy is None or len(greedy.group(0)) > len(lazy.group(0)):
            match = greedy
            whole = _LAZY_ANCHORED.search(match.group(0))
            base = whole.group(1) if whole else match.group(0)
        else:
            match = lazy
            base = match.group(1)
        i, j = match.span()[0], match.span()[1] - 1
        base_guesses, base_matches = _analysis(base)
        matches.append(
            {
                "pattern": "repeat",
                "i": i,
                "j": j,
                "token": match.group(0),
                "base_token": base,
                "base_guesses": base_guesses,
                "base_matches": base_matches,
                "repeat_count": len(match.group(0)) / len(base),
            }
        )
        last_index = j + 1
    return matches


Graph = Mapping[str, Sequence[str | None]]
"""zxcvbn's keyboard graph: each key → its neighbours' keys (unshifted, shifted), by direction."""
Steps = Mapping[str, tuple[int, bool]]
"""A key and the next key, as one string of two → the direction of the step and whether
the next key is shifted."""

_SHIFTED = matching.SHIFTED_RX
_SHIFTED_KEYS = frozenset(char for char in map(chr, range(128)) if _SHIFTED.match(char))
"""The characters zxcvbn's expression counts as shifted keys (all ASCII), for a set look-up."""
_SHIFTED_GRAPHS = ("qwerty", "dvorak")
"""The graphs where zxcvbn counts a shifted first key."""
_steps_cache: dict[int, tuple[Graph, Steps]] = {}


def _steps(graph: Graph) -> Steps:
    """Every step zxcvbn's walk can take on ``graph``, as its loop over neighbours finds it."""
    cached = _steps_cache.get(id(graph))
    if cached is None or cached[0] is not graph:
        steps: dict[str, tuple[int, bool]] = {}
        for key, neighbours in graph.items():
            if len(key) != 1:
                continue  # zxcvbn looks a key up by one character of the password
            for direction, neighbour in enumerate(neighbours or ()):
                keys = neighbour or ""
                for char in keys:
                    # The first neighbour holding the character wins, as zxcvbn breaks there.
                    steps.setdefault(key + char, (direction, keys.index(char) == 1))
        cached = (graph, steps)
        _steps_cache[id(graph)] = cached
    return cached[1]


def _pairs(password: str) -> list[str]:
    """Each character of ``password`` with the next one: the steps a walk could take."""
    return [password[k : k + 2] for k in range(len(password) - 1)]


def _walks(password: str, pairs: Sequence[str], graph: Graph, graph_name: str) -> list[Match]:
    """zxcvbn's keyboard walks of ``password`` on one graph, from its ``pairs``.

    zxcvbn's walk from a key goes on while the next character is a neighbour,
    and the next walk starts where it stopped: its walks are the runs of
    consecutive steps of the graph. Each step is looked up once, in C (``map``),
    and only the runs are then followed in Python.
    """
    found = list(map(_steps(graph).get, pairs))
    taken = [k for k, step in enumerate(found) if step is not None]
    shifted_first = graph_name in _SHIFTED_GRAPHS
    matches: list[Match] = []
    count = len(taken)
    index = 0
    while index < count:
        first = last = taken[index]
        index += 1
        while index < count and taken[index] == last + 1:
            last += 1
            index += 1
        if last == first:
            continue  # zxcvbn keeps no walk of 1 or 2 keys
        key = password[first]
        shifted_count = (
            1
            if shifted_first
            and (key in _SHIFTED_KEYS or (not key.isascii() and _SHIFTED.search(key)))
            else 0
        )
        turns = 0
        last_direction = None
        for step in found[first : last + 1]:
            direction, shifted = step  # type: ignore[misc]  # every step of a run is one
            shifted_count += shifted
            if last_direction != direction:
                turns += 1  # every pattern starts with a turn, as in zxcvbn
                last_direction = direction
        matches.append(
            {
                "pattern": "spatial",
                "i": first,
                "j": last + 1,
                "token": password[first : last + 2],
                "graph": graph_name,
                "turns": turns,
                "shifted_count": shifted_count,
            }
        )
    return matches


def spatial_match_helper(password: str, graph: Graph, graph_name: str) -> list[Match]:
    """The matches of ``zxcvbn.matching.spatial_match_helper``, in the same order."""
    return _walks(password, _pairs(password), graph, graph_name)


def spatial_match(
    password: str,
    _graphs: Mapping[str, Graph] = matching.GRAPHS,
    _ranked_dictionaries: Mapping[str, RankedDictionary] = matching.RANKED_DICTIONARIES,
) -> list[Match]:
    """The matches of ``zxcvbn.matching.spatial_match``: the pairs made once for every graph."""
    pairs = _pairs(password)
    matches: list[Match] = []
    for graph_name, graph in _graphs.items():
        matches.extend(_walks(password, pairs, graph, graph_name))
    return sorted(matches, key=itemgetter("i", "j"))


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
        matching.spatial_match = spatial_match
        matching.repeat_match = repeat_match
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
