"""Portals as people name them in every human format and reminder; ids in JSON, CSV and JUnit."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats import OutputFormat, RenderOptions
from auditor.formats.interface import CsvDialect
from auditor.i18n import Lang, catalog
from auditor.models import Account
from auditor.policy import Policy
from auditor.remind import draft, plan_reminders
from auditor.remind.calendar import calendar
from auditor.remind.outputs import dry_run_text, merge_csv
from auditor.report import BreachMode, Report

AS_OF = date(2026, 11, 22)
NAMES = {
    "cbpec": "Carte Blanche Partenaires (CBPEC)",
    "santeclair": "Santéclair",
    "harmonie": "Harmonie Mutuelle (tiers payant)",
}
IDS = re.compile(r"\b(?:cbpec|santeclair|harmonie)\b(?!\.|&#46;| dot | point )")
"""The ids in lower case: "CBPEC" inside the display name and incident names is not one,
nor is the official address that actions name ("type santeclair.fr yourself", written
``santeclair&#46;fr`` in Markdown and "santeclair dot fr" in reminders)."""


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    # Distinct passwords: a reused one would name its other accounts in the reason.
    accounts = (
        make_account(
            portal="cbpec",
            username="marc",
            owner="Marc",
            owner_email="m@x.example",
            password="soleil",
        ),
        make_account(
            portal="santeclair",
            username="sophie",
            owner="Sophie",
            owner_email="s@x.example",
            password="azerty",
        ),
        make_account(portal="harmonie", username="lea", owner="Léa"),  # not recorded: not checked
    )
    return run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        fake_breach({"soleil": 12}),
        breach_mode=BreachMode.OFFLINE,
    )


def test_the_report_carries_the_policy_names(report: Report) -> None:
    for portal_id, name in NAMES.items():
        assert report.portal_names[portal_id] == name
    assert report.for_practice(report.practices[0]).portal_names == report.portal_names


@pytest.mark.parametrize("choice", [OutputFormat.TERMINAL, OutputFormat.MARKDOWN])
@pytest.mark.parametrize("lang", list(Lang))
def test_human_formats_name_portals_as_people_do(
    report: Report, choice: OutputFormat, lang: Lang
) -> None:
    text = choice.to_formatter(RenderOptions(width=200, lang=lang)).render(report)
    for name in NAMES.values():
        assert name in text
    assert not IDS.findall(text)


def test_programs_keep_the_ids(report: Report) -> None:
    document = json.loads(OutputFormat.JSON.to_formatter().render(report))
    practice = document["practices"][0]
    assert {a["portal"] for a in practice["accounts"]} == set(NAMES)
    assert {f["portal"] for f in practice["findings"]} == {"cbpec", "santeclair"}
    rows = list(csv.DictReader(io.StringIO(OutputFormat.CSV.to_formatter().render(report))))
    assert {row["portal"] for row in rows} >= {"cbpec", "santeclair"}
    assert not set(NAMES.values()) & {row["portal"] for row in rows}
    junit = OutputFormat.JUNIT.to_formatter().render(report)
    assert ".cbpec.marc" in junit and ".santeclair.sophie" in junit


@pytest.mark.parametrize("lang", list(Lang))
def test_reminders_name_portals_as_people_do(report: Report, policy: Policy, lang: Lang) -> None:
    words = catalog(lang)
    drafts = [draft(words, reminder) for reminder in plan_reminders(report, policy)]
    assert drafts
    texts = [d.subject + "\n" + d.body for d in drafts]
    texts.append(dry_run_text(words, drafts, "it@x.example"))
    ics = calendar(words, [d.reminder for d in drafts], AS_OF).decode()
    # iCalendar folds long lines (RFC 5545 §3.1): unfold before searching.
    texts.append(ics.replace("\r\n ", ""))
    for text in texts:
        assert not IDS.findall(text), text
    assert "Carte Blanche Partenaires (CBPEC)" in texts[-1] and "Santéclair" in texts[-1]
    rows = list(csv.DictReader(io.StringIO(merge_csv(words, drafts, CsvDialect.STANDARD))))
    assert {(row["portal"], row["portal_name"]) for row in rows} == {
        ("cbpec", NAMES["cbpec"]),
        ("santeclair", NAMES["santeclair"]),
    }
