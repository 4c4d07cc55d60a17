"""The JSON report (schema ``portal-auditor/report/v1``) for programs and CI."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from auditor.formats.describe import breach_word, waiver_scope
from auditor.formats.interface import Formatter
from auditor.hibp import Pwned
from auditor.i18n import machine_english
from auditor.models import Finding
from auditor.password.derive import AuditedAccount
from auditor.policy import Waiver
from auditor.policy.standards import PolicyBasis, load_standards
from auditor.report import REPORT_SCHEMA, PracticeReport, Report
from auditor.report.changes import changes_document
from auditor.report.standards import outcome_word, standings
from auditor.safetext import json_text


def _account(practice: PracticeReport, audited: AuditedAccount) -> dict[str, Any]:
    account = audited.account
    facts = audited.facts
    password: dict[str, Any] = {"recorded": facts is not None, "breach": breach_word(audited)}
    if facts is not None:
        # Counts and the coarse 0–4 score cannot give the password back; its
        # length, entropy and fingerprints are deliberately left out.
        if isinstance(facts.breach, Pwned):
            password["breach_count"] = facts.breach.count
        password["zxcvbn_score"] = facts.strength.zxcvbn_score
    return {
        "portal": account.portal,
        "username": account.username,
        "owner": account.owner,
        "owner_email": account.owner_email,
        "role": account.role.value,
        "password_changed": account.password_changed.isoformat()
        if account.password_changed
        else None,
        "password_changed_approximate": account.changed_approximate,
        "expires": account.expires.isoformat() if account.expires else None,
        "mfa": account.mfa,
        "origin": str(account.origin),
        "password": password,
        "checks": [finding.check.value for finding in practice.findings_for(audited)],
        # Added in v1 (fields are only ever added): why some checks did not run, or null.
        "not_checked": gap.value if (gap := practice.gap(audited)) else None,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check.value,
        "severity": finding.severity.value,
        "portal": finding.account.portal,
        "username": finding.account.username,
        "owner": finding.account.owner,
        # Programs read the JSON report: its words stay English whatever --lang says.
        "message": machine_english().text(finding.message),
        "action": machine_english().text(finding.action),
        "due": finding.due.isoformat(),
    }


def _waiver(waiver: Waiver) -> dict[str, Any]:
    return {
        "scope": waiver_scope(waiver),
        "check": waiver.check.value if waiver.check else None,
        "practice": waiver.practice,
        "portal": waiver.portal,
        "username": waiver.username,
        "reason": waiver.reason,
        "accepted_by": waiver.accepted_by,
        "expires": waiver.expires.isoformat(),
        "declared_in": waiver.where,
    }


def report_document(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data."""
    return _document(
        report, [_practice(practice, report.standards) for practice in report.practices]
    )


def _document(report: Report, practices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema": REPORT_SCHEMA,
        "tool": {"name": "portal-auditor", "version": report.tool_version},
        "as_of": report.as_of.isoformat(),
        "complete": report.complete,
        # False when an account was not fully checked (no password, lookup failed, or
        # --no-breach-check); ``complete`` keeps its meaning: no lookup failed.
        "fully_checked": report.fully_checked,
        "breach_check": {"mode": report.breach_mode.value, "source": report.breach_source},
        "inventories": list(report.inventories),
        "policy_files": list(report.policy_files),
        "summary": {
            "practices": len(report.practices),
            "accounts": report.account_count,
            "findings": {s.value: n for s, n in report.counts().items()},
            "waived": len(report.waived),
        },
        "skipped_rows": [
            {
                "file": row.path,
                "line": row.line,
                "entry": row.entry,
                "column": row.column,
                "reason": machine_english().text(row.reason),
            }
            for row in report.skipped_rows
        ],
        "left_out": [
            {"file": left.path, "entries": left.entries}
            | (
                {"near": [{"title": m.title, "portal": m.portal} for m in left.near]}
                if left.near
                else {}
            )
            for left in report.left_out
        ],
        "expired_waivers": [_waiver(waiver) for waiver in report.expired_waivers],
        "practices": practices,
    }


def _practice(practice: PracticeReport, basis: PolicyBasis | None) -> dict[str, Any]:
    return {
        "practice_id": practice.practice.id,
        "practice_name": practice.practice.name,
        "worst_severity": practice.worst.value if practice.worst else None,
        "fully_checked": practice.fully_checked,
        "findings_by_severity": {s.value: n for s, n in practice.counts().items()},
        "accounts": [_account(practice, audited) for audited in practice.accounts],
        "findings": [_finding(finding) for finding in practice.findings],
        # null without history; previous_as_of null on a practice's first recorded run.
        "since_previous": changes_document(practice.changes) if practice.changes else None,
        # Waived findings stay visible, with the accepted risk that excuses them.
        "waived": [
            {**_finding(excused.finding), "waiver": _waiver(excused.waiver)}
            for excused in practice.waived
        ],
        # Added in v1: each account against CNIL 2022-100, NIST SP 800-63B-4, ANSSI, the policy.
        "references": _references(practice, basis),
    }


def _references(practice: PracticeReport, basis: PolicyBasis | None) -> list[dict[str, Any]]:
    english = machine_english()
    return [
        {
            "id": found.reference.id,
            "title": found.reference.title_en,
            "version": found.reference.version,
            "date": found.reference.date,
            "url": found.reference.url,
            "rules": [
                {"id": rule.id, "statement": rule.en, "source": rule.source}
                for rule in found.reference.rules
            ],
            "accounts": [
                {
                    "portal": standing.audited.account.portal,
                    "username": standing.audited.account.username,
                    "owner": standing.audited.account.owner,
                    "outcome": standing.overall,
                    "rules": [
                        {
                            "rule": result.rule.id,
                            "outcome": outcome_word(result.outcome),
                            "reason": english.text(result.outcome.reason),
                        }
                        for result in standing.results
                    ],
                }
                for standing in found.accounts
            ],
        }
        for found in standings(practice, basis, load_standards())
    ]


class _OnDemand(list[dict[str, Any]]):
    """The practices' documents, each built when the encoder reaches it and then dropped.

    A group's report can run to hundreds of megabytes; building every practice's
    document first would hold all of them at once. ``json``'s encoder accepts
    this list subclass and only asks it for its length and an iterator. Only the
    streaming writer uses it: indexing it would find nothing, so it never leaves
    this module.
    """

    def __init__(self, practices: Sequence[PracticeReport], basis: PolicyBasis | None) -> None:
        super().__init__()
        self._practices = practices
        self._basis = basis

    def __len__(self) -> int:
        return len(self._practices)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (_practice(practice, self._basis) for practice in self._practices)


class JsonFormat(Formatter):
    """Machine-readable report; field names are part of the public schema."""

    extension = "json"

    def render(self, report: Report) -> str:
        return "".join(self.chunks(report))

    def chunks(self, report: Report) -> Iterator[str]:
        encoder = json.JSONEncoder(indent=2, ensure_ascii=False)
        # The data stays exact; characters a terminal or a web page would act on
        # are written as \uXXXX escapes (JSON escapes C0 itself).
        practices = _OnDemand(report.practices, report.standards)
        for chunk in encoder.iterencode(_document(report, practices)):
            yield json_text(chunk)
        yield "\n"
