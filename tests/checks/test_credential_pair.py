"""``credential-pair``: the same login and the same password on two portals."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from auditor.checks import CheckContext, check_for, run_checks
from auditor.i18n import Catalog, Lang, machine_english
from auditor.models import Account, CheckId, Finding, Practice, Severity
from auditor.password.derive import derive
from auditor.policy import Policy

AS_OF = date(2026, 11, 22)
STRONG = "V7#qLm2!xR9@wTz4"
OTHER = "Wn5%kRt8!bZq2@Lp"


def _found(accounts: list[Account], policy: Policy, check: CheckId) -> list[Finding]:
    found = run_checks(derive(accounts, policy, None), CheckContext(policy, AS_OF))
    return [f for f in found if f.check is check]


def test_one_login_and_password_on_two_portals_is_one_phished_pair(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(portal="viamedis", username="PH.Martin", password=STRONG),
        make_account(portal="almerys", username="ph.martin", password=STRONG),  # same, folded
        make_account(portal="kalixia", username="other", password=STRONG),  # password only
        make_account(portal="itelis", username="ph.martin", password=OTHER),  # login only
    ]
    pairs = _found(accounts, policy, CheckId.CREDENTIAL_PAIR)
    assert sorted((f.account.portal, f.account.username) for f in pairs) == [
        ("almerys", "ph.martin"),
        ("viamedis", "PH.Martin"),
    ]
    by_portal = {f.account.portal: f for f in pairs}
    assert all(f.severity is Severity.HIGH for f in pairs)
    said = machine_english().text(by_portal["viamedis"].message)
    assert said.startswith(
        "the same login and password also open 1 other portal: 750056780 almerys"
    )
    assert "one phished pair opens both portals" in said
    french = Catalog(Lang.FR).text(by_portal["almerys"].message)
    assert "le même identifiant et le même mot de passe ouvrent aussi 1 autre portail" in french
    assert STRONG not in said and STRONG not in french
    # The password alone is still reused on kalixia: reused says so, for all three.
    reused = {f.account.portal for f in _found(accounts, policy, CheckId.REUSED)}
    assert reused == {"viamedis", "almerys", "kalixia"}


def test_one_login_of_one_portal_in_two_practices_or_rows_is_no_pair(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = [
        make_account(portal="viamedis", username="ph", owner="A", password=STRONG),
        make_account(portal="viamedis", username="ph", owner="B", password=STRONG),
        make_account(
            practice=Practice("690034566", "Optique"),
            portal="viamedis",
            username="ph",
            password=STRONG,
        ),
        make_account(portal="almerys", username="ph", password=""),  # empty: said elsewhere
        make_account(portal="kalixia", username="ph", password=None),  # not recorded
    ]
    assert _found(accounts, policy, CheckId.CREDENTIAL_PAIR) == []


def test_credential_pair_is_linear(make_account: Callable[..., Account], policy: Policy) -> None:
    # 6,000 accounts sharing one login and password: each names 5 others and "N more".
    portals = [portal.id for portal in policy.portals]
    accounts = [
        make_account(portal=portals[i % len(portals)], username="ph", owner=str(i))
        for i in range(6000)
    ]
    audited = derive([make_account(portal="viamedis", password=STRONG)], policy, None)
    facts = audited[0].facts
    rows = [type(audited[0])(account, facts) for account in accounts]
    started = time.perf_counter()
    found = list(check_for(CheckId.CREDENTIAL_PAIR).run(rows, CheckContext(policy, AS_OF)))
    assert len(found) == 6000
    assert time.perf_counter() - started < 2.0
