"""Each account against CNIL 2022-100, NIST SP 800-63B-4, ANSSI and the audit's policy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.i18n import machine_english
from auditor.models import Account, Role
from auditor.password.derive import LengthBand, length_band
from auditor.policy import Policy
from auditor.policy.errors import PolicyError
from auditor.policy.standards import Measure, load_standards, parse_standards
from auditor.report import BreachMode, Report
from auditor.report.standards import (
    Met,
    NotApplicable,
    NotMet,
    Outcome,
    Unknown,
    standings,
)

AS_OF = date(2026, 11, 22)
STRONG = "V7#qLm2!xR9@wTz4"  # 16 characters of four kinds: every rule's "met" side
MEDIUM = "Vq7#Lm2!xR"  # 10 characters: NIST's multi-factor band, below CNIL's 80 bits
SHORT = "Vq7#Lm"


def _report(
    accounts: Sequence[Account], policy: Policy, breach: Any = None, **kwargs: Any
) -> Report:
    mode = BreachMode.OFFLINE if breach is not None else BreachMode.SKIPPED
    inventory = Inventory(tuple(accounts), (), ("inventory.csv",))
    return run_audit(inventory, policy, AS_OF, breach, breach_mode=mode, **kwargs)


def outcomes(report: Report, username: str) -> dict[str, Outcome]:
    """Rule id → the outcome for the account with this login."""
    (practice,) = report.practices
    found = {}
    for reference in standings(practice, report.standards, load_standards()):
        for account in reference.accounts:
            if account.audited.account.username == username:
                found |= {result.rule.id: result.outcome for result in account.results}
    return found


def said(outcome: Outcome) -> str:
    return machine_english().text(outcome.reason)


@pytest.fixture
def audit(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> Callable[..., dict[str, Outcome]]:
    """Audit one account (``make_account``'s keywords) with a breach table; its outcomes."""

    def run(breached: dict[str, int] | None = None, **account: Any) -> dict[str, Outcome]:
        report = _report([make_account(**account)], policy, fake_breach(breached or {}))
        return outcomes(report, account.get("username", "jdoe"))

    return run


def test_a_strong_unique_password_with_mfa_meets_every_reference(audit: Any) -> None:
    found = audit(password=STRONG)
    assert {rule: type(o) for rule, o in found.items()} == {
        "cnil-entropy": Met,
        "cnil-privileged-renewal": NotApplicable,
        "cnil-change-on-compromise": Met,
        "nist-length": Met,
        "nist-blocklist": Met,
        "nist-no-composition": Met,
        "nist-change-on-compromise": Met,
        "anssi-mfa": Met,
        "anssi-distinct-passwords": Met,
        "anssi-privileged-renewal": NotApplicable,
        "policy-findings": Met,
    }
    assert said(found["cnil-entropy"]) == (
        "at least 80 bits (case 1: a password alone, the portal is not known to restrict attempts)"
    )
    assert "zxcvbn" in said(found["nist-no-composition"])


def test_cnil_case_2_applies_where_the_portal_restricts_attempts(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    limited = replace(
        policy,
        portals=tuple(
            replace(p, limits_attempts=True) if p.id == "kalixia" else p for p in policy.portals
        ),
    )
    report = _report([make_account(password=MEDIUM)], limited, fake_breach())
    entropy = outcomes(report, "jdoe")["cnil-entropy"]
    assert isinstance(entropy, Met)
    assert said(entropy).startswith("at least 50 bits (case 2: the portal restricts access")
    # The same password, where the portal does not restrict attempts: case 1, not met.
    plain = _report([make_account(password=MEDIUM)], policy, fake_breach())
    entropy = outcomes(plain, "jdoe")["cnil-entropy"]
    assert isinstance(entropy, NotMet)
    assert said(entropy).startswith("below 80 bits (case 1")


@pytest.mark.parametrize(
    ("password", "mfa", "expected", "words"),
    [
        (STRONG, False, Met, "long enough to be used alone"),
        (MEDIUM, True, Met, "long enough with a second factor, which is on"),
        (MEDIUM, False, NotMet, "two-factor authentication is off"),
        (MEDIUM, None, Unknown, "does not say whether it is on"),
        (SHORT, True, NotMet, "shorter than NIST allows even with a second factor"),
    ],
)
def test_nist_length_by_factor(
    audit: Any, password: str, mfa: bool | None, expected: type, words: str
) -> None:
    outcome = audit(password=password, mfa=mfa)["nist-length"]
    assert isinstance(outcome, expected)
    assert words in said(outcome)
    # The rule, never the password's length.
    assert str(len(password)) not in said(outcome)


def test_length_bands_follow_the_standards_file() -> None:
    limits = load_standards()
    assert (limits.min_length_single, limits.min_length_multi) == (15, 8)
    assert length_band(15) is LengthBand.SINGLE
    assert length_band(14) is LengthBand.MULTI_ONLY
    assert length_band(8) is LengthBand.MULTI_ONLY
    assert length_band(7) is LengthBand.BELOW_MULTI


def test_blocklist_and_change_on_compromise(audit: Any) -> None:
    breached = audit({"soleil2024": 42}, password="soleil2024")
    assert isinstance(breached["nist-blocklist"], NotMet)
    assert said(breached["nist-blocklist"]) == "seen 42 times in breaches"
    for rule in ("nist-change-on-compromise", "cnil-change-on-compromise"):
        assert isinstance(breached[rule], NotMet)
        assert "known breaches and has not been changed" in said(breached[rule])
    contextual = audit(password="Kx9!jdoeQ#2vL7@wR", username="jdoe")
    assert isinstance(contextual["nist-blocklist"], NotMet)
    assert "a word of its context" in said(contextual["nist-blocklist"])


def test_an_incident_on_the_portal_is_evidence_of_compromise(audit: Any) -> None:
    found = audit(password=STRONG, portal="viamedis", password_changed=date(2023, 1, 5))
    assert isinstance(found["nist-change-on-compromise"], NotMet)
    assert "predates an incident" in said(found["nist-change-on-compromise"])


def test_no_password_recorded_is_unknown_never_met(audit: Any) -> None:
    found = audit(password=None)
    for rule in (
        "cnil-entropy",
        "cnil-change-on-compromise",
        "nist-length",
        "nist-blocklist",
        "nist-change-on-compromise",
        "anssi-distinct-passwords",
        "policy-findings",
    ):
        assert isinstance(found[rule], Unknown), rule
        assert said(found[rule]) == "password not recorded"


def test_a_failed_or_skipped_lookup_is_unknown_for_the_rules_that_need_it(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    failed = outcomes(
        _report([make_account(password=STRONG)], policy, fake_breach(unknown=[STRONG])), "jdoe"
    )
    skipped = outcomes(_report([make_account(password=STRONG)], policy), "jdoe")
    for found, words in ((failed, "the breach lookup failed"), (skipped, "--no-breach-check")):
        for rule in ("nist-blocklist", "nist-change-on-compromise", "policy-findings"):
            assert isinstance(found[rule], Unknown), rule
            assert words in said(found[rule])
        # What needs no lookup is still known.
        assert isinstance(found["nist-length"], Met)
        assert isinstance(found["cnil-entropy"], Met)


def test_privileged_renewal_and_mfa_for_administrators(audit: Any) -> None:
    overdue = audit(password=STRONG, role=Role.ADMIN, password_changed=date(2024, 1, 1))
    recent = audit(password=STRONG, role=Role.ADMIN, password_changed=date(2026, 10, 1))
    unknown_age = audit(password=STRONG, role=Role.ADMIN, password_changed=None)
    for rule in ("anssi-privileged-renewal", "cnil-privileged-renewal"):
        assert isinstance(overdue[rule], NotMet)
        assert said(recent[rule]) == "changed within the policy's 365 days"
        assert isinstance(recent[rule], Met)
        assert isinstance(unknown_age[rule], Unknown)
    no_mfa = audit(password=STRONG, mfa=False)["anssi-mfa"]
    assert isinstance(no_mfa, NotMet)
    assert "not known to offer it" in said(no_mfa)
    assert isinstance(audit(password=STRONG, mfa=None)["anssi-mfa"], Unknown)


def test_reuse_and_the_practices_own_policy(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    report = _report(
        [
            make_account(username="a", password=STRONG),
            make_account(username="b", portal="almerys", password=STRONG),
        ],
        policy,
        fake_breach(),
    )
    found = outcomes(report, "a")
    assert isinstance(found["anssi-distinct-passwords"], NotMet)
    assert isinstance(found["policy-findings"], NotMet)
    assert said(found["policy-findings"]) == "open findings: reused"


def test_a_renewal_coming_up_is_not_a_breach_of_the_policy(audit: Any) -> None:
    # 365 days from 2025-11-30 is within the 14-day reminder window of 2026-11-22.
    found = audit(password=STRONG, role=Role.ADMIN, password_changed=date(2025, 11, 30))
    assert isinstance(found["policy-findings"], Met)


def test_a_report_without_the_policy_basis_says_unknown(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    report = replace(
        _report([make_account(password=STRONG)], policy, fake_breach()), standards=None
    )
    found = outcomes(report, "jdoe")
    assert isinstance(found["cnil-entropy"], Unknown)
    assert said(found["cnil-entropy"]) == "the policy applied is not recorded in this report"


def test_the_standards_file_is_whole_and_every_measure_is_used() -> None:
    standards = load_standards()
    assert [r.id for r in standards.references] == [
        "cnil-2022-100",
        "nist-800-63b-4",
        "anssi",
        "policy",
    ]
    used = {rule.measure for reference in standards.references for rule in reference.rules}
    assert used == set(Measure)
    for reference in standards.references:
        for rule in reference.rules:
            assert rule.fr and rule.en, rule.id
    # Sections are cited only where a public text confirmed them (see the file's header).
    sources = {rule.source for reference in standards.references for rule in reference.rules}
    assert sources == {"", "3.1.1.2", "cas n° 1, cas n° 2"}


def test_a_damaged_standards_file_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="unknown measure"):
        parse_standards(
            {
                "reference": [
                    {
                        **dict.fromkeys(
                            ("id", "short_fr", "short_en", "title_fr", "title_en"), "x"
                        ),
                        **dict.fromkeys(("version", "date", "url"), ""),
                        "rule": [dict.fromkeys(("id", "measure", "fr", "en", "source"), "y")],
                    }
                ]
            }
        )
