"""The "Références" section in JSON, Markdown and HTML: the same standings in each format."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats.html import HtmlFormat
from auditor.formats.jsonfmt import JsonFormat
from auditor.formats.markdown import MarkdownFormat
from auditor.i18n import Lang
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import BreachMode, Report

AS_OF = date(2026, 11, 22)
STRONG = "V7#qLm2!xR9@wTz4"


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    accounts = (
        make_account(username="claire", owner="Claire Martin", password=STRONG),
        make_account(username="marc", owner="Marc Petit", portal="almerys", password="soleil"),
        make_account(username="nopass", owner="Léa Roux", portal="itelis"),
    )
    inventory = Inventory(accounts, (), ("inventory.csv",))
    breach = fake_breach({"soleil": 1234})
    return run_audit(inventory, policy, AS_OF, breach, breach_mode=BreachMode.OFFLINE)


def test_json_references_per_practice(report: Report) -> None:
    document = json.loads(JsonFormat().render(report))
    assert document["schema"] == "portal-auditor/report/v1"
    (practice,) = document["practices"]
    references = practice["references"]
    assert [r["id"] for r in references] == ["cnil-2022-100", "nist-800-63b-4", "anssi", "policy"]
    nist = references[1]
    assert set(nist) == {"id", "title", "version", "date", "url", "rules", "accounts"}
    assert [rule["id"] for rule in nist["rules"]] == [
        "nist-length",
        "nist-blocklist",
        "nist-no-composition",
        "nist-change-on-compromise",
    ]
    assert all(rule["source"] == "3.1.1.2" for rule in nist["rules"])
    by_login = {account["username"]: account for account in nist["accounts"]}
    assert by_login["claire"]["outcome"] == "met"
    assert by_login["marc"]["outcome"] == "not-met"
    assert by_login["nopass"]["outcome"] == "unknown"
    blocklist = {r["rule"]: r for r in by_login["marc"]["rules"]}["nist-blocklist"]
    assert blocklist == {
        "rule": "nist-blocklist",
        "outcome": "not-met",
        "reason": "seen 1,234 times in breaches",
    }
    (unknown,) = (r for r in by_login["nopass"]["rules"] if r["rule"] == "nist-length")
    assert unknown["outcome"] == "unknown" and unknown["reason"] == "password not recorded"


def test_markdown_section_in_french(report: Report) -> None:
    text = MarkdownFormat(Lang.FR).render(report)
    section = text[text.index("### Références") :]
    assert (
        "| Portail | Identifiant | Titulaire | CNIL 2022-100 | NIST SP 800-63B-4 | ANSSI "
        "| Politique |" in section
    )
    # MFA on and a password of its own: ANSSI's two rules for users hold; the others do not.
    assert "| Almerys | marc | Marc Petit | ✗ | ✗ | ✓ | ✗ |" in section
    assert "| Itelis | nopass | Léa Roux | ? | ? | ? | ? |" in section
    assert "  - ✗ Almerys marc (Marc Petit) : vu 1\u202f234 fois dans des fuites" in section
    assert "  - ? Itelis nopass (Léa Roux) : mot de passe non renseigné" in section
    assert "(source : 3.1.1.2) `nist-length`" in section
    assert "(source : le document dans son ensemble) `anssi-mfa`" in section
    # An address as code, not a link: a report's Markdown links nowhere (test_escaping.py).
    assert "`https://pages.nist.gov/800-63-4/sp800-63b.html`" in section


def test_markdown_section_in_english(report: Report) -> None:
    text = MarkdownFormat(Lang.EN).render(report)
    section = text[text.index("### Standards") :]
    assert "  - ✓ 1 account: long enough to be used alone" in section
    assert "  - – 3 accounts: not a privileged account" in section


def test_html_section(report: Report) -> None:
    page = HtmlFormat(Lang.FR).render(report)
    assert '<section class="references"' in page
    assert 'class="ref-cell ref-not-met" title="non respectée"' in page
    assert "NIST SP 800-63B-4, Digital Identity Guidelines" in page
