"""No verdict without evidence: what was not checked is said so, with why, in every human format."""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats import OutputFormat, RenderOptions
from auditor.i18n import Lang
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import BreachMode, Checked, Gap, Report, Unchecked

AS_OF = date(2026, 11, 22)
STRONG = "V7#qLm2!xR9@wTz4"
"""Strong, unbreached, no context: an account with it and MFA has no finding."""

Build = Callable[..., Account]


def _audit(
    accounts: tuple[Account, ...],
    policy: Policy,
    breach: Any,
    mode: BreachMode = BreachMode.OFFLINE,
) -> Report:
    return run_audit(
        Inventory(accounts, (), ("inventory.csv",)), policy, AS_OF, breach, breach_mode=mode
    )


@pytest.fixture
def no_password(make_account: Build, policy: Policy, fake_breach: Any) -> Report:
    """One account fine in every way, one whose password the inventory does not record."""
    accounts = (
        make_account(portal="almerys", username="fine", password=STRONG),
        make_account(portal="kalixia", username="nopass"),
    )
    return _audit(accounts, policy, fake_breach())


@pytest.fixture
def lookup_failed(make_account: Build, policy: Policy, fake_breach: Any) -> Report:
    accounts = (make_account(portal="almerys", username="fine", password=STRONG),)
    return _audit(accounts, policy, fake_breach(unknown={STRONG}))


@pytest.fixture
def skipped(make_account: Build, policy: Policy) -> Report:
    accounts = (make_account(portal="almerys", username="fine", password=STRONG),)
    return _audit(accounts, policy, None, BreachMode.SKIPPED)


def _render(report: Report, choice: OutputFormat, lang: Lang = Lang.EN) -> str:
    return choice.to_formatter(RenderOptions(lang=lang, width=200)).render(report)


def test_each_account_says_what_was_not_checked(
    no_password: Report, lookup_failed: Report, skipped: Report
) -> None:
    (practice,) = no_password.practices
    by_login = {a.account.username: practice.coverage(a) for a in practice.accounts}
    assert by_login == {"fine": Checked(), "nopass": Unchecked(Gap.PASSWORD_NOT_RECORDED)}
    assert not practice.fully_checked
    (account,) = lookup_failed.practices[0].accounts
    assert lookup_failed.practices[0].coverage(account) == Unchecked(Gap.LOOKUP_FAILED)
    (account,) = skipped.practices[0].accounts
    assert skipped.practices[0].coverage(account) == Unchecked(Gap.BREACH_CHECK_SKIPPED)
    assert not skipped.fully_checked and skipped.breach_skipped


def test_html_never_says_ok_for_an_account_whose_password_is_not_recorded(
    no_password: Report,
) -> None:
    page = html.unescape(_render(no_password, OutputFormat.HTML))
    accounts = page.split('class="stack accounts"')[1].split("</table>")[0]
    row = next(r for r in accounts.split("<tr>") if ">nopass<" in r)
    assert "✓" not in row and ">ok<" not in row.replace(" ", "")
    assert "not checked" in row and "password not recorded" in row


@pytest.mark.parametrize("lang", list(Lang))
def test_html_shows_no_all_clear_when_lookups_failed(lookup_failed: Report, lang: Lang) -> None:
    page = html.unescape(_render(lookup_failed, OutputFormat.HTML, lang))
    assert not re.search(r'class="[^"]*tone-ok', page)
    assert "RAS" not in page and "OK: no password needs to change" not in page
    assert ("non vérifié" if lang is Lang.FR else "not checked") in page.casefold()


def test_the_terminal_says_the_breach_check_was_skipped(skipped: Report) -> None:
    text = _render(skipped, OutputFormat.TERMINAL)
    assert "Audit complete" not in text
    assert "breach check was skipped" in text.casefold()
    assert "OK: no password needs to change" not in text


# Every human format, both languages: the reason is written, "ok" / "nothing to change" is not.
HUMAN = [
    OutputFormat.TERMINAL,
    OutputFormat.MARKDOWN,
    OutputFormat.HTML,
    OutputFormat.CSV,
    OutputFormat.JUNIT,
]
REASONS = {
    ("no_password", Lang.EN): "password not recorded",
    ("no_password", Lang.FR): "mot de passe non renseigné",
    ("lookup_failed", Lang.EN): "breach lookup failed",
    ("lookup_failed", Lang.FR): "vérification de fuite a échoué",
    ("skipped", Lang.EN): "breach check skipped",
    ("skipped", Lang.FR): "vérification des fuites désactivée",
}
ALL_CLEAR = {Lang.EN: "OK: no password needs to change", Lang.FR: "RAS"}


@pytest.mark.parametrize("choice", HUMAN, ids=lambda c: c.value)
@pytest.mark.parametrize("lang", list(Lang), ids=lambda lang: lang.value)
@pytest.mark.parametrize("case", ["no_password", "lookup_failed", "skipped"])
def test_every_human_format_says_not_checked_and_why(
    choice: OutputFormat, lang: Lang, case: str, request: pytest.FixtureRequest
) -> None:
    report: Report = request.getfixturevalue(case)
    text = html.unescape(_render(report, choice, lang))
    flat = re.sub(r"\s+", " ", text)
    assert REASONS[(case, lang)] in flat
    assert ALL_CLEAR[lang] not in flat


def test_csv_has_a_not_checked_row_per_unchecked_account(no_password: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(_render(no_password, OutputFormat.CSV))))
    unchecked = [r for r in rows if r["status"] == "not-checked"]
    assert [r["username"] for r in unchecked] == ["nopass"]
    assert unchecked[0]["check"] == "" and "password not recorded" in unchecked[0]["message"]


def test_junit_skips_the_checks_that_could_not_run(no_password: Report, skipped: Report) -> None:
    root = ET.fromstring(_render(no_password, OutputFormat.JUNIT))  # noqa: S314 - our own output
    cases = {
        (c.get("classname", "").split(".")[2].split(" ")[0], c.get("name")): c
        for c in root.iter("testcase")
    }
    assert cases[("nopass", "weak")].find("skipped") is not None
    assert cases[("nopass", "no-mfa")].find("skipped") is None  # needs no password
    assert cases[("fine", "weak")].find("skipped") is None
    root = ET.fromstring(_render(skipped, OutputFormat.JUNIT))  # noqa: S314 - our own output
    breached = next(c for c in root.iter("testcase") if c.get("name") == "breached")
    skip = breached.find("skipped")
    assert skip is not None and "breach check skipped" in skip.get("message", "")


def test_json_keeps_its_fields_and_adds_what_was_not_checked(
    no_password: Report, skipped: Report
) -> None:
    import json

    document = json.loads(_render(no_password, OutputFormat.JSON))
    account = next(a for a in document["practices"][0]["accounts"] if a["username"] == "nopass")
    assert account["password"] == {"recorded": False, "breach": "no-password"}
    assert account["not_checked"] == "password-not-recorded"
    assert document["practices"][0]["fully_checked"] is False
    assert document["fully_checked"] is False
    document = json.loads(_render(skipped, OutputFormat.JSON))
    assert document["complete"] is True  # unchanged meaning: no lookup failed
    assert document["fully_checked"] is False


def test_a_fully_checked_clean_practice_is_still_ok(
    make_account: Build, policy: Policy, fake_breach: Any
) -> None:
    report = _audit(
        (make_account(portal="almerys", username="fine", password=STRONG),), policy, fake_breach()
    )
    assert report.fully_checked
    assert "OK: no password needs to change" in _render(report, OutputFormat.MARKDOWN)
    assert "Audit complete" in _render(report, OutputFormat.TERMINAL)
    assert re.search(r'class="[^"]*tone-ok', _render(report, OutputFormat.HTML))
