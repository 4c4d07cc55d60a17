from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pytest

from auditor.checks import CheckContext, check_for, run_checks
from auditor.i18n import machine_english
from auditor.models import Account, CheckId, Finding, Practice, Role, Severity
from auditor.password.derive import derive
from auditor.policy import MfaSupport, Policy, load_policy

AS_OF = date(2026, 11, 22)


def said(finding: Finding) -> str:
    """The finding's reason as the JSON report writes it."""
    return machine_english().text(finding.message)


STRONG = "V7#qLm2!xR9@wTz4"


def findings(
    accounts: Sequence[Account], policy: Policy, breach: Any = None, check: CheckId | None = None
) -> list[Finding]:
    found = run_checks(derive(accounts, policy, breach), CheckContext(policy, AS_OF))
    return [f for f in found if check is None or f.check is check]


@pytest.mark.parametrize("check_id", list(CheckId))
def test_every_check_id_has_its_implementation(check_id: CheckId) -> None:
    assert check_for(check_id).id is check_id


def test_a_clean_account_has_no_findings(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    assert findings([make_account(password=STRONG)], policy, fake_breach()) == []


def test_breached(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> None:
    accounts = [
        make_account(username="a", password="soleil"),
        make_account(username="b", password=STRONG),
    ]
    (finding,) = findings(accounts, policy, fake_breach({"soleil": 1234}), CheckId.BREACHED)
    assert finding.account.username == "a"
    assert finding.severity is Severity.CRITICAL
    assert finding.due == AS_OF
    assert "1,234 times" in said(finding)


def test_breached_is_not_claimed_when_the_lookup_failed(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    assert (
        findings(
            [make_account(password="soleil")],
            policy,
            fake_breach(unknown=["soleil"]),
            CheckId.BREACHED,
        )
        == []
    )


def test_empty_password(make_account: Callable[..., Account], policy: Policy) -> None:
    accounts = [
        make_account(username="a", password=""),
        make_account(username="b", password=STRONG),
    ]
    (finding,) = findings(accounts, policy, check=CheckId.EMPTY_PASSWORD)
    assert finding.account.username == "a" and finding.severity is Severity.CRITICAL
    # an empty password is reported once as empty, not also as weak or reused
    assert findings(accounts, policy, check=CheckId.WEAK) == []


@pytest.mark.parametrize(
    ("changed", "fires"),
    [
        (date(2024, 2, 11), True),
        (None, True),
        (date(2024, 2, 12), False),
        (date(2025, 1, 1), False),
    ],
)
def test_incident_rotation(
    changed: date | None, fires: bool, make_account: Callable[..., Account], policy: Policy
) -> None:
    account = make_account(portal="viamedis", password_changed=changed, password=STRONG)
    found = findings([account], policy, check=CheckId.INCIDENT_ROTATION)
    assert bool(found) is fires
    if fires:
        assert found[0].severity is Severity.CRITICAL
        assert "2024-02-12" in said(found[0])
        assert ("unknown" in said(found[0])) is (changed is None)


def test_incident_rotation_only_on_the_incident_portal(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    account = make_account(portal="kalixia", password_changed=date(2020, 1, 1), password=STRONG)
    assert findings([account], policy, check=CheckId.INCIDENT_ROTATION) == []


def test_reused_names_the_other_accounts(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(portal="kalixia", username="a", password="Same-Pass-1234!"),
        make_account(portal="itelis", username="b", password="Same-Pass-1234!"),
        make_account(portal="itelis", username="c", password=STRONG),
    ]
    found = findings(accounts, policy, check=CheckId.REUSED)
    assert sorted(f.account.username for f in found) == ["a", "b"]
    by_user = {f.account.username: f for f in found}
    assert "itelis b" in said(by_user["a"])
    assert "kalixia a" in said(by_user["b"])
    assert all("Same-Pass" not in said(f) for f in found)


def test_one_login_listed_for_two_owners_is_not_reuse(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(username="shared", owner="A", password="Same-Pass-1234!"),
        make_account(username="shared", owner="B", password="Same-Pass-1234!"),
    ]
    assert findings(accounts, policy, check=CheckId.REUSED) == []


@pytest.mark.parametrize(
    ("password", "fires"),
    [
        ("azerty", True),
        ("Password2023!", True),
        ("Juillet2023!", True),
        ("kq8xw2mz", True),
        (STRONG, False),
        ("agrafe-cheval-lune-batterie-correcte", False),
    ],
)
def test_weak(
    password: str, fires: bool, make_account: Callable[..., Account], policy: Policy
) -> None:
    found = findings([make_account(password=password)], policy, check=CheckId.WEAK)
    assert bool(found) is fires
    if fires:
        assert password not in said(found[0])


def test_weak_uses_the_50_bit_rule_where_attempts_are_limited(
    make_account: Callable[..., Account], tmp_path: Any
) -> None:
    limited = tmp_path / "limited.toml"
    limited.write_text(
        '[[portal]]\nid = "kalixia"\nlimits_attempts = true\n\n[strength]\nmin_zxcvbn_score = 0\n'
    )
    account = make_account(password="Kq8#xW2m")  # 8 characters, four classes: 53 bits
    assert findings([account], load_policy(), check=CheckId.WEAK)
    assert findings([account], load_policy([limited]), check=CheckId.WEAK) == []


def test_contextual_names_the_kind_never_the_word(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    account = make_account(
        practice=Practice("750056780", "Pharmacie du Marché"), password="Qz!M4rch3#Wv9"
    )
    (finding,) = findings([account], policy, check=CheckId.CONTEXTUAL)
    assert "practice name" in said(finding)
    assert "arch" not in said(finding).lower()
    assert findings([make_account(password=STRONG)], policy, check=CheckId.CONTEXTUAL) == []


@pytest.mark.parametrize(
    ("role", "changed", "expected"),
    [
        (Role.ADMIN, date(2025, 11, 1), CheckId.ROTATION_OVERDUE),
        (Role.ADMIN, date(2025, 11, 30), CheckId.ROTATION_DUE),
        (Role.ADMIN, date(2025, 12, 10), None),
        (Role.USER, date(2015, 1, 1), None),
    ],
)
def test_rotation(
    role: Role,
    changed: date,
    expected: CheckId | None,
    make_account: Callable[..., Account],
    policy: Policy,
) -> None:
    account = make_account(role=role, password_changed=changed, password=STRONG)
    found = [
        f
        for f in findings([account], policy)
        if f.check in (CheckId.ROTATION_DUE, CheckId.ROTATION_OVERDUE)
    ]
    assert [f.check for f in found] == ([expected] if expected else [])
    if expected is CheckId.ROTATION_DUE:
        assert found[0].due == date(2026, 11, 30) and found[0].severity is Severity.LOW


def test_age_unknown(make_account: Callable[..., Account], policy: Policy) -> None:
    (finding,) = findings([make_account(password_changed=None)], policy, check=CheckId.AGE_UNKNOWN)
    assert finding.severity is Severity.MEDIUM
    assert finding.due == date(2026, 12, 22)
    assert findings([make_account()], policy, check=CheckId.AGE_UNKNOWN) == []


def test_no_mfa_only_where_offered_or_required(
    make_account: Callable[..., Account], tmp_path: Any
) -> None:
    account = make_account(portal="kalixia", mfa=False)
    assert load_policy().portal("kalixia").mfa is MfaSupport.UNKNOWN
    assert findings([account], load_policy(), check=CheckId.NO_MFA) == []
    offered = tmp_path / "offered.toml"
    offered.write_text('[[portal]]\nid = "kalixia"\nmfa = "offered"\n')
    assert findings([account], load_policy([offered]), check=CheckId.NO_MFA)
    required = tmp_path / "required.toml"
    required.write_text("[mfa]\nrequired = true\n")
    assert findings([account], load_policy([required]), check=CheckId.NO_MFA)
    assert findings([make_account(mfa=None)], load_policy([required]), check=CheckId.NO_MFA) == []


def test_shared_account_generic_owner_and_several_owners(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(username="front", owner="Équipe comptoir"),
        make_account(portal="itelis", username="duo", owner="Sophie Durand"),
        make_account(portal="itelis", username="DUO", owner="Marc Petit"),
        make_account(username="solo", owner="Claire Martin"),
    ]
    found = findings(accounts, policy, check=CheckId.SHARED_ACCOUNT)
    assert sorted((f.account.username, f.account.owner) for f in found) == [
        ("DUO", "Marc Petit"),
        ("duo", "Sophie Durand"),
        ("front", "Équipe comptoir"),
    ]
    by_owner = {f.account.owner: f for f in found}
    assert "Marc Petit" in said(by_owner["Sophie Durand"])


def test_an_owner_written_with_spaces_around_is_not_shared_with_themself(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    # A vault's field keeps the spaces typed around a name: " Bob " is Bob, one person.
    alone = [make_account(username="solo", owner=" Claire Martin ")]
    assert findings(alone, policy, check=CheckId.SHARED_ACCOUNT) == []
    twice = [
        make_account(username="solo", owner=" Claire Martin "),
        make_account(portal="itelis", username="solo", owner="Claire Martin"),
        make_account(username="solo", owner="Claire Martin"),
    ]
    assert findings(twice, policy, check=CheckId.SHARED_ACCOUNT) == []


def test_severity_override_from_policy(make_account: Callable[..., Account], tmp_path: Any) -> None:
    override = tmp_path / "sev.toml"
    override.write_text('[severity]\nage-unknown = "critical"\n')
    (finding,) = findings(
        [make_account(password_changed=None)], load_policy([override]), check=CheckId.AGE_UNKNOWN
    )
    assert finding.severity is Severity.CRITICAL and finding.due == AS_OF


def test_findings_come_in_a_stable_order(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(portal="viamedis", username="z", password="azerty", password_changed=None),
        make_account(portal="almerys", username="a", password="azerty", password_changed=None),
    ]
    first = findings(accounts, policy)
    assert first == findings(list(reversed(accounts)), policy)
    assert [f.account.portal for f in first][:1] == ["almerys"]


def with_history(
    make_account: Callable[..., Account], current: str, *old: str, **extra: Any
) -> Account:
    from auditor.password.secret import Secret

    return make_account(password=current, history=tuple(Secret(p) for p in old), **extra)


def test_recycled_and_predictable_rotation(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        with_history(make_account, "Officine2024!", "Officine2023!", username="rotates"),
        with_history(
            make_account, STRONG, STRONG + "x", STRONG, "Tk$7Lp0@e9qW", username="recycles"
        ),
        with_history(make_account, "Wn5%kRt8!bZq2@", "Officine2023!", username="fresh"),
    ]
    found = {(f.account.username, f.check) for f in findings(accounts, policy)}
    assert ("rotates", CheckId.PREDICTABLE_ROTATION) in found
    assert ("recycles", CheckId.RECYCLED) in found
    assert not {f for f in found if f[0] == "fresh"}
    assert ("rotates", CheckId.RECYCLED) not in found
    [finding] = findings(accounts[:1], policy, check=CheckId.PREDICTABLE_ROTATION)
    assert finding.severity is Severity.HIGH
    # A fixed example in the message could one day be someone's password: none is quoted.
    assert not any(word in said(finding) for word in ("Officine", "2023", "2024"))


def test_derive_drops_history_with_the_password(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    [audited] = derive([with_history(make_account, STRONG, "Officine2023!")], policy, None)
    assert audited.account.password is None
    assert audited.account.history == ()


def test_an_expiry_date_is_a_rotation_deadline(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(username="expired", password=STRONG, expires=date(2026, 11, 1)),
        make_account(username="soon", password=STRONG, expires=date(2026, 11, 30)),
        make_account(username="later", password=STRONG, expires=date(2027, 6, 1)),
        # An admin's policy deadline (365 days) comes before its expiry date.
        make_account(
            username="admin",
            role=Role.ADMIN,
            password=STRONG,
            password_changed=date(2025, 1, 1),
            expires=date(2027, 6, 1),
        ),
    ]
    found = findings(accounts, policy)
    overdue = {f.account.username: f for f in found if f.check is CheckId.ROTATION_OVERDUE}
    due = {f.account.username: f for f in found if f.check is CheckId.ROTATION_DUE}
    assert set(overdue) == {"expired", "admin"}
    assert "expired on 2026-11-01" in said(overdue["expired"])
    assert "every 365 days" in said(overdue["admin"])
    assert set(due) == {"soon"}
    assert due["soon"].due == date(2026, 11, 30)


def test_an_approximate_date_never_clears_an_incident(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    after = date(2025, 6, 1)  # after every incident's rotate_before date
    accounts = [
        make_account(username="exact", portal="viamedis", password=STRONG, password_changed=after),
        make_account(
            username="approx",
            portal="viamedis",
            password=STRONG,
            password_changed=after,
            changed_approximate=True,
        ),
    ]
    found = findings(accounts, policy, check=CheckId.INCIDENT_ROTATION)
    assert [f.account.username for f in found] == ["approx"]
    assert "no password change recorded in its history" in said(found[0])
