"""Every action that asks for a change names the portal's official address, as text only."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from markdown_it import MarkdownIt

from auditor import safetext
from auditor.audit import Inventory, run_audit
from auditor.checks import CheckContext, run_checks
from auditor.formats.describe import distinct_actions
from auditor.i18n import Catalog, Lang, machine_english
from auditor.models import Account, Finding
from auditor.password.derive import derive
from auditor.policy import MfaSupport, Policy, Portal
from auditor.remind import draft, plan_reminders
from auditor.report import BreachMode

AS_OF = date(2026, 11, 22)
BARE_DOMAIN = re.compile(r"\b[\w-]+\.(?:fr|com|net)\b", re.I)
"""What a mail client or a Markdown renderer may turn into a link on its own."""


def _findings(accounts: list[Account], policy: Policy) -> list[Finding]:
    return list(run_checks(derive(accounts, policy, None), CheckContext(policy, AS_OF)))


def _weak_reused_and_undated(make_account: Callable[..., Account], portal: str) -> list[Account]:
    return [
        make_account(portal=portal, username="a", password="soleil", password_changed=None),
        make_account(portal=portal, username="b", password="soleil"),
    ]


def test_every_change_names_the_first_domain_of_the_policy(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    found = _findings(_weak_reused_and_undated(make_account, "viamedis"), policy)
    assert {f.check.value for f in found} >= {"weak", "reused", "age-unknown"}
    english = machine_english()
    for finding in found:
        assert "type viamedis.net yourself" in english.text(finding.action), finding.check
    french = Catalog(Lang.FR)
    assert all("tapez vous-même viamedis.net" in french.text(f.action) for f in found)
    ameli = _findings(_weak_reused_and_undated(make_account, "amelipro"), policy)
    assert all("type ameli.fr yourself" in english.text(f.action) for f in ameli)


def test_the_address_is_said_once_among_an_accounts_steps(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    found = _findings(_weak_reused_and_undated(make_account, "viamedis"), policy)
    mine = [f for f in found if f.account.username == "a"]
    steps = distinct_actions(machine_english(), mine)
    assert sum(step.count("viamedis.net") for step in steps) == 1
    assert steps[0].startswith("Change the password on the portal itself: type viamedis.net")


def test_a_portal_made_up_from_a_vault_entry_keeps_the_wording_without_address(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    # --all-entries builds a portal from the entry's own host: that host may be the
    # very lookalike site to avoid, so it is never named as an address to type.
    made_up = Portal(
        id="viamedis-pro.com",
        name="Viamedis",
        operator="",
        domains=("viamedis-pro.com",),
        domains_confirmed=False,
        max_age_days=None,
        mfa=MfaSupport.UNKNOWN,
        limits_attempts=False,
        notes="",
        sources=(),
    )
    policy = replace(policy, portals=(*policy.portals, made_up))
    found = _findings(_weak_reused_and_undated(make_account, "viamedis-pro.com"), policy)
    assert found
    for finding in found:
        action = machine_english().text(finding.action)
        assert "viamedis-pro" not in action and "(type its address;" in action


def test_markdown_never_makes_a_link_of_a_bare_domain() -> None:
    for text in ("viamedis.net", "espacepro.ameli.fr", "jean.dupont", "vіamedis.net"):
        escaped = safetext.markdown(text)
        assert not BARE_DOMAIN.search(escaped) and "." not in escaped, escaped
        assert MarkdownIt("commonmark").render(escaped) == f"<p>{text}</p>\n"
    assert safetext.markdown("Dr. Martin, 1.5") == "Dr. Martin, 1&#46;5"


def test_reminders_spell_the_address_so_no_mail_client_links_it(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    accounts = [
        make_account(portal="viamedis", username="a", owner_email="a@x.example", password="soleil")
    ]
    inventory = Inventory(tuple(accounts), (), ("inventory.csv",))
    report = run_audit(inventory, policy, AS_OF, fake_breach(), breach_mode=BreachMode.OFFLINE)
    (reminder,) = plan_reminders(report, policy)
    english = draft(Catalog(Lang.EN), reminder, AS_OF).body
    french = draft(Catalog(Lang.FR), reminder, AS_OF).body
    assert "type viamedis dot net yourself" in english
    assert "tapez vous-même viamedis point net" in french
    assert not BARE_DOMAIN.search(english) and not BARE_DOMAIN.search(french)
