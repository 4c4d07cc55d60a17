"""Chart geometry: the age chart's labels fit, and no two bars read the same."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from auditor.audit import Inventory, run_audit
from auditor.formats import OutputFormat, RenderOptions
from auditor.formats.charts import LABEL_CHARS, AgeData, ages, distinct
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import BreachMode


def _row(label: str, detail: str) -> AgeData:
    return AgeData(label=label, detail=detail, age=10, limit=None, text="10 days", tone="ok")


def test_labels_that_read_alike_once_shortened_are_numbered() -> None:
    long = "comptoir.pharmacie-du-marche-de-la-place"
    rows = [_row("Viamedis", long + "-1"), _row("Viamedis", long + "-2"), _row("Almerys", "x")]
    chart = ages("t", "d", rows, str)
    labels = [(row.label, row.detail) for row in chart.rows]
    assert len(set(labels)) == 3
    assert all(len(detail) <= LABEL_CHARS for _, detail in labels)
    assert labels[1][1].endswith("… (2)") and labels[2] == ("Almerys", "x")


def test_a_portal_name_fits_whole() -> None:
    assert distinct([("Carte Blanche Partenaires (CBPEC)", "optique")]) == (
        ("Carte Blanche Partenaires (CBPEC)", "optique"),
    )


def test_one_login_of_two_people_shows_each_owner(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    # The example's CBPEC login, shared by Sophie Durand and Marc Petit: two bars.
    accounts = tuple(
        make_account(portal="cbpec", username="optique.lumiere", owner=owner)
        for owner in ("Sophie Durand", "Marc Petit")
    )
    inventory = Inventory(accounts, (), ("inventory.csv",))
    report = run_audit(
        inventory, policy, date(2026, 11, 22), fake_breach(), breach_mode=BreachMode.OFFLINE
    )
    page = OutputFormat.HTML.to_formatter(RenderOptions()).render(report)
    chart = page.split('data-chart="age"')[1].split("</figure>")[0]
    details = re.findall(r'dy="15">([^<]*)</tspan>', chart)
    assert details == ["optique.lumiere (Marc Petit)", "optique.lumiere (Sophie Durand)"]
