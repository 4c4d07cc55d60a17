"""The terminal summary: per practice, how bad it is and the most urgent actions."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.formats.describe import severity_counts, status_line
from auditor.formats.interface import Formatter
from auditor.models import Severity
from auditor.report import Report

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


class TerminalFormat(Formatter):
    """Short, coloured when the terminal allows (``NO_COLOR`` is honoured by rich)."""

    extension = "txt"

    def __init__(self, *, color: bool = False, width: int = 100, max_rows: int = 12) -> None:
        self.color = color
        self.width = width
        self.max_rows = max_rows  # findings listed per practice; the rest are counted

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
            if practice.findings:
                table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 1))
                for column in ("", "severity", "due", "portal", "login", "owner", "check"):
                    table.add_column(column, no_wrap=column not in ("login", "owner"))
                urgent = sorted(
                    practice.findings, key=lambda f: (f.severity.rank, f.due, f.sort_key)
                )
                for finding in urgent[: self.max_rows]:
                    table.add_row(
                        "",
                        Text(finding.severity.value, style=_STYLE[finding.severity]),
                        finding.due.isoformat(),
                        finding.account.portal,
                        finding.account.username,
                        finding.account.owner or "",
                        finding.check.value,
                    )
                console.print(table)
                if len(urgent) > self.max_rows:
                    console.print(
                        f"  … and {len(urgent) - self.max_rows} more: see the JSON, Markdown or "
                        "CSV report (--format, --out)"
                    )
            console.print()
        state = "complete" if report.complete else "INCOMPLETE (some breach lookups failed)"
        console.print(
            f"Audit {state} as of {report.as_of.isoformat()}: {report.account_count} accounts, "
            f"{len(report.findings)} findings ({severity_counts(report.counts())})."
        )
        if report.skipped_rows:
            console.print(f"{len(report.skipped_rows)} invalid rows were skipped (--skip-invalid).")
        return buffer.getvalue()
