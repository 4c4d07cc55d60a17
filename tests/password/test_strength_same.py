"""The CNIL entropy and character classes, worked out from tables, are those of the plain rule."""

from __future__ import annotations

import math
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.password.strength import CharClass, char_classes, entropy_bits

_POOL = {CharClass.LOWER: 26, CharClass.UPPER: 26, CharClass.DIGIT: 10, CharClass.SPECIAL: 37}


def _reference_classes(password: str) -> frozenset[CharClass]:
    found = set()
    for char in password:
        if char in string.ascii_lowercase:
            found.add(CharClass.LOWER)
        elif char in string.ascii_uppercase:
            found.add(CharClass.UPPER)
        elif char in string.digits:
            found.add(CharClass.DIGIT)
        else:
            found.add(CharClass.SPECIAL)
    return frozenset(found)


def _reference_bits(length: int, classes: frozenset[CharClass]) -> float:
    pool = sum(_POOL[cls] for cls in classes)
    return length * math.log2(pool) if pool else 0.0


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=80))
def test_classes_and_entropy_are_the_plain_rule_s(password: str) -> None:
    classes = char_classes(password)
    assert classes == _reference_classes(password)
    assert entropy_bits(len(password), classes) == _reference_bits(len(password), classes)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.sets(st.sampled_from(CharClass)), st.integers(0, 200))
def test_entropy_of_any_set_of_classes(classes: set[CharClass], length: int) -> None:
    made = frozenset(classes)
    assert entropy_bits(length, made) == _reference_bits(length, made)
