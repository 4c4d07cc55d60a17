"""The merged word table gives, for every password, the kinds that list-by-list matching gives."""

from __future__ import annotations

import random
from collections.abc import Mapping

from auditor.password import banned
from auditor.password.banned import BannedKind, banned_kinds
from auditor.password.derive import banned_word_lists
from auditor.password.fold import stems, unstripped
from auditor.policy import Policy


def _built_on(candidate: str, words: frozenset[str]) -> bool:
    # The rule as the module's docstring states it, one list at a time.
    if candidate in words:
        return True
    shortest = max(banned.MIN_WORD_LENGTH, int(len(candidate) * banned.MIN_SHARE + 0.999))
    return any(
        candidate[start:end] in words
        for start in range(min(banned.MAX_PREFIX, len(candidate)) + 1)
        for end in range(start + shortest, len(candidate) + 1)
    )


def list_by_list(
    password: str, lists: Mapping[BannedKind, frozenset[str]]
) -> frozenset[BannedKind]:
    if not password:
        return frozenset()
    candidates = [c for c in {*stems(password), unstripped(password)} if c]
    return frozenset(
        kind for kind, words in lists.items() if any(_built_on(c, words) for c in candidates)
    )


def passwords(lists: Mapping[BannedKind, frozenset[str]], count: int) -> list[str]:
    rng = random.Random(17)
    words = sorted(word for found in lists.values() for word in found)
    affixes = ["", "ma", "xx", "abcd", "2024", "!", "75", "@", "-"]
    made = []
    for _ in range(count):
        parts = [rng.choice(affixes), rng.choice(words), rng.choice(affixes)]
        if rng.random() < 0.3:
            parts.insert(2, rng.choice(words))
        text = "".join(parts)
        made.append(text.upper() if rng.random() < 0.2 else text.capitalize())
    return [*made, "", "a", "Ete", "marsupial-orange-velo-piano", "Xk9#pharmacie-et-plus"]


def test_the_merged_table_finds_what_each_list_finds(policy: Policy) -> None:
    lists = banned_word_lists(policy)
    for password in passwords(lists, 1500):
        assert banned_kinds(password, lists) == list_by_list(password, lists), password


def test_a_new_set_of_lists_is_not_answered_from_the_last_one(policy: Policy) -> None:
    lists = banned_word_lists(policy)
    assert BannedKind.POLICY not in banned_kinds("Lyon2024!", lists)
    assert banned_kinds("Lyon2024!", {**lists, BannedKind.POLICY: frozenset({"lyon"})}) == {
        BannedKind.POLICY
    }
    assert BannedKind.POLICY not in banned_kinds("Lyon2024!", lists)
