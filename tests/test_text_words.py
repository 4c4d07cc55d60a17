"""``words`` keeps nothing of what it was asked, and ``fold`` takes its short cut for ASCII."""

from __future__ import annotations

import gc
import re
import weakref

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.text import fold, folded_words, strip_accents, words


def test_words_keeps_no_set_alive() -> None:
    # Usernames and owners are one per account: a cache of them missed on every one
    # and kept 65,536 sets alive for nothing.
    found = weakref.ref(words("Personne 000123", 4))
    gc.collect()
    assert found() is None


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=40), st.integers(1, 6))
def test_words_are_the_long_folded_alphanumeric_words(text: str, min_length: int) -> None:
    expected = {word for word in re.findall(r"[a-z0-9]+", fold(text)) if len(word) >= min_length}
    assert words(text, min_length) == expected


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=40) | st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_fold_is_case_folding_without_accents(text: str) -> None:
    assert fold(text) == strip_accents(text).casefold()


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=40), st.integers(1, 6))
def test_the_words_of_folded_text_are_those_of_the_text(text: str, min_length: int) -> None:
    assert folded_words(fold(text), min_length) == words(text, min_length)
