"""derive's facts, whatever its order of work, are those of its first, plainly sequential form."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from auditor.hibp import BreachSource
from auditor.models import Account, Origin, Practice, Role
from auditor.password import derive as derive_module
from auditor.password.banned import BannedKind
from auditor.password.context import ContextKind, _portal_words, folded_variants
from auditor.password.derive import (
    AuditedAccount,
    BreachStatus,
    NotChecked,
    PasswordFacts,
    Strength,
    banned_word_lists,
    derive,
    length_band,
    sha1_hex,
)
from auditor.password.fold import stems, unstripped
from auditor.password.previous import past_use
from auditor.password.secret import Secret
from auditor.password.strength import char_classes, entropy_bits, zxcvbn_score
from auditor.policy import Policy, Portal
from auditor.text import fold, words
from tests.conftest import FakeBreach

RUN_KEY = bytes(range(32))
"""A fixed run key, so that both derives' fingerprints can be compared."""
ACCOUNTS = 2_000
PASSWORDS = 600
"""Fewer passwords than accounts: most are shared, some by accounts of several practices."""

# The reference: derive and the helpers it called, copied as they were before the
# preparation was streamed and memoised (commit cdaf294), run in one thread.


def _reference_context_words(
    account: Account, portal: Portal
) -> Mapping[ContextKind, frozenset[str]]:
    found: dict[ContextKind, frozenset[str]] = {}
    practice = words(account.practice.name, 4)
    if practice:
        found[ContextKind.PRACTICE_NAME] = practice
    found[ContextKind.FINESS] = frozenset((fold(account.practice.id),))
    _reference_add_whole(found, ContextKind.USERNAME, account.username)
    owner = words(account.owner or "", 4)
    if owner:
        found[ContextKind.OWNER] = owner
    if account.owner_email:
        _reference_add_whole(found, ContextKind.EMAIL, account.owner_email.split("@", 1)[0])
    portal_words = _portal_words(portal)
    if portal_words:
        found[ContextKind.PORTAL] = portal_words
    return found


def _reference_add_whole(
    found: dict[ContextKind, frozenset[str]], kind: ContextKind, text: str
) -> None:
    tokens = words(text, 4)
    if len(text) >= 4:
        tokens = tokens | {fold(text)}
    if tokens:
        found[kind] = tokens


def _reference_flat_words(context: Mapping[ContextKind, frozenset[str]]) -> list[str]:
    return sorted({token for tokens in context.values() for token in tokens})


def _reference_context_hits(
    password: str, context: Mapping[ContextKind, frozenset[str]]
) -> frozenset[ContextKind]:
    variants = folded_variants(password)
    return frozenset(
        kind
        for kind, tokens in context.items()
        if any(token in variant for token in tokens for variant in variants)
    )


def _reference_holders(
    lists: Mapping[BannedKind, frozenset[str]],
) -> Mapping[str, set[BannedKind]]:
    holders: dict[str, set[BannedKind]] = {}
    for kind, listed in lists.items():
        for word in listed:
            holders.setdefault(word, set()).add(kind)
    return holders


def _reference_banned(
    password: str, holders: Mapping[str, set[BannedKind]]
) -> frozenset[BannedKind]:
    if not password:
        return frozenset()
    found: set[BannedKind] = set()
    for candidate in {*stems(password), unstripped(password)}:
        if not candidate:
            continue
        found |= holders.get(candidate, set())
        size = len(candidate)
        shortest = max(4, int(size * 0.5 + 0.999))
        for start in range(min(3, size) + 1):
            for length in range(shortest, size - start + 1):
                found |= holders.get(candidate[start : start + length], set())
    return frozenset(found)


def _reference_derive(
    accounts: Sequence[Account], policy: Policy, breach: BreachSource | None, run_key: bytes
) -> tuple[AuditedAccount, ...]:
    contexts = [_reference_context_words(a, policy.portal(a.portal)) for a in accounts]
    users: dict[str, list[int]] = {}
    for index, account in enumerate(accounts):
        if account.password is not None:
            users.setdefault(account.password.reveal(), []).append(index)
    digests = {
        password: sha1_hex(password)
        for password, indexes in users.items()
        if password and any(accounts[index].imitates is None for index in indexes)
    }
    lookups = breach.check(set(digests.values())) if breach is not None else {}
    holders = _reference_holders(banned_word_lists(policy))
    facts: dict[int, PasswordFacts] = {}
    for password, indexes in users.items():
        inputs = sorted(
            {word for index in indexes for word in _reference_flat_words(contexts[index])}
        )
        strength = Strength(
            zxcvbn_score(password, inputs), entropy_bits(len(password), char_classes(password))
        )
        status: BreachStatus = NotChecked()
        if breach is not None and password in digests:
            status = lookups[digests[password]]
        for index in indexes:
            earlier = [old.reveal() for old in accounts[index].history]
            past = past_use(password, earlier)
            facts[index] = PasswordFacts(
                empty=not password,
                strength=strength,
                breach=status,
                context=_reference_context_hits(password, contexts[index]),
                reuse_key=derive_module._Keyed(run_key).reuse(password),
                recycled=past.recycled,
                predictable_rotation=past.predictable,
                length_band=length_band(len(password)),
                banned=_reference_banned(password, holders),
                similar_key=derive_module._Keyed(run_key).similar(password),
                earlier_keys=frozenset(derive_module._Keyed(run_key).reuse(old) for old in earlier),
            )
    return tuple(
        AuditedAccount(replace(account, password=None, history=()), facts.get(index))
        for index, account in enumerate(accounts)
    )


def _passwords(rng: random.Random, practices: Sequence[Practice]) -> list[str]:
    """Passwords of every shape the facts tell apart, each short enough to score fast."""
    stock = [
        *("soleil", "Pharmacie2024!", "ph4rm@c1e", "Santeclair25", "azerty123", "Optique#7"),
        *("Claire.Martin75", "x750000003y", "c.martin3!", "comptoir2024", "Lumi3re!"),
    ]
    stock += [f"x75000000{digit}y" for digit in range(10)]
    found = ["", *stock * 8]  # chosen more often, so that each meets its context
    while len(found) < PASSWORDS:
        shape = rng.randrange(6)
        digits = str(rng.randrange(100, 10_000))
        if shape == 0:  # the practice's name, leeted or not
            name = rng.choice(practices).name.split()[-1]
            found.append(rng.choice((name, name.replace("a", "4"))) + digits)
        elif shape == 1:  # a login or an owner's name
            found.append(f"user{rng.randrange(ACCOUNTS):05d}{rng.choice('!?#')}")
        elif shape == 2:  # a portal or a trade word
            word = rng.choice(("viamedis", "almerys", "Kalixia", "lunettes", "officine", "été"))
            found.append(word.capitalize() + digits + rng.choice(("", "!", "1")))
        else:  # random, with or without a leet "1"
            letters = "".join(rng.choices("abcdefghijkLMNOPQ0123456789#@$", k=rng.randrange(8, 13)))
            found.append(letters)
    return found


def _inventory(policy: Policy) -> list[Account]:
    rng = random.Random(1717)
    practices = [
        Practice(f"75{index:07d}", rng.choice(("Pharmacie ", "Optique ", "")) + name)
        for index, name in enumerate(
            ["du Marché", "Centrale", "Lumière", "des Écoles", "Saint-Éloi"] * 8
        )
    ]
    passwords = _passwords(rng, practices)
    portals = [portal.id for portal in policy.portals]
    accounts = []
    for index in range(ACCOUNTS):
        practice = rng.choice(practices)
        current = rng.choice(passwords) if rng.random() < 0.95 else None
        history: tuple[Secret, ...] = ()
        if current and rng.random() < 0.3:  # recycled, rotated, or only older ones
            older = [rng.choice(passwords), current[:-1] + "9", current, current]
            history = tuple(Secret(old) for old in rng.sample(older, rng.randrange(1, 4)))
        owner = rng.choice((f"Personne {index:05d}", "Claire Martin", "comptoir", None))
        accounts.append(
            Account(
                practice=practice,
                portal=rng.choice(portals),
                username=rng.choice((f"user{index:05d}", "comptoir", "c.martin")),
                owner=owner,
                owner_email=rng.choice((None, f"c.martin{index % 7}@example.fr")),
                role=Role.USER,
                password_changed=date(2025, 1, 1),
                mfa=None,
                origin=Origin("inventory.csv", index + 2),
                password=Secret(current) if current is not None else None,
                history=history,
                imitates=rng.choice(portals) if rng.random() < 0.02 else None,
            )
        )
    return accounts


COUNTS = {"soleil": 12, "azerty123": 900, "Pharmacie2024!": 3}


@pytest.fixture(scope="module")
def inventory(policy: Policy) -> list[Account]:
    return _inventory(policy)


@pytest.fixture(scope="module")
def expected(policy: Policy, inventory: list[Account]) -> tuple[AuditedAccount, ...]:
    return _reference_derive(inventory, policy, FakeBreach(COUNTS), RUN_KEY)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_facts_are_those_of_the_sequential_reference(
    policy: Policy,
    fake_breach: Callable[..., Any],
    inventory: list[Account],
    expected: tuple[AuditedAccount, ...],
    jobs: int,
) -> None:
    got = derive(inventory, policy, fake_breach(COUNTS), jobs=jobs, run_key=RUN_KEY)
    assert len(got) == len(expected)
    differ = [index for index, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b]
    assert not differ, f"{len(differ)} accounts differ, the first at index {differ[0]}"
    # Accounts compare without their secrets: that they are gone is checked apart.
    assert all(a.account.password is None and a.account.history == () for a in got)
    # The generated inventory reaches every fact, so that the comparison means something.
    facts = [a.facts for a in expected if a.facts is not None]
    assert {kind for f in facts for kind in f.context} == set(ContextKind)
    assert any(f.recycled for f in facts) and any(f.predictable_rotation for f in facts)
    assert any(f.banned for f in facts) and any(f.similar_key for f in facts)
    assert len({f.strength.zxcvbn_score for f in facts}) == 5
    assert len({type(f.breach) for f in facts}) >= 3
