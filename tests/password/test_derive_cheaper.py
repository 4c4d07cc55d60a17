"""derive's cheaper ways give what its plainer ones gave: the same accounts and fingerprints."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.models import Account, Origin, Practice, Role
from auditor.password import derive as derive_module
from auditor.password.fold import similarity_stem
from auditor.password.secret import Secret

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
    assert [getattr(made, name) for name in vars(plain)] == list(vars(plain).values())


_keys = st.binary(max_size=100)
"""Run keys are 32 bytes; longer than SHA-256's block (64), HMAC hashes the key first."""


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(_keys, st.text(max_size=80))
def test_fingerprints_are_hmac_sha256_under_the_run_key(run_key: bytes, password: str) -> None:
    reuse = hmac.new(run_key, password.encode("utf-8"), hashlib.sha256).digest()
    assert derive_module._reuse_key(run_key, password) == reuse
    stem = similarity_stem(password)
    similar = (
        None
        if stem is None
        else hmac.new(
            run_key, b"similar-password\x00" + stem.encode("utf-8"), hashlib.sha256
        ).digest()
    )
    assert derive_module._similar_key(run_key, password) == similar
