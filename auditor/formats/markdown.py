"""The Markdown report: what a practice must do, readable in a mail, a wiki or a merge request."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.formats.describe import (
    breach_word,
    changed_text,
    left_out_line,
    severity_counts,
    status_line,
)
from auditor.formats.interface import Formatter
from auditor.models import Finding
from auditor.report import PracticeReport, Report


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def _by_due(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.due, f.severity.rank, f.sort_key))


class MarkdownFormat(Formatter):
    """A summary, then per practice its status, its action list by due date, and its accounts."""

    extension = "md"

    def render(self, report: Report) -> str:
        out = [f"# Portal password audit — {report.as_of.isoformat()}", ""]
        out += self._overview(report)
        for practice in report.practices:
            out += ["", *self._practice(practice)]
        if report.skipped_rows:
            out += ["", "## Rows not audited", ""]
            out += [f"- `{row}`" for row in report.skipped_rows]
        return "\n".join(out) + "\n"

    def _overview(self, report: Report) -> list[str]:
        lines = [
            f"- Accounts audited: {report.account_count} in {len(report.practices)} practice(s)",
            f"- Findings: {severity_counts(report.counts())}",
            f"- Breach check: {report.breach_mode.value}"
            + (f" ({report.breach_source})" if report.breach_source else ""),
        ]
        if report.left_out:
            lines.append(f"- {left_out_line(report)}")
        if not report.complete:
            lines.append(
                "- **Incomplete**: some breach lookups failed; those passwords are marked "
                "`unknown`, not clean. Run the audit again."
            )
        if len(report.practices) > 1:
            rows = [
                [
                    p.practice.id,
                    p.practice.name,
                    p.worst.value if p.worst else "none",
                    severity_counts(p.counts()),
                ]
                for p in sorted(report.practices, key=_risk)
            ]
            lines += ["", *_table(["FINESS", "Practice", "Worst", "Findings"], rows)]
        return lines

    def _practice(self, practice: PracticeReport) -> list[str]:
        title = practice.practice.name or practice.practice.id
        lines = [f"## {title} (FINESS {practice.practice.id})", "", f"**{status_line(practice)}**"]
        if practice.findings:
            rows = [
                [
                    f.due.isoformat(),
                    f.severity.value,
                    f.account.portal,
                    f.account.username,
                    f.account.owner or "",
                    f.check.value,
                    f.message,
                    f.action,
                ]
                for f in _by_due(practice.findings)
            ]
            lines += ["", "### What to do, by date", ""]
            lines += _table(
                ["Due", "Severity", "Portal", "Login", "Owner", "Check", "Why", "What to do"], rows
            )
        accounts = [
            [
                a.account.portal,
                a.account.username,
                a.account.owner or "",
                a.account.role.value,
                changed_text(a),
                {True: "on", False: "off", None: "unknown"}[a.account.mfa],
                breach_word(a),
                ", ".join(f.check.value for f in practice.findings_for(a)) or "ok",
            ]
            for a in practice.accounts
        ]
        lines += ["", "### Accounts", ""]
        lines += _table(
            ["Portal", "Login", "Owner", "Role", "Last change", "MFA", "Breach", "Checks"], accounts
        )
        return lines


def _risk(practice: PracticeReport) -> tuple[int, int, str]:
    """Most urgent first, then most findings."""
    worst = practice.worst.rank if practice.worst else 99
    return (worst, -len(practice.findings), practice.practice.id)
