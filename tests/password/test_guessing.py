"""The fast zxcvbn paths give exactly what zxcvbn's own code gives."""

from __future__ import annotations

import gc
import random
import string
import tracemalloc
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zxcvbn import matching, scoring, zxcvbn

from auditor.password import guessing
from auditor.password.strength import _ensure_french_dictionary

# Captured before any test installs the fast matcher.
ORIGINAL_DICTIONARY_MATCH = matching.dictionary_match

EDGE_CASES = [
    "a",
    "aaaaaaaaaaaa",
    "abcabcabc",
    "12/02/2024",
    "P@ssw0rd",
    "correcthorsebatterystaple",
    "qwertyuiop",
    "1234567890",
    "Pharmacie2024!",
    "Viamedis75",
    "dupont.dupont",
    "zzzzzz" * 12,
    "Tr0ub4dor&3",
    "J3@nD0up0nt!!",
    "éléphant-Été-2023",
]


def _mix(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [word for word in matching.RANKED_DICTIONARIES["passwords"] if len(word) > 3][:3000]
    alphabet = string.ascii_letters + string.digits + "!@#$%&*-_.1370"
    kinds = (
        lambda: rng.choice(words).capitalize() + str(rng.randint(0, 2030)) + "!",
        lambda: rng.choice(words).translate(str.maketrans("aeios", "@310$")),
        lambda: "".join(rng.choices(alphabet, k=rng.randint(8, 20))),
        lambda: "-".join(rng.sample(words, 4)),
        lambda: "".join(rng.choices(alphabet, k=rng.randint(40, 72))),
    )
    return [kinds[index % len(kinds)]() for index in range(count)]


PASSWORDS = EDGE_CASES + _mix(200, seed=3)


@pytest.fixture(scope="module")
def dictionaries() -> dict[str, dict[str, int]]:
    _ensure_french_dictionary()
    inputs = ["pharmacie", "dupont", "750056780", "viamedis", "jdupont"]
    return {**matching.RANKED_DICTIONARIES, "user_inputs": matching.build_ranked_dict(inputs)}


@pytest.mark.parametrize("reverse", [False, True])
def test_dictionary_matches_are_zxcvbns(
    dictionaries: dict[str, dict[str, int]], reverse: bool
) -> None:
    for password in PASSWORDS + NON_ASCII:
        candidate = password[::-1] if reverse else password
        expected = ORIGINAL_DICTIONARY_MATCH(candidate, dictionaries)
        assert guessing.dictionary_match(candidate, dictionaries) == expected, candidate


def test_dictionary_match_sees_a_new_user_input(dictionaries: dict[str, dict[str, int]]) -> None:
    other = {**dictionaries, "user_inputs": matching.build_ranked_dict(["zorglub"])}
    assert not [
        m
        for m in guessing.dictionary_match("xzorglubx", dictionaries)
        if m["dictionary_name"] == "user_inputs"
    ]
    found = [
        m
        for m in guessing.dictionary_match("xzorglubx", other)
        if m["dictionary_name"] == "user_inputs"
    ]
    assert [(m["i"], m["j"], m["rank"]) for m in found] == [(1, 7, 1)]


def test_a_list_added_to_zxcvbns_dictionaries_is_matched(monkeypatch: pytest.MonkeyPatch) -> None:
    ranked = matching.RANKED_DICTIONARIES
    monkeypatch.delitem(ranked, "user_inputs", raising=False)  # what zxcvbn() leaves there
    assert not guessing.dictionary_match("wqxkzj", ranked)
    monkeypatch.setitem(ranked, "bd", {"qxkz": 1})  # what add_frequency_lists does
    found = guessing.dictionary_match("wqxkzj", ranked)
    assert [(m["i"], m["j"], m["dictionary_name"]) for m in found] == [(1, 4, "bd")]


def test_minimum_guesses_are_zxcvbns(dictionaries: dict[str, dict[str, int]]) -> None:
    for password in PASSWORDS:
        matches = matching.omnimatch(password, dictionaries)
        expected = scoring.most_guessable_match_sequence(password, [dict(m) for m in matches])[
            "guesses"
        ]
        assert guessing.minimum_guesses(password, matches) == expected, password


def test_score_is_zxcvbns_score(dictionaries: dict[str, dict[str, int]]) -> None:
    inputs = ["pharmacie", "dupont", "750056780", "viamedis", "jdupont"]
    for password in PASSWORDS[:60]:
        expected = zxcvbn(password, user_inputs=inputs)["score"]
        assert guessing.score(password, dictionaries) == expected, password


def test_the_guesses_of_each_match_are_zxcvbns(dictionaries: dict[str, dict[str, int]]) -> None:
    for password in PASSWORDS + _l33t_heavy(200, seed=41) + NON_ASCII:
        for match in matching.omnimatch(password, dictionaries):
            expected = scoring.estimate_guesses(dict(match), password)
            guesses = guessing._estimate(dict(match), password)
            assert (guesses, str(guesses)) == (expected, str(expected)), (password, match)


def test_the_empty_password_needs_one_guess() -> None:
    assert guessing.minimum_guesses("", []) == 1


def _near_the_thresholds(count: int, seed: int) -> list[str]:
    # Random strings of 2-12 characters: brute force alone puts them on either side
    # of each score threshold (10 characters need 1e10 guesses, just under 1e10 + 5).
    rng = random.Random(seed)
    alphabet = string.ascii_lowercase + string.digits + "@$!"
    return ["".join(rng.choices(alphabet, k=rng.randint(2, 12))) for _ in range(count)]


CEILINGS = [1e3 + 5, 1e6 + 5, 1e8 + 5, 1e10 + 5]
"""zxcvbn's score thresholds (``time_estimates.guesses_to_score``)."""


@pytest.mark.parametrize("ceiling", CEILINGS)
def test_a_ceiling_keeps_every_minimum_below_it(
    dictionaries: dict[str, dict[str, int]], ceiling: float
) -> None:
    # Below the ceiling the minimum is zxcvbn's to the last digit; at or above it
    # the search gives up (None), which is all a score needs to know.
    for password in PASSWORDS + _near_the_thresholds(150, seed=5):
        matches = matching.omnimatch(password, dictionaries)
        exact = scoring.most_guessable_match_sequence(password, [dict(m) for m in matches])[
            "guesses"
        ]
        bounded = guessing.minimum_guesses(password, matches, ceiling=ceiling)
        assert bounded == (exact if exact < ceiling else None), (password, exact, bounded)


class _Watched(dict[str, Any]):
    """A match that notes each field the search reads from it."""

    read: ClassVar[list[str]] = []

    def __getitem__(self, key: str) -> Any:
        self.read.append(key)
        return super().__getitem__(key)


def test_the_search_stops_where_no_sequence_can_go_on(
    dictionaries: dict[str, dict[str, int]],
) -> None:
    # Twelve characters no match covers already need more guesses than score 4's
    # threshold, so nothing can reach the word after them.
    password = "8#q%Z&4*w(X!}password"
    matches = [_Watched(match) for match in matching.omnimatch(password, dictionaries)]
    assert min(match["i"] for match in matches) == 13
    _Watched.read.clear()
    assert guessing.minimum_guesses(password, matches, ceiling=guessing.SCORE_FOUR) is None
    # Sorted by their ends ("i", "j" each once), then never looked at again.
    assert len(_Watched.read) == 2 * len(matches), _Watched.read


def test_scores_on_either_side_of_each_threshold_are_zxcvbns(
    dictionaries: dict[str, dict[str, int]],
) -> None:
    inputs = ["pharmacie", "dupont", "750056780", "viamedis", "jdupont"]
    passwords = _near_the_thresholds(120, seed=9)
    scores = {guessing.score(password, dictionaries) for password in passwords}
    assert scores >= {1, 2, 3, 4}, scores  # the sample does reach every side
    for password in passwords:
        assert guessing.score(password, dictionaries) == zxcvbn(password, inputs)["score"], password


ORIGINAL_DATE_MATCH = matching.date_match

DATE_CASES = [
    "12/02/2024",
    "1.1.91",
    "2015_06_04",
    "x1-1-91y",
    "1 1 1991",
    "1191",
    "١٢٣٤٥",  # Arabic-Indic digits: \d matches them, as zxcvbn's regexes do
    "12-3/45",
    "ab12cd",
    "pharmacie",
    "",
]


def test_date_matches_are_zxcvbns() -> None:
    rng = random.Random(13)
    generated = ["".join(rng.choices("0123456789/.-_ a", k=rng.randint(0, 14))) for _ in range(400)]
    for password in DATE_CASES + generated + PASSWORDS:
        assert guessing.date_match(password) == ORIGINAL_DATE_MATCH(password), password


def test_a_password_with_no_date_shape_skips_the_date_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []
    monkeypatch.setattr(guessing, "_zxcvbn_date_match", lambda p, **_: seen.append(p) or [])
    guessing.date_match("Pharmacie-du-Marche!")
    guessing.date_match("Pharmacie 12/02/24")
    # Only the run of digits and separators that may hold a date is searched.
    assert seen == [" 12/02/24"]


def test_only_the_runs_that_may_hold_a_date_are_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    monkeypatch.setattr(guessing, "_zxcvbn_date_match", lambda p, **_: seen.append(p) or [])
    guessing.date_match("Lumiere 12/02/24 et-1999x75_12")
    assert seen == [" 12/02/24 ", "-1999"]


ORIGINAL_L33T_MATCH = matching.l33t_match


def _l33t_heavy(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [word for word in matching.RANKED_DICTIONARIES["passwords"] if len(word) > 3][:2000]
    leet = str.maketrans({"a": "@", "e": "3", "i": "1", "o": "0", "s": "$", "t": "7", "l": "|"})
    made = []
    for _ in range(count):
        word = rng.choice(words)
        cut = rng.randint(0, len(word))
        word = word[:cut].translate(leet) + word[cut:]
        noise = "".join(rng.choices("4@8(3691!|70$5+%2xyz", k=rng.randint(0, 6)))
        made.append(rng.choice([word + noise, noise + word, word.upper() + noise]))
    return made


NON_ASCII = ["İst4nbul", "ΑΣ7@Σ", "pa$$wörd", "ﬁl3", "Ph4rm@cié"]
NON_ASCII += ["😀p4ssword😀", "pass\x00word", "straße", "\udcffpassword", "ǅemal", "İİİpassİ"]


def test_l33t_matches_are_zxcvbns(dictionaries: dict[str, dict[str, int]]) -> None:
    assert ORIGINAL_L33T_MATCH.__module__ == "zxcvbn.matching"  # captured before install()
    for password in PASSWORDS + _l33t_heavy(400, seed=21) + NON_ASCII:
        expected = ORIGINAL_L33T_MATCH(password, dictionaries)
        assert guessing.l33t_match(password, dictionaries) == expected, password


def test_no_password_stays_in_the_matchers_memory_after_a_score(
    dictionaries: dict[str, dict[str, int]],
) -> None:
    password = "Ph4rm@cie-Lumiere"
    guessing.score(password, dictionaries)
    kept = [
        value
        for value in vars(guessing).values()
        if isinstance(value, list | dict | tuple | set) and value is not guessing.__builtins__
    ]
    assert not [value for value in kept if password in repr(value)]


def test_each_string_is_matched_in_one_pass_of_the_automaton(
    dictionaries: dict[str, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[str] = []
    real = guessing._found

    def found(lower: str, *args: Any) -> Any:
        passes.append(lower)
        return real(lower, *args)

    monkeypatch.setattr(guessing, "_found", found)
    guessing.score("p@sw0rd-xyz", dictionaries)
    # The password, its reverse, then its one l33t reading: never a walk per start.
    assert passes == ["p@sw0rd-xyz", "zyx-dr0ws@p", "pasword-xyz"]


def _traced_growth(build: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del kept
    return grown


INDEX_BOUND = 16 * 2**20
"""The index of the fixed dictionaries' 94,000 words, in bytes: the walk's table of
every prefix took 26 MiB of Python objects, which each forked worker's reference
counting copied page by page; the automaton's nodes are about 10 MiB of C memory."""


def test_the_dictionaries_index_is_small(dictionaries: dict[str, dict[str, int]]) -> None:
    fixed = {name: ranked for name, ranked in dictionaries.items() if name != "user_inputs"}
    guessing._index_cache.clear()  # built afresh, not the one the other tests left
    guessing._last_seen.clear()
    assert _traced_growth(lambda: guessing._index(fixed)) < INDEX_BOUND


ORIGINAL_ENUMERATE_L33T_SUBS = matching.enumerate_l33t_subs
L33T_CHARACTERS = sorted({char for subs in matching.L33T_TABLE.values() for char in subs})


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(present=st.sets(st.sampled_from(L33T_CHARACTERS)))
def test_l33t_readings_are_zxcvbns(present: set[str]) -> None:
    relevant = matching.relevant_l33t_subtable("".join(present), matching.L33T_TABLE)
    expected = ORIGINAL_ENUMERATE_L33T_SUBS(relevant)
    readings = guessing._enumerate_l33t_subs(relevant)
    assert [list(sub.items()) for sub in readings] == [list(sub.items()) for sub in expected]


_WORDS = [word for word in matching.RANKED_DICTIONARIES["passwords"] if len(word) > 2][:2000]
_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "l": "|", "o": "0", "s": "$", "t": "7"})
_PIECES = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(_WORDS).map(lambda word: word.translate(_LEET)),
    st.sampled_from(_WORDS).map(str.capitalize),
    st.sampled_from(["pharmacie", "dupont", "viamedis", "1991", "12/02/", "qwerty", "abcd"]),
    st.text(alphabet=string.ascii_letters + "".join(L33T_CHARACTERS) + "/._- ", max_size=6),
)
GENERATED = st.lists(_PIECES, max_size=5).map("".join).map(lambda text: text[:40])
"""Passwords made of dictionary words (plain, l33t, capitalised), dates, walks and noise."""


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(password=GENERATED)
def test_generated_matches_are_zxcvbns(
    dictionaries: dict[str, dict[str, int]], password: str
) -> None:
    for candidate in (password, password[::-1]):
        expected = ORIGINAL_DICTIONARY_MATCH(candidate, dictionaries)
        assert guessing.dictionary_match(candidate, dictionaries) == expected
    assert guessing.l33t_match(password, dictionaries) == ORIGINAL_L33T_MATCH(
        password, dictionaries
    )
    assert guessing.date_match(password) == ORIGINAL_DATE_MATCH(password)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(password=GENERATED.filter(bool))
def test_generated_scores_are_zxcvbns(
    dictionaries: dict[str, dict[str, int]], password: str
) -> None:
    inputs = ["pharmacie", "dupont", "750056780", "viamedis", "jdupont"]
    matches = matching.omnimatch(password, dictionaries)
    exact = scoring.most_guessable_match_sequence(password, [dict(m) for m in matches])
    assert guessing.minimum_guesses(password, matches) == exact["guesses"]
    for ceiling in CEILINGS:
        bounded = guessing.minimum_guesses(password, [dict(m) for m in matches], ceiling=ceiling)
        assert bounded == (exact["guesses"] if exact["guesses"] < ceiling else None)
    assert guessing.score(password, dictionaries) == zxcvbn(password, inputs)["score"]


ORIGINAL_SPATIAL_HELPER = matching.spatial_match_helper
ORIGINAL_REPEAT_MATCH = matching.repeat_match
ORIGINAL_SPATIAL_MATCH = matching.spatial_match

WALKS = [
    "qwertyuiop",
    "QWErty!@#",
    "asdfgh",
    "zxcvbn123",
    "1qaz2wsx",
    "!QAZ@WSX",
    "poiuy",
    "9876543",
]
WALKS += ["7894561230", "+-*/", "aoeuidhtns", "',.pyfgcrl", "~!@#$%^&*()_+", "qQwWeErR", "mnbvc"]


def test_spatial_matches_are_zxcvbns() -> None:
    assert ORIGINAL_SPATIAL_HELPER.__module__ == "zxcvbn.matching"  # captured before install()
    rng = random.Random(29)
    keys = "qwertyuiopasdfghjklzxcvbnm1234567890!@#$%^&*()-=[];',./QWERTYASDFGZXCV<>?:{}"
    generated = ["".join(rng.choices(keys, k=rng.randint(0, 20))) for _ in range(300)]
    for password in WALKS + generated + PASSWORDS + NON_ASCII:
        for name, graph in matching.GRAPHS.items():
            expected = ORIGINAL_SPATIAL_HELPER(password, graph, name)
            assert guessing.spatial_match_helper(password, graph, name) == expected, password


def test_keyboard_walks_on_every_graph_are_zxcvbns() -> None:
    assert ORIGINAL_SPATIAL_MATCH.__module__ == "zxcvbn.matching"  # captured before install()
    rng = random.Random(31)
    keys = "qwertyuiopasdfghjklzxcvbnm1234567890!@#$%^&*()-=[];',./QWERTYASDFGZXCV<>?:{}+*"
    generated = ["".join(rng.choices(keys, k=rng.randint(0, 24))) for _ in range(300)]
    for password in WALKS + generated + PASSWORDS + NON_ASCII:
        assert guessing.spatial_match(password) == ORIGINAL_SPATIAL_MATCH(password), password


REPEATS = [
    "aaaa",
    "zzzzzz" * 12,
    "abcabcabc",
    "aabaab",
    "aabaabaabaab",
    "Mississippi!!",
    "$$$$",
    "éé",
]
REPEATS += ["1212", "xXxX", "p@p@p@", "ab" * 30 + "c", "a b a b", "\t\t", "ΣΣΣ", "!!!??!!!??"]


@pytest.mark.parametrize("left_by_zxcvbn", [None, ["pharmacie", "x", "ss"]])
def test_repeat_matches_are_zxcvbns(
    monkeypatch: pytest.MonkeyPatch, left_by_zxcvbn: list[str] | None
) -> None:
    assert ORIGINAL_REPEAT_MATCH.__module__ == "zxcvbn.matching"  # captured before install()
    guessing.install()
    # With no user_inputs in zxcvbn's own dictionaries, and with those zxcvbn() leaves.
    if left_by_zxcvbn is None:
        monkeypatch.delitem(matching.RANKED_DICTIONARIES, "user_inputs", raising=False)
    else:
        inputs = matching.build_ranked_dict(left_by_zxcvbn)
        monkeypatch.setitem(matching.RANKED_DICTIONARIES, "user_inputs", inputs)
    rng = random.Random(37)
    generated = ["".join(rng.choices("aab1!Σ", k=rng.randint(0, 16))) for _ in range(300)]
    for password in REPEATS + generated + PASSWORDS + NON_ASCII:
        assert guessing.repeat_match(password) == ORIGINAL_REPEAT_MATCH(password), password


def test_a_repeated_character_is_analysed_once_for_all_passwords(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guessing.install()
    # zxcvbn() leaves its last user_inputs in its own dictionaries (the other tests
    # call it), and its repeat matcher then reads them: no table holds for those.
    monkeypatch.delitem(matching.RANKED_DICTIONARIES, "user_inputs", raising=False)
    guessing.repeat_match("xx")  # the table of one-character repeats is made
    analysed: list[str] = []
    real = matching.omnimatch

    def omnimatch(password: str, *args: Any, **kwargs: Any) -> Any:
        analysed.append(password)
        return real(password, *args, **kwargs)

    monkeypatch.setattr(matching, "omnimatch", omnimatch)
    found = guessing.repeat_match("Pharmaciee2024!!xyxy")
    assert [match["base_token"] for match in found] == ["e", "!", "xy"]
    assert analysed == ["xy"]
