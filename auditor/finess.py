"""Validation of FINESS numbers, the national identifiers of health establishments."""

from __future__ import annotations

import enum
import functools
import re

# A FINESS number is 9 characters: a 2-character département code (digits, or
# 2A/2B for Corsica), 6 digits, and a Luhn check digit computed over the first 8
# digits (Ministère de la Santé, FINESS nomenclature; the Luhn key is the one the
# ANS "Contrôle de la clé FINESS" describes). Corsican numbers contain letters, so
# their key cannot be checked with Luhn: only their format is.
_CORSICAN = re.compile(r"^2[AB]\d{7}$")
_DIGITS = re.compile(r"^\d{9}$")


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits ends with a correct Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


class FinessFault(enum.Enum):
    """Why a value is not a FINESS number; each value is the catalogue key that says it.

    This module imports nothing: whoever shows a fault makes the phrase,
    ``phrase(fault.value)``, and ``finess_problem`` gives its English words.
    """

    CHECK_DIGIT = "problem.finess_check_digit"
    EIGHT_DIGITS = "problem.finess_eight_digits"
    SHAPE = "problem.finess_shape"


_ENGLISH = {
    FinessFault.CHECK_DIGIT: "FINESS check digit (Luhn key) does not match",
    FinessFault.EIGHT_DIGITS: (
        "FINESS must have 9 characters, found 8 digits "
        "(did a spreadsheet drop a leading zero? format the column as text)"
    ),
    FinessFault.SHAPE: "FINESS must be 9 characters: 9 digits, or 2A/2B followed by 7 digits",
}
"""The English of each fault, the same as the catalogue's (a test compares them)."""


@functools.lru_cache(maxsize=8192)
def finess_fault(value: str) -> FinessFault | None:
    """Why ``value`` is not a valid FINESS number, or None when it is."""
    # Cached: an inventory names each practice on every one of its accounts' rows.
    if _CORSICAN.match(value):
        return None
    if _DIGITS.match(value):
        return None if luhn_valid(value) else FinessFault.CHECK_DIGIT
    if re.fullmatch(r"\d{8}", value):
        return FinessFault.EIGHT_DIGITS
    return FinessFault.SHAPE


def finess_problem(value: str) -> str | None:
    """Why ``value`` is not a valid FINESS number, in English, or None when it is."""
    fault = finess_fault(value)
    return None if fault is None else _ENGLISH[fault]
