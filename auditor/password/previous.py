"""Comparisons of a password with the account's earlier ones: recycled, or predictably rotated.

Called only from ``auditor.password.derive``, inside the secret boundary: it sees
plaintext and returns two booleans.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# What people change when forced to rotate: digits (a counter, a year), and the
# symbols they add at the end ("Officine2023!" → "Officine2024?").
_DIGITS = re.compile(r"\d+")
_TRAILING = re.compile(r"[\W\d_]+$")
_MIN_STEM = 4
"""A stem shorter than this (``ab12`` → ``ab``) says too little to call two passwords alike."""


@dataclass(frozen=True)
class PastUse:
    """How a current password relates to the account's earlier passwords."""

    recycled: bool
    """It was already used before another password replaced it."""
    predictable: bool
    """It is an earlier password with only digits, a year or trailing symbols changed."""


def stem(password: str) -> str:
    """The part of a password that a forced rotation usually keeps.

    Trailing digits and symbols go, inner digit runs become ``0``, capitals are
    folded: ``Officine2023!``, ``officine2024`` and ``Officine2025#?`` share
    ``officine``.
    """
    return _DIGITS.sub("0", _TRAILING.sub("", password)).casefold()


def earlier_passwords(current: str, history: Sequence[str]) -> list[str]:
    """The passwords the account had before its current one, oldest first.

    A vault's history also holds snapshots taken while the current password was
    already set (a changed title or URL): those end the list and are dropped,
    as are repeats in a row.
    """
    periods: list[str] = []
    for password in history:
        if not periods or periods[-1] != password:
            periods.append(password)
    while periods and periods[-1] == current:
        periods.pop()
    return periods


def past_use(current: str, history: Sequence[str]) -> PastUse:
    """Whether ``current`` repeats or barely varies one of the account's earlier passwords."""
    earlier = earlier_passwords(current, history)
    if not current or not earlier:
        return PastUse(recycled=False, predictable=False)
    recycled = current in earlier
    current_stem = stem(current)
    predictable = not recycled and (
        len(current_stem) >= _MIN_STEM
        and any(stem(old) == current_stem for old in earlier if old != current)
    )
    return PastUse(recycled=recycled, predictable=predictable)
