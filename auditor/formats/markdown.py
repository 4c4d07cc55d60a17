"""The Markdown report: what a practice must do, readable in a mail, a wiki or a merge request."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.formats.describe import (
    AccountNames,
    breach_label,
    change_groups,
    changed_text,
    changes_line,
    check_label,
    checks_text,
    copies_lines,
    expired_waiver_line,
    left_out_line,
    mfa_label,
    portal_name,
    practice_title,
    priority_line,
    risk_order,
    severity_counts,
    severity_label,
    status_line,
    unchecked_line,
)
from auditor.formats.interface import Formatter
from auditor.formats.references import references_view
from auditor.i18n import Lang, catalog
from auditor.models import Finding
from auditor.report import PracticeReport, Report
from auditor.report.changes import PracticeChanges
from auditor.report.priority import finding_key
from auditor.safetext import markdown as md


def _cell(text: str) -> str:
    """A rendered cell on one line; its inventory values were escaped (``|`` included) already."""
    return text.replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def _by_due(practice: PracticeReport) -> list[Finding]:
    """Findings by due date, then in the report's priority (severity, then breach count)."""
    return sorted(
        practice.findings,
        key=lambda f: (f.due, finding_key(f, practice.breach_count(f.account))),
    )


class MarkdownFormat(Formatter):
    """A summary, then per practice its status, its action list by due date, and its accounts."""

    extension = "md"

    def __init__(self, lang: Lang = Lang.EN) -> None:
        # Every value a sentence carries (names, logins, paths) is escaped for Markdown.
        self.words = catalog(lang).escaped(md)

    def render(self, report: Report) -> str:
        words = self.words
        out = [f"# {words.t('report.title', as_of=words.day(report.as_of))}", ""]
        out += self._overview(report)
        for practice in report.practices:
            out += ["", *self._practice(report, practice)]
        if report.skipped_rows:
            out += ["", f"## {words.t('report.rows_not_audited')}", ""]
            # The whole line escaped, as before: its catalogue words hold column names (a_b).
            plain_words = catalog(words.lang)
            out += [f"- {md(row.text(plain_words))}" for row in report.skipped_rows]
        return "\n".join(out) + "\n"

    def _columns(self, *names: str) -> list[str]:
        return [self.words.t(f"column.{name}") for name in names]

    def _overview(self, report: Report) -> list[str]:
        words = self.words
        lines = [
            "- "
            + words.t(
                "report.accounts_audited",
                accounts=words.t("count.accounts", n=report.account_count),
                practices=words.t("count.practices", n=len(report.practices)),
            ),
            "- " + words.t("report.findings", counts=severity_counts(words, report.counts())),
            "- "
            + words.t(
                "report.breach_check", mode=words.t(f"breach_mode.{report.breach_mode.value}")
            )
            + (f" ({md(report.breach_source)})" if report.breach_source else ""),
        ]
        if report.breach_skipped:
            lines.append(f"- **{words.t('coverage.misc.breach_skipped')}**")
        if report.left_out:
            lines.append(f"- {left_out_line(words, report)}")
        if (order := priority_line(words, report)) is not None:
            lines.append(f"- {order}")
        if not report.complete:
            lines.append(f"- **{words.t('report.incomplete')}**")
        lines += [f"- **{expired_waiver_line(words, w)}**" for w in report.expired_waivers]
        if len(report.practices) > 1:
            rows = [
                [
                    md(p.practice.id),
                    md(p.practice.name),
                    severity_label(words, p.worst)
                    if p.worst
                    else words.t("severity.none" if p.fully_checked else "coverage.misc.tone"),
                    severity_counts(words, p.counts()),
                ]
                for p in sorted(report.practices, key=risk_order)
            ]
            lines += ["", *_table(self._columns("finess", "practice", "worst", "findings"), rows)]
        return lines

    def _changes(self, report: Report, changes: PracticeChanges) -> list[str]:
        """The sentence, then each new, fixed and departed finding."""
        words = self.words
        lines = [changes_line(words, changes)]
        for heading, keys in change_groups(changes):
            lines += ["", f"#### {words.t(heading)}", ""]
            lines += [
                f"- {md(portal_name(report, key.portal))} {md(key.username)}"
                f" — {check_label(words, key.check)}"
                for key in keys
            ]
        return lines

    def _practice(self, report: Report, practice: PracticeReport) -> list[str]:
        words = self.words
        title = practice_title(words, report, practice)
        lines = [f"## {title}", "", f"**{status_line(words, practice)}**"]
        if (unchecked := unchecked_line(words, practice, report.portal_names)) is not None:
            lines += ["", f"**{unchecked}**"]
        if practice.changes is not None:
            lines += ["", *self._changes(report, practice.changes)]
        named = AccountNames(words, report)  # accounts a finding names, by their portals
        if practice.findings:
            rows = [
                [
                    words.short_day(f.due),
                    severity_label(words, f.severity),
                    md(portal_name(report, f.account.portal)),
                    md(f.account.username),
                    md(f.account.owner or ""),
                    check_label(words, f.check),
                    named.text(f.message),
                    words.text(f.action),
                ]
                for f in _by_due(practice)
            ]
            lines += ["", f"### {words.t('practice.actions_by_date')}", ""]
            lines += _table(
                self._columns(
                    "due", "severity", "portal", "login", "owner", "check", "why", "what_to_do"
                ),
                rows,
            )
        if practice.waived:
            rows = [
                [
                    md(portal_name(report, w.finding.account.portal)),
                    md(w.finding.account.username),
                    md(w.finding.account.owner or ""),
                    check_label(words, w.finding.check),
                    named.text(w.finding.message),
                    words.short_day(w.waiver.expires),
                    md(w.waiver.accepted_by),
                    md(w.waiver.reason),
                ]
                for w in practice.waived
            ]
            lines += ["", f"### {words.t('waiver.title')}", "", words.t("waiver.help"), ""]
            lines += _table(
                [
                    *self._columns("portal", "login", "owner", "check", "why"),
                    words.t("waiver.column_until"),
                    words.t("waiver.column_accepted_by"),
                    words.t("waiver.column_reason"),
                ],
                rows,
            )
        accounts = [
            [
                md(portal_name(report, a.account.portal)),
                md(a.account.username),
                md(a.account.owner or ""),
                words.text(a.account.role.phrase),
                changed_text(words, a),
                mfa_label(words, a.account.mfa),
                breach_label(words, a),
                checks_text(words, practice, a),
            ]
            for a in practice.accounts
        ]
        lines += ["", f"### {words.t('practice.accounts')}", ""]
        lines += _table(
            self._columns(
                "portal", "login", "owner", "role", "last_change", "mfa", "breach", "checks"
            ),
            accounts,
        )
        if copies := copies_lines(words, report, practice):
            lines += ["", f"### {words.t('copies.title')}", "", words.t("copies.help"), ""]
            lines += [f"- {line}" for line in copies]
        return [*lines, "", *self._references(report, practice)]

    def _references(self, report: Report, practice: PracticeReport) -> list[str]:
        """Each account against each reference, then each rule with its source and reasons."""
        words = self.words
        view = references_view(words, report, practice, md)
        lines = [f"### {words.t('references.title')}", "", words.t("references.intro"), ""]
        lines += _table(
            [*self._columns("portal", "login", "owner"), *(ref.short for ref in view.references)],
            [
                [row.portal, row.username, row.owner, *(cell.symbol for cell in row.cells)]
                for row in view.rows
            ],
        )
        for ref in view.references:
            lines += [
                "",
                f"#### {ref.title}",
                "",
                ref.edition + (f" — `{ref.url}`" if ref.url else ""),
            ]
            lines.append("")
            for rule in ref.rules:
                lines.append(f"- {rule.statement} ({rule.source}) `{rule.id}`")
                lines += [f"  - {line.text}" for line in rule.lines]
        return lines
