"""Many accounts sharing one password or one login: findings name a few others, in linear time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import pytest

import auditor.text
from auditor.checks import CheckContext, accounts, check_for
from auditor.checks.accounts import _MAX_NAMED
from auditor.i18n.phrase import Series
from auditor.models import Account, AccountRef, CheckId, Finding, Practice
from auditor.password.derive import AuditedAccount, NotChecked, PasswordFacts, Strength
from auditor.policy import Policy
from auditor.text import fold

AS_OF = date(2026, 11, 22)
MANY = 3_000


def _facts(key: bytes) -> PasswordFacts:
    # Built directly (not through derive) so that the test measures the check alone.
    return PasswordFacts(
        empty=False,
        strength=Strength(4, 100.0),
        breach=NotChecked(),
        context=frozenset(),
        reuse_key=key,
    )


def _others(finding: Finding, name: str) -> Series:
    """The Series of names a finding's phrase lists, wherever it nests."""
    value = finding.message.arg(name)
    assert isinstance(value, Series)
    return value


def test_three_thousand_accounts_sharing_one_password_each_name_a_few_others(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    audited = [
        AuditedAccount(
            make_account(portal="kalixia", username=f"user{index:05d}", owner=None),
            _facts(b"same"),
        )
        for index in range(MANY)
    ]
    found = list(check_for(CheckId.REUSED).run(audited, CheckContext(policy, AS_OF)))
    assert len(found) == MANY
    for finding in found:
        others = _others(finding, "others")
        assert finding.message.arg("n") == MANY - 1
        assert len(others.items) == _MAX_NAMED
        assert others.more == MANY - 1 - _MAX_NAMED
        assert str(finding.account) not in others.items
    first = next(f for f in found if f.account.username == "user00000")
    assert _others(first, "others").items == tuple(
        f"750056780 kalixia user{index:05d}" for index in range(1, _MAX_NAMED + 1)
    )


def test_one_login_with_many_owners_names_others_but_never_its_own_login(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    # One login listed for many owners is one identity: it names only the other login.
    audited = [
        AuditedAccount(make_account(username="front", owner=f"Owner {i:04d}"), _facts(b"k"))
        for i in range(MANY)
    ]
    audited.append(AuditedAccount(make_account(username="back", owner=None), _facts(b"k")))
    found = list(check_for(CheckId.REUSED).run(audited, CheckContext(policy, AS_OF)))
    assert len(found) == MANY + 1
    front = next(f for f in found if f.account.username == "front")
    assert _others(front, "others") == Series(("750056780 kalixia back",))
    assert front.message.arg("n") == 1
    back = next(f for f in found if f.account.username == "back")
    assert back.message.arg("n") == MANY
    assert _others(back, "others").more == MANY - _MAX_NAMED


def test_one_login_shared_by_three_thousand_owners_names_a_few_of_them(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    audited = [
        AuditedAccount(make_account(username="front", owner=f"Owner {i:04d}"), None)
        for i in range(MANY)
    ]
    found = list(check_for(CheckId.SHARED_ACCOUNT).run(audited, CheckContext(policy, AS_OF)))
    assert len(found) == MANY
    for finding in found:
        (reason,) = _others(finding, "reasons").items
        names = reason.arg("others")  # type: ignore[union-attr]
        assert isinstance(names, Series)
        assert len(names.items) == _MAX_NAMED
        assert names.more == MANY - 1 - _MAX_NAMED
        assert finding.account.owner not in names.items


def test_reuse_across_practices_keeps_sorted_names(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    other_practice = Practice("130001234", "Pharmacie du Port")
    audited = [
        AuditedAccount(make_account(username="b"), _facts(b"k")),
        AuditedAccount(make_account(username="a", practice=other_practice), _facts(b"k")),
        AuditedAccount(make_account(username="c", portal="itelis"), _facts(b"k")),
    ]
    found = {
        f.account.username: f
        for f in check_for(CheckId.REUSED).run(audited, CheckContext(policy, AS_OF))
    }
    assert _others(found["b"], "others").items == (
        "130001234 kalixia a (Jeanne Doe)",
        "750056780 itelis c (Jeanne Doe)",
    )
    assert _others(found["a"], "others").more == 0


# The cost itself is measured in benchmarks/reuse.py; these tests bound the work
# deterministically (how often each account is named or each name sorted), so a
# return of the quadratic pattern fails here whatever the machine's speed.


def test_the_reuse_check_names_and_folds_each_account_a_bounded_number_of_times(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    audited = [
        AuditedAccount(make_account(username=f"user{index:05d}", owner=None), _facts(b"same"))
        for index in range(MANY)
    ]
    calls = {"str": 0, "fold": 0}
    named = AccountRef.__str__

    def counting_str(ref: AccountRef) -> str:
        calls["str"] += 1
        return named(ref)

    def counting_fold(text: str) -> str:
        calls["fold"] += 1
        return fold(text)

    monkeypatch.setattr(AccountRef, "__str__", counting_str)
    # Logins are folded by the context, once per login for every check (CheckContext).
    monkeypatch.setattr(auditor.text, "fold", counting_fold)
    found = list(check_for(CheckId.REUSED).run(audited, CheckContext(policy, AS_OF)))
    assert len(found) == MANY
    assert calls["str"] <= 2 * MANY, calls
    assert calls["fold"] <= 2 * MANY, calls


def test_the_shared_account_check_sorts_each_login_s_owners_once(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    audited = [
        AuditedAccount(make_account(username="front", owner=f"Owner {i:04d}"), None)
        for i in range(MANY)
    ]
    sorted_items = 0

    def counting_sorted(items: Iterable[Any], **kwargs: Any) -> list[Any]:
        nonlocal sorted_items
        result = sorted(items, **kwargs)
        sorted_items += len(result)
        return result

    monkeypatch.setattr(accounts, "sorted", counting_sorted, raising=False)
    found = list(check_for(CheckId.SHARED_ACCOUNT).run(audited, CheckContext(policy, AS_OF)))
    assert len(found) == MANY
    assert sorted_items <= 2 * MANY
