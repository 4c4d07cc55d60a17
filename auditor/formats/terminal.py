"""The terminal summary: per practice, how bad it is and the most urgent actions."""

from __future__ import annotations

import io
from datetime import date

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.formats.describe import left_out_line, severity_counts, status_line
from auditor.formats.interface import Formatter
from auditor.models import AccountRef, Severity
from auditor.report import PracticeReport, Report

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


def _account_rows(
    practice: PracticeReport,
) -> list[tuple[Severity, date, AccountRef, list[str]]]:
    """One row per account with findings: worst severity, earliest due date, check ids."""
    rows = [
        (
            min((f.severity for f in found), key=lambda severity: severity.rank),
            min(f.due for f in found),
            ref,
            [f.check.value for f in sorted(found, key=lambda f: (f.severity.rank, f.check.value))],
        )
        for ref, found in practice.findings_by_account.items()
    ]
    return sorted(rows, key=lambda row: (row[0].rank, row[1], str(row[2])))


class TerminalFormat(Formatter):
    """Per practice, one line per account to act on, most urgent first; coloured on request."""

    extension = "txt"

    def __init__(self, *, color: bool = False, width: int = 100, max_rows: int = 15) -> None:
        self.color = color
        self.width = width
        self.max_rows = max_rows  # accounts listed per practice; the rest are counted

    def render(self, report: Report) -> str:
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            force_terminal=self.color,
            no_color=not self.color,
            width=self.width,
            highlight=False,
            emoji=False,
        )
        for practice in report.practices:
            header = Text(f"{practice.practice.id} {practice.practice.name}".strip(), style="bold")
            console.print(header)
            style = _STYLE[practice.worst] if practice.worst else "green"
            console.print(Text(f"  {status_line(practice)}", style=style))
            console.print(
                f"  {len(practice.accounts)} accounts; {severity_counts(practice.counts())}"
            )
            rows = _account_rows(practice)
            if rows:
                table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 1))
                for column in ("", "severity", "due", "portal", "login", "owner", "why"):
                    table.add_column(column, no_wrap=column not in ("login", "owner", "why"))
                for severity, due, ref, checks in rows[: self.max_rows]:
                    table.add_row(
                        "",
                        Text(severity.value, style=_STYLE[severity]),
                        due.isoformat(),
                        ref.portal,
                        ref.username,
                        ref.owner or "",
                        ", ".join(checks),
                    )
                console.print(table)
                if len(rows) > self.max_rows:
                    console.print(
                        f"  … and {len(rows) - self.max_rows} more accounts: see the JSON, "
                        "Markdown or CSV report (--format, --out)"
                    )
            console.print()
        state = "complete" if report.complete else "INCOMPLETE (some breach lookups failed)"
        console.print(
            f"Audit {state} as of {report.as_of.isoformat()}: {report.account_count} accounts, "
            f"{len(report.findings)} findings ({severity_counts(report.counts())})."
        )
        if report.skipped_rows:
            console.print(f"{len(report.skipped_rows)} invalid rows were skipped (--skip-invalid).")
        if report.left_out:
            console.print(left_out_line(report))
        return buffer.getvalue()
