"""Vault copies merged into one account: every human format says where the copies are."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats import OutputFormat, RenderOptions
from auditor.i18n import Lang
from auditor.models import Account, Origin
from auditor.policy import Policy
from auditor.report import BreachMode, Report
from auditor.report.anonymize import anonymized

AS_OF = date(2026, 11, 22)
VAULT = "coffre.kdbx"
HOME = "Centre/Comptoir/Viamedis"
COPIES = ("Centre/Archive Claire/Viamedis", "Centre/Comptoir 2 <b>*x*</b>/Viamedis")
"""Two copies: one naming a person, one holding markup and Markdown emphasis."""
ALSO_IN = {Lang.EN: "Also in: ", Lang.FR: "Aussi dans : "}
HUMAN = (OutputFormat.TERMINAL, OutputFormat.MARKDOWN, OutputFormat.HTML)


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    """One Viamedis login in three entries of one vault with the same password: one account."""
    entries = (HOME, *COPIES)
    accounts = tuple(
        make_account(
            portal="viamedis",
            username="cmartin",
            owner="Claire Martin",
            password="soleil",
            origin=Origin(VAULT, None, entry),
        )
        for entry in entries
    )
    return run_audit(
        Inventory(accounts, (), (VAULT,)),
        policy,
        AS_OF,
        fake_breach({"soleil": 5}),
        breach_mode=BreachMode.OFFLINE,
    )


def _render(report: Report, choice: OutputFormat, lang: Lang) -> str:
    return choice.to_formatter(RenderOptions(width=300, lang=lang)).render(report)


def test_the_copies_are_one_account(report: Report) -> None:
    [practice] = report.practices
    [account] = practice.accounts
    assert [copy.entry for copy in account.account.origin.also_in] == list(COPIES)


@pytest.mark.parametrize("choice", HUMAN)
@pytest.mark.parametrize("lang", list(Lang))
def test_every_human_format_says_where_the_copies_are(
    report: Report, choice: OutputFormat, lang: Lang
) -> None:
    text = _render(report, choice, lang)
    if choice is OutputFormat.HTML:
        # Escaped for the page: the entry's markup is text, never a tag.
        assert "<b>*x*</b>" not in text
        assert '<p class="also-in">' in text  # on the account's card too
        text = html.unescape(text)
    elif choice is OutputFormat.MARKDOWN:
        assert "<b>" not in text  # neither a tag nor emphasis in Markdown
        assert r"\*x\*" in text
        text = html.unescape(text).replace("\\", "")
    named = [line for line in text.splitlines() if ALSO_IN[lang] in line]
    # The account (portal, login, owner), then where its copies are.
    assert any(
        "Viamedis — cmartin (Claire Martin) — " + ALSO_IN[lang] + COPIES[0] + ", " + COPIES[1]
        in line
        for line in named
    ), named


@pytest.mark.parametrize("choice", HUMAN)
def test_an_account_without_copies_says_nothing_of_them(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any, choice: OutputFormat
) -> None:
    alone = run_audit(
        Inventory((make_account(password="soleil"),), (), ("inventory.csv",)),
        policy,
        AS_OF,
        fake_breach({"soleil": 5}),
        breach_mode=BreachMode.OFFLINE,
    )
    for lang in Lang:
        assert ALSO_IN[lang] not in _render(alone, choice, lang)


@pytest.mark.parametrize("choice", HUMAN)
def test_the_anonymised_copy_names_no_entry(report: Report, choice: OutputFormat) -> None:
    copy = anonymized(report, lang=Lang.FR, generic_owners=frozenset()).report
    text = html.unescape(_render(copy, choice, Lang.FR)).replace("\\", "")
    assert ALSO_IN[Lang.FR] in text
    for real in ("Claire", "Centre/", "Comptoir 2", "cmartin"):
        assert real not in text, real
