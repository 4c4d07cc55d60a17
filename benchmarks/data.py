"""Deterministic synthetic data for the benchmarks: passwords, inventories, corpora."""

from __future__ import annotations

import csv
import os
import random
import string
from collections.abc import Iterator
from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from auditor.finess import luhn_valid

_LEET = str.maketrans({"a": "@", "e": "3", "i": "1", "o": "0", "s": "$", "t": "7"})
_RANDOM_ALPHABET = string.ascii_letters + string.digits + "!#$%&*+-.:;=?@_"
PORTALS = ("viamedis", "almerys", "cbpec", "oxantis", "kalixia", "santeclair", "itelis", "amelipro")


def _common_words() -> list[str]:
    words = FREQUENCY_LISTS["passwords"][:5000] + FREQUENCY_LISTS["english_wikipedia"][:5000]
    return [word for word in words if len(word) >= 4]


def password_mix(count: int, seed: int = 2024) -> list[str]:
    """``count`` distinct passwords in a realistic mix of kinds, reproducibly.

    A fifth each: common words with a suffix, leet variants, random strings of
    12–20 characters, passphrases of 3–5 words, and strings of 40–72 characters.
    """
    rng = random.Random(seed)
    words = _common_words()
    kinds = (
        lambda: rng.choice(words).capitalize() + str(rng.randint(0, 2030)) + rng.choice("!?.*"),
        lambda: rng.choice(words).translate(_LEET) + str(rng.randint(0, 99)),
        lambda: "".join(rng.choices(_RANDOM_ALPHABET, k=rng.randint(12, 20))),
        lambda: rng.choice("-_ .").join(rng.sample(words, rng.randint(3, 5))),
        lambda: "".join(rng.choices(_RANDOM_ALPHABET, k=rng.randint(40, 72))),
    )
    seen: set[str] = set()
    passwords: list[str] = []
    while len(passwords) < count:
        candidate = kinds[len(passwords) % len(kinds)]()
        if candidate not in seen:
            seen.add(candidate)
            passwords.append(candidate)
    return passwords


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def finess_ids(count: int, seed: int = 7) -> list[str]:
    """``count`` distinct FINESS numbers with a valid Luhn key."""
    rng = random.Random(seed)
    found: set[str] = set()
    while len(found) < count:
        candidate = f"{rng.randint(1, 95):02d}{rng.randint(0, 9999999):07d}"
        if luhn_valid(candidate):
            found.add(candidate)
    return sorted(found)


REUSE_DRAW = 0.25
"""Chance that an account takes an earlier account's password. Both then share
it, so about 40 % of accounts end up sharing (the benchmarks print the measure)."""


def inventory_rows(accounts: int, seed: int = 11) -> Iterator[dict[str, str]]:
    """Canonical inventory rows, 20 accounts per practice, with realistic reuse."""
    rng = random.Random(seed)
    practices = finess_ids(max(1, accounts // 20))
    fresh = iter(password_mix(accounts, seed=seed))
    given: list[str] = []
    for index in range(accounts):
        practice = practices[index // 20 % len(practices)]
        if given and rng.random() < REUSE_DRAW:
            password = rng.choice(given)
        else:
            password = next(fresh)
            given.append(password)
        yield {
            "practice_id": practice,
            "practice_name": f"Pharmacie {practice[-4:]}",
            "portal": PORTALS[index % len(PORTALS)],
            "username": f"user{index:06d}",
            "owner": f"Personne {index:06d}",
            "role": "admin" if index % 10 == 0 else "user",
            "password": password,
            "password_changed": _date(rng),
            "mfa": rng.choice(("oui", "non")),
        }


def write_inventory(path: Path, accounts: int) -> list[str]:
    """Write an inventory CSV and return the password of each row, in order.

    Written beside, then renamed: another benchmark reading the same file meanwhile
    sees the whole old one or the whole new one (the same rows), never half of it.
    """
    rows = list(inventory_rows(accounts))
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    partial.replace(path)
    return [row["password"] for row in rows]


def inventory_file(folder: Path, accounts: int) -> Path:
    """``folder/inventory-N.csv``, written the first time it is asked for."""
    path = folder / f"inventory-{accounts}.csv"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_inventory(path, accounts)
    return path.resolve()  # one name for it, whichever checkout reads it


def shared_fraction(passwords: list[str]) -> float:
    """The fraction of accounts whose password another account also uses."""
    counts: dict[str, int] = {}
    for password in passwords:
        counts[password] = counts.get(password, 0) + 1
    return sum(1 for password in passwords if counts[password] > 1) / max(1, len(passwords))
