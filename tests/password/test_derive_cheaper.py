"""derive's cheaper ways give what its plainer ones gave: the same accounts and fingerprints."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.models import Account, Origin, Practice, Role
from auditor.password import derive as derive_module
from auditor.password.context import ContextKind
from auditor.password.fold import similarity_stem
from auditor.password.secret import Secret
from auditor.policy import Policy
from tests.conftest import sha1

_text = st.text(max_size=30)
_maybe = st.none() | _text
_accounts = st.builds(
    Account,
    practice=st.builds(Practice, _text, _text),
    portal=_text,
    username=_text,
    owner=_maybe,
    owner_email=_maybe,
    role=st.sampled_from(Role),
    password_changed=st.none() | st.dates(date(2000, 1, 1), date(2030, 1, 1)),
    mfa=st.none() | st.booleans(),
    origin=st.builds(Origin, _text, st.none() | st.integers(1, 10**6), _maybe),
    url=_maybe,
    password=st.none() | st.builds(Secret, _text),
    changed_approximate=st.booleans(),
    expires=st.none() | st.dates(date(2000, 1, 1), date(2030, 1, 1)),
    history=st.lists(st.builds(Secret, _text), max_size=3).map(tuple),
    practice_contact_email=_maybe,
    imitates=_maybe,
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(_accounts)
def test_an_account_without_secrets_is_the_account_less_its_password(account: Account) -> None:
    plain = replace(account, password=None, history=())
    made = derive_module._without_secrets(account)
    assert made == plain
    assert (made.password, made.history) == (None, ())
    names = [each.name for each in fields(Account)]  # every field, those left out of == too
    assert [getattr(made, name) for name in names] == [getattr(plain, name) for name in names]


_keys = st.binary(max_size=100)
"""Run keys are 32 bytes; longer than SHA-256's block (64), HMAC hashes the key first."""


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(_keys, st.text(max_size=80))
def test_fingerprints_are_hmac_sha256_under_the_run_key(run_key: bytes, password: str) -> None:
    reuse = hmac.new(run_key, password.encode("utf-8"), hashlib.sha256).digest()
    assert derive_module._Keyed(run_key).reuse(password) == reuse
    stem = similarity_stem(password)
    similar = (
        None
        if stem is None
        else hmac.new(
            run_key, b"similar-password\x00" + stem.encode("utf-8"), hashlib.sha256
        ).digest()
    )
    assert derive_module._Keyed(run_key).similar(password) == similar


def test_accounts_with_the_same_password_and_facts_share_one_record(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(username=f"user{index}", owner=None, password="Soleil!2024")
        for index in range(3)
    ] + [make_account(username="soleil", owner=None, password="Soleil!2024")]
    first, second, third, contextual = derive_module.derive(accounts, policy, None)
    assert first.facts is not None and contextual.facts is not None
    assert first.facts is second.facts is third.facts  # one record, not one per account
    assert contextual.facts != first.facts  # its login is in the password
    assert contextual.facts.context == {ContextKind.USERNAME}


def test_the_facts_found_before_the_score_are_the_last_fields_of_the_facts() -> None:
    names = [item.name for item in fields(derive_module.PasswordFacts)]
    assert names[:3] == ["empty", "strength", "breach"]
    assert tuple(names[3:]) == derive_module._UNSCORED_FIELDS


def test_only_passwords_of_a_portal_s_own_site_are_looked_up(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    breach = fake_breach({})
    accounts = [
        make_account(username="a", password="Lookalike!1", imitates="viamedis"),
        make_account(username="b", password="Shared!22", imitates="viamedis"),
        make_account(username="c", password="Shared!22"),
        make_account(username="d", password="Plain!333"),
    ]
    derive_module.derive(accounts, policy, breach)
    assert breach.asked == [sorted(sha1(p) for p in ("Shared!22", "Plain!333"))]
