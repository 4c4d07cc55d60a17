"""Accounts a finding names (a reused password's other accounts): by portal name in prose."""

from __future__ import annotations

import json
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
LUMIERE = Practice("690034566", "Optique Lumière")


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    """One password on a Kalixia login of one practice and a Santéclair login of another."""
    accounts = (
        make_account(password="Marseille13!"),
        make_account(
            practice=LUMIERE,
            portal="santeclair",
            username="sdurand",
            owner="Sophie Durand",
            password="Marseille13!",
        ),
    )
    return run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        fake_breach(),
        breach_mode=BreachMode.OFFLINE,
    )


def _markdown(report: Report, lang: Lang) -> str:
    return OutputFormat.MARKDOWN.to_formatter(RenderOptions(lang=lang)).render(report)


@pytest.mark.parametrize("lang", list(Lang))
def test_markdown_names_the_other_account_by_its_portal(report: Report, lang: Lang) -> None:
    text = _markdown(report, lang)
    assert "690034566 santeclair sdurand" not in text
    assert "750056780 kalixia jdoe" not in text
    assert "Santéclair — sdurand (Sophie Durand), Optique Lumière" in text
    assert "Kalixia — jdoe (Jeanne Doe), Pharmacie du Marché" in text


def test_a_practice_report_names_an_account_of_another_practice_by_its_portal(
    report: Report,
) -> None:
    alone = report.for_practice(report.practices[1])  # --out: one practice's own report
    text = _markdown(alone, Lang.FR)
    assert "690034566 santeclair" not in text
    assert "Santéclair — sdurand (Sophie Durand), FINESS 690034566" in text


def test_json_keeps_the_ids(report: Report) -> None:
    document = json.loads(OutputFormat.JSON.to_formatter().render(report))
    messages = [f["message"] for p in document["practices"] for f in p["findings"]]
    assert any("690034566 santeclair sdurand (Sophie Durand)" in m for m in messages)


def test_the_anonymised_markdown_names_pseudonyms_by_portal(report: Report) -> None:
    copy = anonymized(report, lang=Lang.FR, generic_owners=frozenset()).report
    text = _markdown(copy, Lang.FR)
    assert "Santéclair — identifiant 1 (Personne 1), Établissement 1" in text
    assert "Kalixia — identifiant 2 (Personne 2), Établissement 2" in text
    for real in ("sdurand", "Sophie", "690034566", "Lumière"):
        assert real not in text, real
