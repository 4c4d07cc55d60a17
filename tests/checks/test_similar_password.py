"""similar-password: two accounts' passwords that are the same once folded, but not equal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.models import Account, CheckId, Severity
from auditor.password.derive import derive
from auditor.policy import Policy
from tests.checks.test_checks import STRONG, findings, said
from tests.checks.waiving import audit_with_waiver


def test_passwords_alike_once_folded_are_similar(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(username="one", portal="viamedis", password="Zéphyrine2024!"),
        make_account(username="two", portal="almerys", password="zephyr1ne2025?"),
        make_account(username="three", portal="itelis", password="ZEPHYRINE#"),
        make_account(username="apart", portal="kalixia", password=STRONG),
    ]
    found = findings(accounts, policy, check=CheckId.SIMILAR_PASSWORD)
    by_user = {f.account.username: f for f in found}
    assert set(by_user) == {"one", "two", "three"}
    assert by_user["one"].severity is Severity.HIGH
    text = said(by_user["one"])
    assert "2 other accounts" in text
    assert "almerys two" in text and "itelis three" in text
    # Nothing of the passwords: not the word they share, not the digits.
    assert "zephyr" not in text.casefold()
    assert "2024" not in text and "2025" not in text


def test_exact_reuse_stays_reused_only(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(username="one", portal="viamedis", password="Zéphyrine2024!"),
        make_account(username="two", portal="almerys", password="Zéphyrine2024!"),
        make_account(username="three", portal="itelis", password="zephyrine7"),
    ]
    found = findings(accounts, policy)
    reused = {f.account.username for f in found if f.check is CheckId.REUSED}
    similar = {f.account.username: f for f in found if f.check is CheckId.SIMILAR_PASSWORD}
    assert reused == {"one", "two"}
    assert set(similar) == {"one", "two", "three"}
    # "one" is told of "three" only: "two" is the same password, said by `reused`.
    assert "1 other account only" in said(similar["one"])
    assert "almerys two" not in said(similar["one"])
    assert "2 other accounts" in said(similar["three"])


def test_short_stems_and_one_login_are_not_similar(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        # Nothing but digits, or a stem too short to say anything.
        make_account(username="digits", portal="viamedis", password="123456"),
        make_account(username="digits2", portal="almerys", password="654321"),
        make_account(username="short", portal="itelis", password="ab12!"),
        make_account(username="short2", portal="kalixia", password="AB99?"),
    ]
    assert findings(accounts, policy, check=CheckId.SIMILAR_PASSWORD) == []


def test_the_fingerprint_is_keyed_per_run(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [make_account(password="Zéphyrine2024!"), make_account(password="zephyrine1")]
    first = derive(accounts, policy, None)
    again = derive(accounts, policy, None)
    keys = [audited.facts.similar_key for audited in first if audited.facts]
    assert keys[0] is not None and keys[0] == keys[1]
    assert again[0].facts is not None and again[0].facts.similar_key != keys[0]
    assert keys[0] != first[0].facts.reuse_key  # type: ignore[union-attr]
    assert "similar_key" not in repr(first[0].facts)


def test_many_variants_name_a_few_and_count_the_rest(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(username=f"user{n}", portal="viamedis", password=f"Zephyrine{n}!")
        for n in range(40)
    ]
    found = findings(accounts, policy, check=CheckId.SIMILAR_PASSWORD)
    assert len(found) == 40
    text = said(found[0])
    assert "39 other accounts" in text
    assert "and 34 more" in text


def test_a_waiver_of_similar_password(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any
) -> None:
    accounts = (
        make_account(portal="viamedis", username="one", password="Zéphyrine2024!"),
        make_account(portal="almerys", username="two", password="zephyrine2025?"),
    )
    report = audit_with_waiver(
        tmp_path, fake_breach, accounts, check=CheckId.SIMILAR_PASSWORD, scope='username = "one"'
    )
    (waived,) = [w for w in report.waived if w.finding.check is CheckId.SIMILAR_PASSWORD]
    assert waived.finding.account.username == "one"
    open_ = {f.account.username for f in report.findings if f.check is CheckId.SIMILAR_PASSWORD}
    assert open_ == {"two"}
