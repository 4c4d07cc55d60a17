"""Comparing a password with the account's earlier ones (inside the secret boundary)."""

from __future__ import annotations

import pytest

from auditor.password.previous import earlier_passwords, past_use, stem


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Officine2023!", "officine"),
        ("officine2024", "officine"),
        ("Officine2025#?", "officine"),
        ("2023Officine!", "0officine"),
        ("Ph4rmacie-Centre2024", "ph0rmacie-centre"),
        ("123456", ""),
    ],
)
def test_stem(password: str, expected: str) -> None:
    assert stem(password) == expected


def test_earlier_passwords_drop_snapshots_of_the_current_one_and_repeats() -> None:
    assert earlier_passwords("C", ["A", "A", "B", "C", "C"]) == ["A", "B"]
    assert earlier_passwords("A", ["A", "B"]) == ["A", "B"]
    assert earlier_passwords("C", []) == []


@pytest.mark.parametrize(
    ("current", "history", "recycled", "predictable"),
    [
        ("Officine2024!", ["Officine2023!"], False, True),
        ("officine2025", ["Officine2023!", "Xq#91mPl!vz"], False, True),
        ("Officine!!", ["Officine2023"], False, True),
        ("Xq#91mPl!vz", ["Officine2023!", "Xq#91mPl!vz", "Tk$7Lp0@e"], True, False),
        # Snapshots taken while the current password was set are not "earlier" ones.
        ("Tk$7Lp0@e", ["Officine2023!", "Tk$7Lp0@e", "Tk$7Lp0@e"], False, False),
        ("Tk$7Lp0@e", ["Officine2023!"], False, False),
        ("ab12", ["ab34"], False, False),  # too short a stem to say
        ("4821", ["1234"], False, False),
        ("", ["Officine2023!"], False, False),
        ("Officine2024!", [], False, False),
    ],
)
def test_past_use(current: str, history: list[str], recycled: bool, predictable: bool) -> None:
    use = past_use(current, history)
    assert (use.recycled, use.predictable) == (recycled, predictable)
