from __future__ import annotations

from collections.abc import Callable

import pytest

from auditor.models import Account, Practice
from auditor.password.context import ContextKind, context_hits, context_words
from auditor.policy import Policy


@pytest.fixture
def words_of(
    make_account: Callable[..., Account], policy: Policy
) -> dict[ContextKind, frozenset[str]]:
    account = make_account(
        practice=Practice("750056780", "Pharmacie du Marché"),
        portal="santeclair",
        username="claire.martin",
        owner="Claire Martin",
        owner_email="c.martin75@example.fr",
    )
    return dict(context_words(account, policy.portal("santeclair")))


@pytest.mark.parametrize(
    ("password", "kind"),
    [
        ("Marché2024!", ContextKind.PRACTICE_NAME),
        ("M@rch3-2024", ContextKind.PRACTICE_NAME),
        ("PH4RM4C1E!", ContextKind.PRACTICE_NAME),
        ("x750056780y", ContextKind.FINESS),
        ("claire.martin!", ContextKind.USERNAME),
        ("Cl41re#1990", ContextKind.OWNER),
        ("c.martin75", ContextKind.EMAIL),
        ("SanteClair2025", ContextKind.PORTAL),
    ],
)
def test_context_hit(
    password: str, kind: ContextKind, words_of: dict[ContextKind, frozenset[str]]
) -> None:
    assert kind in context_hits(password, words_of)


@pytest.mark.parametrize("password", ["V7#qLm2!xR9@wTz4", "du-la-le-2024", "Marc"])
def test_no_context_hit(password: str, words_of: dict[ContextKind, frozenset[str]]) -> None:
    assert context_hits(password, words_of) == frozenset()


def test_tokens_shorter_than_four_characters_are_ignored(
    words_of: dict[ContextKind, frozenset[str]],
) -> None:
    assert "du" not in words_of[ContextKind.PRACTICE_NAME]
