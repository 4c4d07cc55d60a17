"""The anonymised copy's headings: a pseudonym is not a FINESS number, so it is not labelled one."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats import OutputFormat, RenderOptions
from auditor.i18n import Lang
from auditor.models import Account, Practice
from auditor.policy import Policy
from auditor.report import BreachMode, Report
from auditor.report.anonymize import anonymized

AS_OF = date(2026, 11, 22)
PSEUDONYMOUS = {
    Lang.EN: ("Practice 1", "practice1"),
    Lang.FR: ("Établissement 1", "etablissement1"),
}
FORMATS = (OutputFormat.MARKDOWN, OutputFormat.HTML)


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    """Two practices, so that the HTML ranks them in a table too; a password reused across them."""
    accounts = (
        make_account(password="soleil"),
        make_account(
            practice=Practice("690034566", "Optique Lumière"),
            portal="santeclair",
            username="sdurand",
            owner="Sophie Durand",
            password="soleil",
        ),
    )
    return run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        fake_breach({"soleil": 5}),
        breach_mode=BreachMode.OFFLINE,
    )


def _text(report: Report, choice: OutputFormat, lang: Lang) -> str:
    rendered = choice.to_formatter(RenderOptions(lang=lang)).render(report)
    return (
        html.unescape(re.sub(r"<[^>]+>", " ", rendered))
        if choice is OutputFormat.HTML
        else rendered
    )


@pytest.mark.parametrize("choice", FORMATS)
@pytest.mark.parametrize("lang", list(Lang))
def test_a_pseudonymous_practice_is_not_called_a_finess(
    report: Report, choice: OutputFormat, lang: Lang
) -> None:
    copy = anonymized(report, lang=lang, generic_owners=frozenset()).report
    name, practice_id = PSEUDONYMOUS[lang]
    text = _text(copy, choice, lang)
    assert name in text
    assert f"FINESS {practice_id}" not in text
    assert not re.search(r"FINESS\s+(?:practice|etablissement)\d", text)
    if choice is OutputFormat.MARKDOWN:
        assert f"## {name}\n" in text


@pytest.mark.parametrize("choice", FORMATS)
def test_real_or_kept_practices_keep_their_finess_label(
    report: Report, choice: OutputFormat
) -> None:
    kept = anonymized(report, lang=Lang.FR, generic_owners=frozenset(), keep_practices=True)
    for shown in (report, kept.report):
        text = _text(shown, choice, Lang.FR)
        assert re.search(r"Pharmacie du Marché \(FINESS\s+750056780\)", text)
        assert not shown.pseudonymous_practices
    assert anonymized(
        report, lang=Lang.FR, generic_owners=frozenset()
    ).report.pseudonymous_practices
