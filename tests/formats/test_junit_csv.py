"""JUnit XML for CI, and the CSV report's dialect for French Excel."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats import CsvDialect, OutputFormat, RenderOptions
from auditor.models import Account, CheckId, Practice, Severity
from auditor.policy import Policy
from auditor.report import BreachMode, Report

AS_OF = date(2026, 11, 22)


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    lumiere = Practice("690034566", "Optique Lumière")
    accounts = (
        # Findings of every severity: breached, weak and reused, age unknown.
        make_account(
            portal="viamedis", username="a\x01b", password="soleil", password_changed=None
        ),
        make_account(
            practice=lumiere, username="sdurand", owner="Sophie Durand", password="soleil"
        ),
        make_account(
            practice=lumiere, portal="itelis", username="lookup", password="Zq8#Lm2!vR9@wTx4"
        ),
    )
    breach = fake_breach({"soleil": 5}, unknown=["Zq8#Lm2!vR9@wTx4"])
    return run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        breach,
        breach_mode=BreachMode.OFFLINE,
    )


def junit(report: Report, threshold: Severity | None) -> ET.Element:
    text = OutputFormat.JUNIT.to_formatter(RenderOptions(fail_threshold=threshold)).render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode())  # noqa: S314 - our own output, not untrusted input


def test_one_suite_per_practice_and_one_case_per_account_and_check(report: Report) -> None:
    root = junit(report, Severity.HIGH)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "690034566 Optique Lumière",
        "750056780 Pharmacie du Marché",
    ]
    assert int(root.get("tests", "0")) == 3 * len(CheckId)
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "0")) == len(cases)
        assert int(suite.get("failures", "0")) == len(suite.findall("testcase/failure"))
    [error] = root.findall(".//testcase[@name='breached']/error")
    assert error.get("type") == "lookup-failed"
    assert root.get("errors") == "1"
    breached = root.find(
        ".//testcase[@classname='690034566.kalixia.sdurand (Sophie Durand)'][@name='breached']"
    )
    assert breached is not None
    failure = breached.find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("[critical] the password appears 5 times")
    assert "Due: 22 November 2026" in (failure.text or "")


def test_the_threshold_decides_failures(report: Report) -> None:
    counts = {}
    for threshold in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, None):
        root = junit(report, threshold)
        counts[threshold] = int(root.get("failures", "0"))
        found = [f for p in report.practices for f in p.findings]
        expected = sum(1 for f in found if threshold is not None and f.severity.at_least(threshold))
        assert counts[threshold] == expected
    assert counts[Severity.CRITICAL] < counts[Severity.HIGH] < counts[Severity.MEDIUM]
    assert counts[None] == 0
    below = junit(report, Severity.CRITICAL).find(".//testcase[@name='weak']/system-out")
    assert below is not None
    assert (below.text or "").startswith("[high, below --fail-on]")


def test_control_characters_do_not_break_the_xml(report: Report) -> None:
    root = junit(report, Severity.HIGH)
    assert (
        root.find(".//testcase[@classname='750056780.viamedis.a\ufffdb (Jeanne Doe)']") is not None
    )


def test_csv_for_french_excel(report: Report) -> None:
    text = OutputFormat.CSV.to_formatter(RenderOptions(csv_dialect=CsvDialect.EXCEL_FR)).render(
        report
    )
    assert text.startswith("\ufeffpractice_id;practice_name;")
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert {row["practice_name"] for row in rows} == {"Pharmacie du Marché", "Optique Lumière"}
    standard = OutputFormat.CSV.to_formatter().render(report)
    assert standard.startswith("practice_id,practice_name,")
    assert "\r\n" not in standard
