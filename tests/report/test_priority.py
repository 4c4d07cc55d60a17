"""The order to act in: within an urgency, the password seen most often in breaches first."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats import OutputFormat, RenderOptions
from auditor.formats.describe import risk_order
from auditor.i18n import Lang
from auditor.models import Account, Practice, Severity
from auditor.policy import Policy
from auditor.report import BreachMode, Report

AS_OF = date(2026, 11, 22)
OPTIQUE = Practice("690034566", "Optique Lumière")
MARCHE = Practice("750056780", "Pharmacie du Marché")
FEW, MANY = 3, 98_765
"""Two breach counts; the accounts seen ``FEW`` times sort first by name, so only the count
can put the ``MANY`` one ahead."""


def _audit(accounts: tuple[Account, ...], policy: Policy, fake_breach: Any) -> Report:
    counts = {"rarely-seen": FEW, "often-seen": MANY}
    return run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        fake_breach(counts),
        breach_mode=BreachMode.OFFLINE,
    )


@pytest.fixture
def one_practice(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    # Same practice, same checks, same deadlines: almerys before viamedis by name alone.
    accounts = (
        make_account(portal="almerys", username="alice", owner="Alice", password="rarely-seen"),
        make_account(portal="viamedis", username="bruno", owner="Bruno", password="often-seen"),
    )
    return _audit(accounts, policy, fake_breach)


@pytest.fixture
def two_practices(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    # One account each, the same findings: the FINESS alone put Optique first until now.
    accounts = (
        make_account(practice=OPTIQUE, portal="kalixia", username="a", password="rarely-seen"),
        make_account(practice=MARCHE, portal="kalixia", username="b", password="often-seen"),
    )
    return _audit(accounts, policy, fake_breach)


def test_the_two_accounts_have_the_same_severities(one_practice: Report) -> None:
    """The premise: nothing but the count tells the two accounts apart."""
    practice = one_practice.practices[0]
    by_login = {
        a.account.username: sorted(
            (f.check.value, f.severity.value) for f in practice.findings_for(a)
        )
        for a in practice.accounts
    }
    assert by_login["alice"] == by_login["bruno"]
    assert ("breached", Severity.CRITICAL.value) in by_login["alice"]


def test_findings_of_a_severity_put_the_most_breached_password_first(one_practice: Report) -> None:
    findings = one_practice.practices[0].findings
    for severity in Severity:
        logins = [f.account.username for f in findings if f.severity is severity]
        if logins:
            assert logins.index("bruno") < logins.index("alice"), severity
    # The report's own order is by urgency first, then the count.
    ranks = [f.severity.rank for f in findings]
    assert ranks == sorted(ranks)


def test_terminal_lists_the_most_breached_account_first(one_practice: Report) -> None:
    text = OutputFormat.TERMINAL.to_formatter(RenderOptions(width=160)).render(one_practice)
    assert text.index("bruno") < text.index("alice")


def test_markdown_actions_put_the_most_breached_first_within_each_day(
    one_practice: Report,
) -> None:
    text = OutputFormat.MARKDOWN.to_formatter().render(one_practice)
    actions = text.split("### What to do, by date")[1].split("###")[0]
    rows = [line.split(" | ") for line in actions.splitlines() if line.startswith("| ")][1:]
    by_group: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        by_group.setdefault((row[0], row[1]), []).append(row[3])
    assert by_group and all(logins[0] == "bruno" for logins in by_group.values()), by_group


def test_json_findings_follow_the_same_order(one_practice: Report) -> None:
    document = json.loads(OutputFormat.JSON.to_formatter().render(one_practice))
    findings = document["practices"][0]["findings"]
    breached = [f["username"] for f in findings if f["check"] == "breached"]
    assert breached == ["bruno", "alice"]
    assert findings[0]["username"] == "bruno" and findings[0]["severity"] == "critical"


def test_the_order_is_deterministic(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    accounts = [
        make_account(portal="almerys", username="alice", password="rarely-seen"),
        make_account(portal="viamedis", username="bruno", password="often-seen"),
        make_account(portal="kalixia", username="chloe", password="rarely-seen"),
    ]
    first = _audit(tuple(accounts), policy, fake_breach)
    again = _audit(tuple(reversed(accounts)), policy, fake_breach)
    assert first.practices[0].findings == again.practices[0].findings


def test_the_practices_ranking_puts_the_most_breached_first(two_practices: Report) -> None:
    optique, marche = two_practices.practices
    assert optique.worst is marche.worst and len(optique.findings) == len(marche.findings)
    ranked = sorted(two_practices.practices, key=risk_order)
    assert [p.practice.id for p in ranked] == [MARCHE.id, OPTIQUE.id]
    text = OutputFormat.MARKDOWN.to_formatter().render(two_practices)
    overview = text.split("## ")[0]
    assert overview.index(MARCHE.id) < overview.index(OPTIQUE.id)


def test_severity_still_outranks_the_count(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    # A weak password never breached (high) comes after a breached one (critical),
    # whatever the FINESS: the count only decides between equal severities.
    accounts = (
        make_account(practice=OPTIQUE, portal="kalixia", username="a", password="azerty"),
        make_account(practice=MARCHE, portal="kalixia", username="b", password="often-seen"),
    )
    report = _audit(accounts, policy, fake_breach)
    optique, marche = report.practices
    assert optique.worst is Severity.HIGH and marche.worst is Severity.CRITICAL
    assert [p.practice.id for p in sorted(report.practices, key=risk_order)] == [
        MARCHE.id,
        OPTIQUE.id,
    ]


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        (Lang.EN, "Within each urgency, passwords seen most often in breaches come first."),
        (
            Lang.FR,
            "À urgence égale, les mots de passe vus le plus souvent dans des fuites passent en premier.",
        ),
    ],
)
def test_the_report_explains_the_order_in_one_sentence(
    one_practice: Report, lang: Lang, sentence: str
) -> None:
    options = RenderOptions(width=200, lang=lang)
    assert sentence in OutputFormat.TERMINAL.to_formatter(options).render(one_practice)
    assert sentence in OutputFormat.MARKDOWN.to_formatter(options).render(one_practice)


def test_no_sentence_when_no_password_is_breached(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    report = _audit((make_account(password="azerty"),), policy, fake_breach)
    for choice in (OutputFormat.TERMINAL, OutputFormat.MARKDOWN):
        assert "seen most often" not in choice.to_formatter().render(report)
