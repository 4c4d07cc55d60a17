"""Context words: what a password must not contain (practice, FINESS, people, portal names)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping

from auditor.i18n.phrase import Phrase, phrase
from auditor.models import Account
from auditor.policy import Portal
from auditor.text import fold, leet_variants, words

MIN_TOKEN_LENGTH = 4


class ContextKind(enum.Enum):
    """Where a context word comes from; findings name the kind, never the word."""

    PRACTICE_NAME = "practice name"
    FINESS = "FINESS number"
    USERNAME = "username"
    OWNER = "owner's name"
    EMAIL = "e-mail address"
    PORTAL = "portal name"

    @property
    def phrase(self) -> Phrase:
        """The kind in the reader's words (the value stays the English id)."""
        return phrase(f"context.{self.name.lower()}")


@functools.lru_cache(maxsize=1024)
def _portal_words(portal: Portal) -> frozenset[str]:
    # The same few portals come back for every account: fold their names once.
    names = (portal.id, portal.name, *(domain.split(".")[0] for domain in portal.domains))
    return frozenset(token for name in names for token in words(name, MIN_TOKEN_LENGTH))


def context_words(account: Account, portal: Portal) -> Mapping[ContextKind, frozenset[str]]:
    """The folded tokens of at least 4 characters an attacker would try for this account."""
    tokens: dict[ContextKind, set[str]] = {kind: set() for kind in ContextKind}
    tokens[ContextKind.PRACTICE_NAME] |= words(account.practice.name, MIN_TOKEN_LENGTH)
    tokens[ContextKind.FINESS].add(fold(account.practice.id))
    username = account.username
    tokens[ContextKind.USERNAME] |= words(username, MIN_TOKEN_LENGTH)
    if len(username) >= MIN_TOKEN_LENGTH:
        tokens[ContextKind.USERNAME].add(fold(username))
    tokens[ContextKind.OWNER] |= words(account.owner or "", MIN_TOKEN_LENGTH)
    if account.owner_email:
        local = account.owner_email.split("@", 1)[0]
        tokens[ContextKind.EMAIL] |= words(local, MIN_TOKEN_LENGTH)
        if len(local) >= MIN_TOKEN_LENGTH:
            tokens[ContextKind.EMAIL].add(fold(local))
    tokens[ContextKind.PORTAL] |= _portal_words(portal)
    return {kind: frozenset(found) for kind, found in tokens.items() if found}


def flat_words(context: Mapping[ContextKind, frozenset[str]]) -> list[str]:
    """All context tokens in a stable order, for zxcvbn's ``user_inputs``."""
    return sorted({token for tokens in context.values() for token in tokens})


def context_hits(
    password: str, context: Mapping[ContextKind, frozenset[str]]
) -> frozenset[ContextKind]:
    """The kinds of context word the password contains, after folding case, accents and leet.

    Called only from ``auditor.password.derive``. Tokens with digits (a FINESS, "2fa") are
    also looked for in the password folded without de-leeting, where digits stay
    digits.
    """
    plain = fold(password)
    variants = (plain, *leet_variants(password))
    return frozenset(
        kind
        for kind, tokens in context.items()
        if any(token in variant for token in tokens for variant in variants)
    )
