from __future__ import annotations

import math
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.password.strength import (
    CharClass,
    char_classes,
    entropy_bits,
    french_words,
    zxcvbn_score,
)


def test_char_classes() -> None:
    assert char_classes("aB3!") == frozenset(CharClass)
    assert char_classes("abc") == {CharClass.LOWER}
    assert char_classes("é") == {CharClass.SPECIAL}


@pytest.mark.parametrize(
    ("password", "at_least_80"),
    [
        # CNIL 2022-100's own examples of 80-bit passwords
        ("Ab3!Ab3!Ab3!", True),  # 12 characters, four classes: 79.55 bits, rounds to 80
        ("Ab3Ab3Ab3Ab3Ab", True),  # 14 characters, three classes
        ("abcdefghijklmnopq", True),  # 17 lower-case letters: 79.9 bits
        ("Ab3!Ab3!Ab3", False),  # 11 characters
        ("abcdefghijklmnop", False),  # 16 lower-case letters: 75.2 bits
    ],
)
def test_cnil_entropy_examples(password: str, at_least_80: bool) -> None:
    bits = entropy_bits(len(password), char_classes(password))
    assert (round(bits) >= 80) is at_least_80


def test_zxcvbn_handles_empty_and_long_passwords() -> None:
    assert zxcvbn_score("", []) == 0
    # zxcvbn 4.5 raises past 72 characters; the score is taken on the first 72.
    assert zxcvbn_score("G7v!pQ2#nZ8@rT4%wL6^yB1&kM3*hD5(" * 3, []) == 4


def test_zxcvbn_penalises_context_words() -> None:
    password = "Optiquelumiere"
    assert zxcvbn_score(password, ["lumiere", "optique"]) < zxcvbn_score(password, [])


@pytest.mark.parametrize(
    "password", ["Juillet2023!", "Marseille13!", "Ph4rm4c1e2024", "Soleil2024!"]
)
def test_french_words_are_known_to_zxcvbn(password: str) -> None:
    assert zxcvbn_score(password, []) < 3


def test_french_word_list_ships_and_has_no_duplicates() -> None:
    words = french_words()
    assert {"azerty", "juillet", "pharmacie", "août"} <= set(words)
    assert len(words) == len(set(words))


def _classes_one_by_one(password: str) -> frozenset[CharClass]:
    """The definition: each character's class, ASCII letters and digits apart."""
    classes = set()
    for char in password:
        if char in string.ascii_lowercase:
            classes.add(CharClass.LOWER)
        elif char in string.ascii_uppercase:
            classes.add(CharClass.UPPER)
        elif char in string.digits:
            classes.add(CharClass.DIGIT)
        else:
            classes.add(CharClass.SPECIAL)
    return frozenset(classes)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_char_classes_are_each_characters_class(password: str) -> None:
    assert char_classes(password) == _classes_one_by_one(password)


_POOL = {CharClass.LOWER: 26, CharClass.UPPER: 26, CharClass.DIGIT: 10, CharClass.SPECIAL: 37}


def _bits_by_the_rule(length: int, classes: frozenset[CharClass]) -> float:
    """The definition: length times log2 of the alphabet the classes make."""
    pool = sum(_POOL[cls] for cls in classes)
    return length * math.log2(pool) if pool else 0.0


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=80))
def test_classes_and_entropy_are_the_plain_rule_s(password: str) -> None:
    classes = char_classes(password)
    assert classes == _classes_one_by_one(password)
    assert entropy_bits(len(password), classes) == _bits_by_the_rule(len(password), classes)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.sets(st.sampled_from(CharClass)), st.integers(0, 200))
def test_entropy_of_any_set_of_classes(classes: set[CharClass], length: int) -> None:
    made = frozenset(classes)
    assert entropy_bits(length, made) == _bits_by_the_rule(length, made)


def test_equal_char_classes_are_one_object() -> None:
    # 75,000 passwords of a group's audit share a handful of class sets: one of each.
    assert char_classes("abc1") is char_classes("zz9")
    assert char_classes("") is char_classes("")
