"""Context words: what a password must not contain (practice, FINESS, people, portal names)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping

from auditor.i18n.phrase import Phrase, phrase
from auditor.models import Account, Practice
from auditor.policy import Portal
from auditor.text import fold, folded_words, leet_variants, words

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


@functools.lru_cache(maxsize=8192)
def _name_words(name: str) -> frozenset[str]:
    # A practice's name comes back for each of its portals: folded once (a group has
    # thousands of practices at most; a larger one folds some twice).
    return words(name, MIN_TOKEN_LENGTH)


def shared_words(practice: Practice, portal: Portal) -> dict[ContextKind, frozenset[str]]:
    """The context words every account of ``practice`` on ``portal`` has (name, FINESS, portal).

    derive makes them once for each practice and portal of an audit, not once per account.
    """
    found: dict[ContextKind, frozenset[str]] = {}
    practice_words = _name_words(practice.name)
    if practice_words:
        found[ContextKind.PRACTICE_NAME] = practice_words
    found[ContextKind.FINESS] = frozenset((fold(practice.id),))
    portal_words = _portal_words(portal)
    if portal_words:
        found[ContextKind.PORTAL] = portal_words
    return found


def context_words(
    account: Account,
    portal: Portal,
    shared: Mapping[ContextKind, frozenset[str]] | None = None,
) -> Mapping[ContextKind, frozenset[str]]:
    """The folded tokens of at least 4 characters an attacker would try for this account.

    ``shared`` are the ``shared_words`` of its practice and portal, when made already.
    No kind is empty; the kinds come in no particular order.
    """
    found = dict(shared_words(account.practice, portal) if shared is None else shared)
    _add_whole(found, ContextKind.USERNAME, account.username)
    owner = words(account.owner or "", MIN_TOKEN_LENGTH)
    if owner:
        found[ContextKind.OWNER] = owner
    if account.owner_email:
        _add_whole(found, ContextKind.EMAIL, account.owner_email.split("@", 1)[0])
    return found


def _add_whole(found: dict[ContextKind, frozenset[str]], kind: ContextKind, text: str) -> None:
    """The words of ``text`` and, when long enough, ``text`` itself folded (a login)."""
    whole = fold(text)  # once, for its words and for itself
    tokens = folded_words(whole, MIN_TOKEN_LENGTH)
    if len(text) >= MIN_TOKEN_LENGTH and whole not in tokens:
        tokens = tokens | {whole}  # a login of one word is one token already
    if tokens:
        found[kind] = tokens


def folded_variants(password: str) -> tuple[str, ...]:
    """The password folded, then de-leeted each way: the forms context words are looked for in.

    Called only from ``auditor.password.derive``; computed once for a password that
    several accounts share.
    """
    return (fold(password), *leet_variants(password))


def context_hits(
    password: str,
    context: Mapping[ContextKind, frozenset[str]],
    variants: tuple[str, ...] | None = None,
) -> frozenset[ContextKind]:
    """The kinds of context word the password contains, after folding case, accents and leet.

    Called only from ``auditor.password.derive``. Tokens with digits (a FINESS, "2fa") are
    also looked for in the password folded without de-leeting, where digits stay
    digits. ``variants`` are the password's ``folded_variants`` when known already.
    """
    if variants is None:
        variants = folded_variants(password)
    # Plain loops, no generator: this runs once per account of the largest audits,
    # over a few short tokens, and a generator's frames cost more than the tests.
    found = []
    for kind, tokens in context.items():
        for token in tokens:
            for variant in variants:
                if token in variant:
                    break
            else:
                continue
            found.append(kind)
            break
    return frozenset(found)
