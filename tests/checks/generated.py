"""A generated group of a few thousand derived accounts, reproducible, for equivalence tests.

The accounts are made as ``derive`` leaves them (facts, no password), without scoring:
every rule has accounts to say something about (reused and similar passwords, shared and
generic logins, old, unknown and approximate change dates, incidents, expiry dates, weak
scores, context and banned words, breaches, conflicting vault entries, waivers).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import date, timedelta

from auditor.hibp import Clean, Pwned
from auditor.models import Account, CheckId, Origin, Practice, Role
from auditor.password.banned import BannedKind
from auditor.password.context import ContextKind
from auditor.password.derive import AuditedAccount, NotChecked, PasswordFacts, Strength
from auditor.policy import Policy, Waiver

AS_OF = date(2026, 11, 22)
_OWNERS = ("Claire Martin", "Bob Durand", " Claire Martin ", "comptoir", "Élodie Faure", "")
_LOGINS = ("jdupont", "JDupont", "pharma1", "accueil", "m.durand", "Léa", "lea", "admin")


def _key(rng: random.Random, pool: int) -> bytes:
    return hashlib.sha256(str(rng.randrange(pool)).encode()).digest()


def _facts(rng: random.Random) -> PasswordFacts | None:
    if rng.random() < 0.08:
        return None  # no password recorded
    empty = rng.random() < 0.02
    reuse = _key(rng, 900)  # about a third of the passwords protect several accounts
    breach = rng.choice((Clean(), Clean(), Pwned(rng.choice((1, 3, 250, 12_000))), NotChecked()))
    return PasswordFacts(
        empty=empty,
        strength=Strength(rng.randrange(5), rng.choice((28.0, 49.6, 50.2, 79.6, 80.4, 120.0))),
        breach=NotChecked() if empty else breach,
        context=frozenset(kind for kind in ContextKind if rng.random() < 0.06),
        reuse_key=reuse,
        recycled=rng.random() < 0.03,
        predictable_rotation=rng.random() < 0.03,
        banned=frozenset(kind for kind in BannedKind if rng.random() < 0.05),
        similar_key=_key(rng, 300) if rng.random() < 0.4 else None,
    )


def _account(
    rng: random.Random, practice: Practice, portals: tuple[str, ...], line: int
) -> Account:
    changed = None if rng.random() < 0.1 else AS_OF - timedelta(days=rng.randrange(2, 2400))
    return Account(
        practice=practice,
        portal=rng.choice(portals),
        username=rng.choice(_LOGINS) + ("" if rng.random() < 0.5 else str(rng.randrange(40))),
        owner=rng.choice(_OWNERS) or None,
        owner_email=None,
        role=Role.ADMIN if rng.random() < 0.15 else Role.USER,
        password_changed=changed,
        mfa=rng.choice((True, False, None)),
        origin=Origin("inventory.csv", line, entry=f"Portails/{line}" if line % 7 == 0 else None),
        changed_approximate=changed is not None and rng.random() < 0.1,
        expires=AS_OF + timedelta(days=rng.randrange(-30, 60)) if rng.random() < 0.05 else None,
    )


def generated_group(
    policy: Policy, accounts: int = 3000, seed: int = 17
) -> tuple[AuditedAccount, ...]:
    """``accounts`` derived accounts of about ``accounts / 40`` practices, some with copies."""
    rng = random.Random(seed)
    portals = tuple(portal.id for portal in policy.portals)
    practices = [
        Practice(f"{750000000 + 17 * number:09d}", f"Pharmacie {number}")
        for number in range(accounts // 40 + 1)
    ]
    made = []
    for line in range(2, accounts + 2):
        audited = AuditedAccount(_account(rng, rng.choice(practices), portals, line), _facts(rng))
        if audited.facts is not None and rng.random() < 0.02:
            # A vault entry of the same login holding another password.
            copy = AuditedAccount(
                replace(
                    audited.account, origin=Origin("vault.kdbx", None, entry=f"Archive/{line}")
                ),
                replace(audited.facts, reuse_key=_key(rng, 900)),
            )
            audited = replace(audited, conflicting=(copy,))
        made.append(audited)
    return tuple(made)


def waived_policy(policy: Policy) -> Policy:
    """The policy with waivers of several shapes, one of them expired."""
    waivers = (
        Waiver(
            "accepted", "DSI", AS_OF + timedelta(days=30), check=CheckId.NO_MFA, portal="almerys"
        ),
        Waiver("login", "DSI", AS_OF + timedelta(days=30), username="ACCUEIL"),
        Waiver("old", "DSI", AS_OF - timedelta(days=1), check=CheckId.WEAK),
    )
    return replace(policy, waivers=policy.waivers + waivers)
