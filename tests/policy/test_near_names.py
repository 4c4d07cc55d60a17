"""Near misses of portal names are found as the plain rule says, however the search is sped up."""

from __future__ import annotations

import random

from auditor.policy import Policy
from auditor.policy.names import (
    MAX_NEAR_WORDS,
    MIN_NEAR_LENGTH,
    PortalNames,
    edit_bound,
    name_words,
    osa_distance,
)


def reference(names: PortalNames, text: str, *, glued: bool) -> str | None:
    # The rule in its plainest form: every run of words against every name.
    words = name_words(text)[:MAX_NEAR_WORDS]
    found = []
    for start in range(len(words)):
        for size in range(1, min(names.widest + 1, len(words) - start) + 1):
            window = "".join(words[start : start + size])
            if len(window) < MIN_NEAR_LENGTH:
                continue
            for key, portal in names.by_key.items():
                bound = edit_bound(key)
                if bound and osa_distance(window, key, bound=bound) <= bound:
                    found.append(
                        (osa_distance(window, key, bound=bound), names.order[portal], portal)
                    )
    if glued:
        found += [
            (1, names.order[portal], portal)
            for word in words
            for key, portal in names.by_key.items()
            if MIN_NEAR_LENGTH <= len(key) < len(word) and key in word
        ]
    return min(found)[2] if found else None


def texts(names: PortalNames, count: int) -> list[str]:
    rng = random.Random(5)
    keys = sorted(names.by_key)
    made = []
    for _ in range(count):
        key = list(rng.choice(keys))
        for _ in range(rng.randint(0, 3)):
            at = rng.randrange(len(key))
            key[at : at + rng.randint(0, 1)] = rng.choice(["", "x", key[at], "é", " "])
        noise = rng.choice(["", "mon", "2024", " portail", "-pro ", "www."])
        made.append(
            rng.choice(["", "Accès "]) + noise + "".join(key) + rng.choice(["", " pro", "75"])
        )
    return [*made, "", "site000123.example.fr", "Gmail", "viamedisviamedis"]


def test_near_misses_are_the_plain_rules(policy: Policy) -> None:
    names = policy._names  # the matcher under test
    for text in texts(names, 600):
        for glued in (False, True):
            assert names.near(text, glued=glued) == reference(names, text, glued=glued), text
