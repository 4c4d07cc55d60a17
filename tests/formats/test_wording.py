"""Sentences the human formats share (formats/describe.py): how they read, and their order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.checks.interface import CHANGE_ON_PORTAL
from auditor.formats.describe import distinct_actions, unchecked_line
from auditor.i18n import Lang, catalog
from auditor.i18n.phrase import phrase
from auditor.models import Account, AccountRef, CheckId, Finding, Severity
from auditor.policy import Policy
from auditor.report import BreachMode

AS_OF = date(2026, 11, 22)


@pytest.mark.parametrize("lang", list(Lang))
def test_the_not_checked_line_parts_the_portal_name_from_the_login(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any, lang: Lang
) -> None:
    # A display name ending in a parenthesis, then a login and its owner's parenthesis:
    # without a separator they run together ("(tiers payant) sdurand (Sophie Durand)").
    accounts = (make_account(portal="harmonie", username="sdurand", owner="Sophie Durand"),)
    report = run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        fake_breach(),
        breach_mode=BreachMode.OFFLINE,
    )
    [practice] = report.practices
    line = unchecked_line(catalog(lang), practice, report.portal_names)
    assert line is not None
    assert "Harmonie Mutuelle (tiers payant) — sdurand (Sophie Durand)" in line


def _finding(check: CheckId, key: str, **args: Any) -> Finding:
    return Finding(
        check=check,
        severity=Severity.HIGH,
        account=AccountRef("750056780", "viamedis", "jdoe", None),
        message=phrase("finding.breached", count=3),
        action=phrase(key, **args),
        due=AS_OF,
    )


@pytest.mark.parametrize("lang", list(Lang))
def test_steps_after_the_change_come_after_every_other_step(lang: Lang) -> None:
    words = catalog(lang)
    found = [
        _finding(CheckId.INCIDENT_ROTATION, "action.then_record", change=CHANGE_ON_PORTAL),
        _finding(CheckId.WEAK, "action.weak", change=CHANGE_ON_PORTAL),
        _finding(CheckId.NO_MFA, "action.mfa"),
        _finding(CheckId.REUSED, "action.reused", change=CHANGE_ON_PORTAL),
    ]
    steps = distinct_actions(words, found)
    then_record = words.t("action.then_record", change="").strip()
    assert steps[0] == words.text(CHANGE_ON_PORTAL)  # the change itself, once, first
    assert steps[-1] == then_record, steps
    assert len(steps) == 5
    assert set(steps[1:-1]) == {
        words.t("action.weak", change="").strip(),
        words.t("action.mfa"),
        words.t("action.reused", change="").strip(),
    }


def test_steps_after_the_change_keep_their_own_order() -> None:
    words = catalog(Lang.FR)
    found = [
        _finding(
            CheckId.CONFLICTING_ENTRIES, "action.conflicting_entries", change=CHANGE_ON_PORTAL
        ),
        _finding(CheckId.INCIDENT_ROTATION, "action.then_record", change=CHANGE_ON_PORTAL),
        _finding(CheckId.WEAK, "action.weak", change=CHANGE_ON_PORTAL),
    ]
    steps = distinct_actions(words, found)
    assert steps == (
        words.text(CHANGE_ON_PORTAL),
        words.t("action.weak", change="").strip(),
        words.t("action.conflicting_entries", change="").strip(),
        words.t("action.then_record", change="").strip(),
    )
