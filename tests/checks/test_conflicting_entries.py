"""The conflicting-entries check, and the findings of a login's other entries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from auditor.audit.copies import merged_copies
from auditor.checks import CheckContext, run_checks
from auditor.i18n import machine_english
from auditor.models import Account, CheckId, Finding, Origin, Severity
from auditor.password.derive import derive
from auditor.policy import Policy

AS_OF = date(2026, 11, 22)
STRONG = "V7#qLm2!xR9@wTz4"
OTHER = "Tk$7Lp0@e9qWvB3!"


def said(finding: Finding) -> str:
    return str(machine_english().text(finding.message))


def checked(accounts: list[Account], policy: Policy, breach: Any = None) -> list[Finding]:
    audited = merged_copies(derive(accounts, policy, breach))
    return list(run_checks(audited, CheckContext(policy, AS_OF)))


def entry(make_account: Callable[..., Account], where: str, password: str, **extra: Any) -> Account:
    return make_account(origin=Origin("coffre.kdbx", None, where), password=password, **extra)


def test_entries_that_disagree_are_one_finding_naming_them(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        entry(make_account, "Comptoir/Kalixia", STRONG),
        entry(make_account, "Archive/Kalixia", OTHER, password_changed=date(2024, 1, 5)),
        entry(make_account, "Comptoir 2/Kalixia", STRONG),
        make_account(username="other", password=STRONG + "x"),
    ]
    [finding] = checked(accounts, policy)
    assert finding.check is CheckId.CONFLICTING_ENTRIES
    assert finding.severity is Severity.HIGH
    assert finding.account.username == "jdoe"
    assert said(finding).startswith(
        "3 entries for this login disagree (Comptoir/Kalixia, Comptoir 2/Kalixia and "
        "Archive/Kalixia): they hold different passwords"
    )
    assert STRONG not in said(finding)


def test_entries_that_agree_are_no_finding(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        entry(make_account, "Comptoir/Kalixia", STRONG),
        entry(make_account, "Archive/Kalixia", STRONG),
        # No password recorded: nothing to disagree with.
        make_account(origin=Origin("coffre.kdbx", None, "Vide/Kalixia")),
    ]
    assert checked(accounts, policy) == []


def test_the_other_entry_is_checked_and_named_in_its_findings(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    accounts = [
        entry(make_account, "Comptoir/Kalixia", STRONG),
        entry(make_account, "Archive/Kalixia", "soleil", password_changed=date(2024, 1, 5)),
        make_account(username="elsewhere", portal="almerys", password="soleil"),
    ]
    found = checked(accounts, policy, fake_breach({"soleil": 1234}))
    mine = [f for f in found if f.account.username == "jdoe"]
    assert {f.check for f in mine} == {
        CheckId.CONFLICTING_ENTRIES,
        CheckId.BREACHED,
        CheckId.WEAK,
        CheckId.REUSED,
    }
    for finding in mine:
        if finding.check is not CheckId.CONFLICTING_ENTRIES:
            assert said(finding).startswith("in the entry Archive/Kalixia: ")
    # The other login that shares the archived password is told which account it is.
    reused = [f for f in found if f.account.username == "elsewhere" and f.check is CheckId.REUSED]
    assert "750056780 kalixia jdoe (Jeanne Doe)" in said(reused[0])
