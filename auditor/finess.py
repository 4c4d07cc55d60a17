"""Validation of FINESS numbers, the national identifiers of health establishments."""

from __future__ import annotations

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


def finess_problem(value: str) -> str | None:
    """Why ``value`` is not a valid FINESS number, or None when it is."""
    if _CORSICAN.match(value):
        return None
    if _DIGITS.match(value):
        return None if luhn_valid(value) else "FINESS check digit (Luhn key) does not match"
    if re.fullmatch(r"\d{8}", value):
        return (
            "FINESS must have 9 characters, found 8 digits "
            "(did a spreadsheet drop a leading zero? format the column as text)"
        )
    return "FINESS must be 9 characters: 9 digits, or 2A/2B followed by 7 digits"
