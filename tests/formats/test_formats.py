from __future__ import annotations

import csv
import io
import json
import stat
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats import OutputFormat, RenderOptions, write_reports
from auditor.formats.csvfmt import spreadsheet_safe
from auditor.models import Account, Practice
from auditor.policy import Policy
from auditor.report import BreachMode, Report

AS_OF = date(2026, 11, 22)


@pytest.fixture
def report(make_account: Callable[..., Account], audit_of: Callable[..., Report]) -> Report:
    other = Practice("690034566", "Optique Lumière")
    accounts = (
        make_account(portal="viamedis", username="a|b", password="soleil", password_changed=None),
        make_account(
            portal="almerys",
            username="=cmd()",
            owner="@owner",
            password="V7#qLm2!xR9@wTz4",
            password_changed=None,
        ),
        make_account(practice=other, username="sdurand", password="soleil"),
    )
    return audit_of(accounts)


@pytest.mark.parametrize("choice", list(OutputFormat))
def test_every_format_renders_deterministically(choice: OutputFormat, report: Report) -> None:
    formatter = choice.to_formatter()
    first = formatter.render(report)
    assert first and first == formatter.render(report)


def test_json_schema(report: Report) -> None:
    document = json.loads(OutputFormat.JSON.to_formatter().render(report))
    assert document["schema"] == "portal-auditor/report/v1"
    assert document["as_of"] == "2026-11-22"
    assert document["complete"] is True
    assert document["breach_check"] == {"mode": "offline", "source": "fake"}
    assert [p["practice_id"] for p in document["practices"]] == ["690034566", "750056780"]
    practice = document["practices"][1]
    finding = practice["findings"][0]
    assert set(finding) >= {"check", "severity", "portal", "username", "message", "due", "action"}
    account = next(a for a in practice["accounts"] if a["portal"] == "viamedis")
    assert account["password"]["breach"] == "pwned" and account["password"]["breach_count"] == 5
    assert "breached" in account["checks"]
    assert set(account["password"]) == {"recorded", "breach", "breach_count", "zxcvbn_score"}


def test_markdown_lists_actions_by_due_date(report: Report) -> None:
    text = OutputFormat.MARKDOWN.to_formatter().render(report)
    assert "## Pharmacie du Marché (FINESS 750056780)" in text
    assert "ACT TODAY" in text
    assert "a\\|b" in text  # table cells are escaped
    section = text.split("## Pharmacie du Marché")[1].split("### Accounts")[0]
    table = [line for line in section.splitlines() if line.startswith("|")][2:]
    cells = [line.split("|")[1].strip() for line in table]
    dues = [datetime.strptime(cell, "%d %b %Y").date() for cell in cells]
    assert dues == sorted(dues) and dues


def test_csv_neutralises_formulas(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(OutputFormat.CSV.to_formatter().render(report))))
    usernames = {row["username"] for row in rows}
    assert "'=cmd()" in usernames and "=cmd()" not in usernames
    assert spreadsheet_safe("+1") == "'+1" and spreadsheet_safe("ok") == "ok"


def test_terminal_summary(report: Report) -> None:
    text = OutputFormat.TERMINAL.to_formatter(RenderOptions(width=120)).render(report)
    assert "750056780 Pharmacie du Marché" in text
    assert "ACT TODAY" in text
    assert "\x1b[" not in text  # no colour unless asked
    assert "\x1b[" in OutputFormat.TERMINAL.to_formatter(RenderOptions(color=True)).render(report)


def test_incomplete_report_says_so(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    inventory = Inventory((make_account(password="x"),), (), ("i.csv",))
    report = run_audit(
        inventory, policy, AS_OF, fake_breach(unknown=["x"]), breach_mode=BreachMode.ONLINE
    )
    assert not report.complete
    assert json.loads(OutputFormat.JSON.to_formatter().render(report))["complete"] is False
    assert "Incomplete" in OutputFormat.MARKDOWN.to_formatter().render(report)
    assert "INCOMPLETE" in OutputFormat.TERMINAL.to_formatter().render(report)


def test_reports_are_written_privately_per_practice(report: Report, tmp_path: Path) -> None:
    out = tmp_path / "out"
    formatters = [OutputFormat.JSON.to_formatter(), OutputFormat.CSV.to_formatter()]
    written = write_reports(report, out, formatters)
    expected = {
        out / "690034566" / "report.json",
        out / "750056780" / "report.json",
        out / "summary.json",
        out / "690034566" / "report.csv",
        out / "750056780" / "report.csv",
        out / "summary.csv",
    }
    assert set(written) == expected
    for path in expected:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "750056780").stat().st_mode) == 0o700
    assert stat.S_IMODE(out.stat().st_mode) == 0o700  # created on the way, private too
    assert not list(out.rglob(".*.tmp"))
    one = json.loads((out / "750056780" / "report.json").read_text())
    assert [p["practice_id"] for p in one["practices"]] == ["750056780"]


def test_rewriting_replaces_the_file_in_one_step(report: Report, tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old")
    target.chmod(0o644)
    write_reports(report, tmp_path, [OutputFormat.JSON.to_formatter()])
    assert target.read_text().startswith("{")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_no_color_is_honoured_on_a_terminal(
    report: Report,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from auditor.cli.audit import _emit

    rendered: list[bool] = []
    real = OutputFormat.to_formatter

    def spy(self: OutputFormat, options: Any = None) -> Any:
        rendered.append(options.color)
        return real(self, options)

    monkeypatch.setattr(OutputFormat, "to_formatter", spy)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    _emit((), None, report)
    monkeypatch.delenv("NO_COLOR")
    _emit((), None, report)
    assert rendered == [False, True]
    assert "Pharmacie du Marché" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("changed", "password", "expected"),
    [
        (date(2025, 6, 1), "V7#qLm2!xR9@wTz4", "OK: no password needs to change."),
        (None, "V7#qLm2!xR9@wTz4", "TO PLAN: no urgent problem; 1 account with improvements due."),
        (
            date(2025, 6, 1),
            "azerty",
            "ACT THIS WEEK: 1 account with a weak, reused or outdated password.",
        ),
        (date(2025, 6, 1), "soleil", "ACT TODAY: 1 account must change its password now."),
    ],
)
def test_status_line_speaks_plainly(
    changed: date | None,
    password: str,
    expected: str,
    make_account: Callable[..., Account],
    policy: Policy,
    fake_breach: Any,
) -> None:
    from auditor.formats.describe import status_line
    from auditor.i18n import Lang, catalog

    inventory = Inventory(
        (make_account(password=password, password_changed=changed),), (), ("i.csv",)
    )
    report = run_audit(
        inventory, policy, AS_OF, fake_breach({"soleil": 9}), breach_mode=BreachMode.OFFLINE
    )
    assert status_line(catalog(Lang.EN), report.practices[0]) == expected


def test_terminal_lists_each_account_once_with_its_reasons(report: Report) -> None:
    text = OutputFormat.TERMINAL.to_formatter(RenderOptions(width=160)).render(report)
    viamedis = [line for line in text.splitlines() if " Viamedis " in line]
    assert len(viamedis) == 1
    assert "breached" in viamedis[0] and "weak" in viamedis[0] and "age unknown" in viamedis[0]
