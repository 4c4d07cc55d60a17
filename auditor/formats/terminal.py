"""The terminal summary: per practice, how bad it is and the most urgent actions."""

from __future__ import annotations

import io
from datetime import date

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.formats.describe import (
    changes_line,
    check_label,
    copies_lines,
    expired_waiver_line,
    left_out_line,
    portal_name,
    priority_line,
    severity_counts,
    severity_label,
    status_line,
    unchecked_line,
)
from auditor.formats.interface import Formatter
from auditor.i18n import Lang, catalog
from auditor.models import AccountRef, CheckId, Severity
from auditor.report import PracticeReport, Report
from auditor.safetext import terminal as term

UNCHECKED_STYLE = "yellow"
"""Not checked is not clean: never the green of "nothing to change"."""

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


def _account_rows(
    practice: PracticeReport,
) -> list[tuple[Severity, date, AccountRef, list[CheckId]]]:
    """One row per account with findings, in the report's priority: worst severity, earliest
    due date, check ids."""
    rows = []
    for ref, found in practice.to_act_on:
        ordered = sorted(found, key=lambda f: f.rank)
        rows.append(
            (ordered[0].severity, min(f.due for f in found), ref, [f.check for f in ordered])
        )
    return rows


class TerminalFormat(Formatter):
    """Per practice, one line per account to act on, most urgent first; coloured on request."""

    extension = "txt"

    def __init__(
        self, *, color: bool = False, width: int = 100, max_rows: int = 15, lang: Lang = Lang.EN
    ) -> None:
        self.words = catalog(lang).escaped(term)
        self.color = color
        self.width = width
        self.max_rows = max_rows  # accounts listed per practice; the rest are counted

    def render(self, report: Report) -> str:
        # Everything goes to Rich as Text, never as a markup string, so "[bold red]"
        # or "[link=…]" in a name is printed as written; values lose their controls.
        words = self.words
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
            self._practice(console, report, practice)
        if (order := priority_line(words, report)) is not None:
            console.print(Text(order))
        if report.breach_skipped:
            console.print(Text(words.t("coverage.misc.breach_skipped"), style=UNCHECKED_STYLE))
        console.print(Text(self._total(report)))
        if report.skipped_rows:
            console.print(Text(words.t("report.skipped", n=len(report.skipped_rows))))
        if report.left_out:
            console.print(Text(left_out_line(words, report)))
        for waiver in report.expired_waivers:
            console.print(Text(expired_waiver_line(words, waiver), style="yellow"))
        return buffer.getvalue()

    def _practice(self, console: Console, report: Report, practice: PracticeReport) -> None:
        """One practice: its name, status, what was not checked, and the accounts to act on."""
        words = self.words
        shown = practice.practice
        # The anonymised copy's id is a pseudonym that repeats its name: the name is enough.
        name = term(
            shown.name or shown.id
            if report.pseudonymous_practices
            else f"{shown.id} {shown.name}".strip()
        )
        console.print(Text(name, style="bold"))
        if practice.worst:
            style = _STYLE[practice.worst]
        else:
            style = "green" if practice.fully_checked else UNCHECKED_STYLE
        console.print(Text(f"  {status_line(words, practice)}", style=style))
        if (unchecked := unchecked_line(words, practice, report.portal_names)) is not None:
            console.print(Text(f"  {unchecked}", style=UNCHECKED_STYLE))
        counts = words.t(
            "terminal.practice_counts",
            n=len(practice.accounts),
            counts=severity_counts(words, practice.counts()),
        )
        console.print(Text(f"  {counts}"))
        if practice.waived:
            console.print(Text("  " + words.t("waiver.count", n=len(practice.waived))))
        if practice.changes is not None:
            console.print(Text("  " + changes_line(words, practice.changes)))
        rows = _account_rows(practice)
        if rows:
            table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 1))
            for column in ("", "severity", "due", "portal", "login", "owner", "why"):
                table.add_column(
                    words.t(f"column.{column}") if column else "",
                    no_wrap=column not in ("portal", "owner", "why"),
                )
            for severity, due, ref, checks in rows[: self.max_rows]:
                table.add_row(
                    "",
                    Text(severity_label(words, severity), style=_STYLE[severity]),
                    Text(words.short_day(due)),
                    Text(term(portal_name(report, ref.portal))),
                    Text(term(ref.username)),
                    Text(term(ref.owner or "")),
                    Text(", ".join(check_label(words, check) for check in checks)),
                )
            console.print(table)
            if len(rows) > self.max_rows:
                more = words.t("terminal.more", n=len(rows) - self.max_rows)
                console.print(Text(f"  {more}"))
        for line in copies_lines(words, report, practice):
            console.print(Text(f"  {line}"))
        console.print()

    def _total(self, report: Report) -> str:
        """The last line; "complete" only when every account of every practice was fully checked."""
        words = self.words
        if not report.complete:
            state = words.t("terminal.incomplete")
        elif not report.fully_checked:
            state = words.t("coverage.misc.terminal_partial")
        else:
            state = words.t("terminal.complete")
        return words.t(
            "terminal.total",
            state=state,
            as_of=words.day(report.as_of),
            accounts=words.t("count.accounts", n=report.account_count),
            findings=words.t("count.findings", n=len(report.findings)),
            counts=severity_counts(words, report.counts()),
        )
