"""``describe.portal_name``: the portal as people name it, from the policy the audit applied."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from auditor.audit import Inventory, run_audit
from auditor.formats.describe import portal_name
from auditor.models import Account
from auditor.policy import Policy, load_policy
from auditor.report import BreachMode, Report

AS_OF = date(2026, 11, 22)


def _report(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any, portal: str = "cbpec"
) -> Report:
    inventory = Inventory((make_account(portal=portal),), (), ("inventory.csv",))
    return run_audit(inventory, policy, AS_OF, fake_breach(), breach_mode=BreachMode.OFFLINE)


def test_built_in_portals_have_their_display_names(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    report = _report(make_account, policy, fake_breach)
    assert portal_name(report, "cbpec") == "Carte Blanche Partenaires (CBPEC)"
    assert portal_name(report, "santeclair") == "Santéclair"
    assert portal_name(report, "viamedis") == "Viamedis"


def test_a_user_policy_renaming_a_portal_is_honoured(
    make_account: Callable[..., Account], fake_breach: Any, tmp_path: Path
) -> None:
    file = tmp_path / "group.toml"
    file.write_text('[[portal]]\nid = "kalixia"\nname = "Kalixia (groupe)"\n', encoding="utf-8")
    report = _report(make_account, load_policy([file]), fake_breach, portal="kalixia")
    assert portal_name(report, "kalixia") == "Kalixia (groupe)"
    assert portal_name(report, "almerys") == "Almerys"  # the built-in names stay


def test_an_id_no_policy_names_stays_as_it_is(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    report = _report(make_account, policy, fake_breach)
    # --all-entries sites and portals of a policy file gone since the audit: the id is shown.
    assert portal_name(report, "intranet.example.org") == "intranet.example.org"
    gone = replace(report, policy_files=(*report.policy_files, "/nonexistent/group.toml"))
    assert portal_name(gone, "cbpec") == "Carte Blanche Partenaires (CBPEC)"
