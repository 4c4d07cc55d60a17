"""The fast zxcvbn paths give exactly what zxcvbn's own code gives."""

from __future__ import annotations

import random
import string

import pytest
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
    for password in PASSWORDS:
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


def test_the_empty_password_needs_one_guess() -> None:
    assert guessing.minimum_guesses("", []) == 1
