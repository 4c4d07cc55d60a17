from __future__ import annotations

import pytest

from auditor.finess import finess_problem, luhn_valid


@pytest.mark.parametrize("value", ["750056780", "690034566", "2A0001234", "2B9999999"])
def test_valid_finess(value: str) -> None:
    assert finess_problem(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("750056781", "check digit"),
        ("75005678", "leading zero"),
        ("7500567801", "9 characters"),
        ("2C0001234", "9 characters"),
        ("ABCDEFGHI", "9 characters"),
        ("", "9 characters"),
    ],
)
def test_invalid_finess_says_why(value: str, expected: str) -> None:
    problem = finess_problem(value)
    assert problem is not None
    assert expected in problem


def test_luhn_matches_known_numbers() -> None:
    assert luhn_valid("79927398713")  # the textbook Luhn example
    assert not luhn_valid("79927398710")
