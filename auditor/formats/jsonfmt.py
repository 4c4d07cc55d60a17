"""The JSON report (schema ``portal-auditor/report/v1``) for programs and CI."""

from __future__ import annotations

import json
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from auditor.formats.describe import RememberingCatalog, breach_word, waiver_scope
from auditor.formats.interface import Formatter
from auditor.hibp import Pwned
from auditor.i18n import machine_english
from auditor.i18n.phrase import Phrase
from auditor.models import CheckId, Finding, Role, Severity
from auditor.password.derive import AuditedAccount
from auditor.policy import Waiver
from auditor.policy.standards import PolicyBasis, Reference, load_standards
from auditor.report import REPORT_SCHEMA, Gap, PracticeReport, Report
from auditor.report.changes import changes_document
from auditor.report.standards import RuleResult, outcome_word, overall, standings
from auditor.safetext import json_text

_encode_string = json.encoder.encode_basestring
"""A string as JSON with ``ensure_ascii=False`` (C0, quotes and backslashes escaped): the
function of ``json`` itself, in C."""


def _string(value: str) -> str:
    """A string as the report writes it: JSON, with what a terminal or a web page would act on
    written as \\uXXXX escapes (``safetext.json_text``; JSON escapes C0 itself).

    The data stays exact. Most strings are ASCII without ``< > &`` (nor DEL), which
    ``json_text`` leaves alone: those skip it, as a test in C is quicker than its search.
    """
    text: str = _encode_string(value)
    inert = value.isascii() and "<" not in value and ">" not in value
    if inert and "&" not in value and "\x7f" not in value:
        return text
    return json_text(text)


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


def _finding(finding: Finding, pieces: _Pieces | None = None) -> dict[str, Any]:
    # Programs read the JSON report: its words stay English whatever --lang says.
    english = machine_english()
    return {
        "check": finding.check.value,
        "severity": finding.severity.value,
        "portal": finding.account.portal,
        "username": finding.account.username,
        "owner": finding.account.owner,
        "message": english.text(finding.message),
        # A few dozen actions for thousands of findings: each is put into words once.
        "action": pieces.text(finding.action) if pieces else english.text(finding.action),
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


def _practice(
    practice: PracticeReport, basis: PolicyBasis | None, pieces: _Pieces | None = None
) -> dict[str, Any]:
    return {
        "practice_id": practice.practice.id,
        "practice_name": practice.practice.name,
        "worst_severity": practice.worst.value if practice.worst else None,
        "fully_checked": practice.fully_checked,
        "findings_by_severity": {s.value: n for s, n in practice.counts().items()},
        "accounts": pieces.accounts(practice)
        if pieces
        else [_account(practice, audited) for audited in practice.accounts],
        "findings": pieces.findings(practice.findings)
        if pieces
        else [_finding(finding) for finding in practice.findings],
        # null without history; previous_as_of null on a practice's first recorded run.
        "since_previous": changes_document(practice.changes) if practice.changes else None,
        # Waived findings stay visible, with the accepted risk that excuses them.
        "waived": [
            {**_finding(excused.finding, pieces), "waiver": _waiver(excused.waiver)}
            for excused in practice.waived
        ],
        # Added in v1: each account against CNIL 2022-100, NIST SP 800-63B-4, ANSSI, the policy.
        "references": pieces.references(practice, basis)
        if pieces
        else _references(practice, basis),
    }


def _references(practice: PracticeReport, basis: PolicyBasis | None) -> list[dict[str, Any]]:
    """Each reference with the practice's accounts against it."""
    return [
        {
            **_head(each.reference),
            "accounts": [
                {
                    "portal": standing.audited.account.portal,
                    "username": standing.audited.account.username,
                    "owner": standing.audited.account.owner,
                    "outcome": standing.overall,
                    "rules": _results(standing.results),
                }
                for standing in each.accounts
            ],
        }
        for each in standings(practice, basis, load_standards())
    ]


def _head(reference: Reference) -> dict[str, Any]:
    """What the section says of a reference itself, the same in every practice."""
    return {
        "id": reference.id,
        "title": reference.title_en,
        "version": reference.version,
        "date": reference.date,
        "url": reference.url,
        "rules": [
            {"id": rule.id, "statement": rule.en, "source": rule.source} for rule in reference.rules
        ],
    }


def _results(results: Sequence[RuleResult]) -> list[dict[str, Any]]:
    """One account's outcome for each rule of a reference."""
    english = machine_english()
    return [
        {
            "rule": result.rule.id,
            "outcome": outcome_word(result.outcome),
            "reason": english.text(result.outcome.reason),
        }
        for result in results
    ]


INDENT = "  "
"""``json.dumps(indent=2)``'s indentation: the reports have always been laid out so."""
_PRACTICE_DEPTH = 2
"""Where a practice sits: in the document's ``practices`` list (the document is depth 0)."""
_RULES_DEPTH = _PRACTICE_DEPTH + 3
"""A reference's ``rules``, in its practice's ``references`` list."""
_RESULTS_DEPTH = _RULES_DEPTH + 2
"""An account's ``rules``, in its reference's ``accounts`` list."""
_PIECES_KEPT = 4096
"""Distinct encoded results kept. A few dozen in a real report (the reasons are a few of the
catalogue's sentences); past this many, they are encoded anew rather than kept."""


@dataclass(frozen=True)
class Encoded:
    """A value already encoded, for one depth of the document."""

    text: str
    depth: int


def encoded(value: Any, depth: int = 0) -> str:
    """``value`` as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it at ``depth``.

    The same text, built with ``str.join``: ``json``'s encoder, with an indent, runs in
    Python and yields every bracket, key and value as a chunk of its own (millions for a
    group's report); this makes one string per container.
    """
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "\n" + INDENT * (depth + 1)
        members = (_string(key) + ": " + encoded(item, depth + 1) for key, item in value.items())
        return "{" + inner + ("," + inner).join(members) + "\n" + INDENT * depth + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = "\n" + INDENT * (depth + 1)
        items = (encoded(item, depth + 1) for item in value)
        return "[" + inner + ("," + inner).join(items) + "\n" + INDENT * depth + "]"
    if isinstance(value, Encoded):
        if value.depth != depth:
            raise ValueError(f"a value encoded for depth {value.depth} is used at {depth}")
        return value.text
    return json.dumps(value)  # a float; a TypeError for what JSON cannot hold


class _Pieces:
    """The parts of a group's report that recur across accounts and practices, encoded once.

    ``references`` gives what ``_references`` would, encoded: every practice repeats each
    reference's heading and rules, and thousands of accounts stand alike against a
    reference (the same outcome for the same reasons), where only who they are differs.
    """

    def __init__(self) -> None:
        self._heads: dict[Reference, str] = {}
        self._ends: dict[tuple[int, ...], tuple[str, tuple[RuleResult, ...]]] = {}
        self._texts: dict[Phrase, str] = {}
        self._english = RememberingCatalog(machine_english())
        self._strings: dict[str, str] = {}
        self._passwords: dict[tuple[bool, str, int | None, int | None], str] = {}
        self._checks: dict[tuple[str, ...], str] = {}

    def text(self, said: Phrase) -> str:
        """A phrase in the report's English (the catalogue's escaper there leaves values as
        they are, so equal phrases always read the same)."""
        found = self._texts.get(said)
        if found is None:
            found = machine_english().text(said)
            _keep(self._texts, said, found)
        return found

    def string(self, value: str) -> str:
        """``_string(value)``, remembered: portals, roles, ids, sentences and the names of
        accounts that several findings and references name."""
        found = self._strings.get(value)
        if found is None:
            found = _string(value)
            _keep(self._strings, value, found, _STRINGS_KEPT)
        return found

    def optional(self, value: str | None) -> str:
        return "null" if value is None else self.string(value)

    def accounts(self, practice: PracticeReport) -> Encoded:
        """``[_account(practice, audited) for audited in practice.accounts]``, encoded."""
        items = []
        get, string, optional = self._strings.get, self.string, self.optional
        by_account = practice.findings_by_account
        # By the account's ref, as findings_for and gap find them (two rows of one login
        # read the same), built once for both.
        gaps = {audited.account.ref: gap for audited, gap in practice.unchecked}
        for audited in practice.accounts:
            account = audited.account
            ref = account.ref
            gap = gaps.get(ref) if gaps else None
            checks = tuple(f.check.value for f in by_account.get(ref, ()))
            items.append(
                f'{{{_AT[5]}"portal": {get(account.portal) or string(account.portal)},'
                f'{_AT[5]}"username": {get(account.username) or string(account.username)},'
                f'{_AT[5]}"owner": {optional(account.owner)},'
                f'{_AT[5]}"owner_email": {optional(account.owner_email)},'
                f'{_AT[5]}"role": {_named(account.role)},'
                f'{_AT[5]}"password_changed": {_day(account.password_changed)},'
                f'{_AT[5]}"password_changed_approximate": '
                f"{_scalar(account.changed_approximate)},"
                f'{_AT[5]}"expires": {_day(account.expires)},'
                f'{_AT[5]}"mfa": {_scalar(account.mfa)},'
                f'{_AT[5]}"origin": {_string(str(account.origin))},'
                f'{_AT[5]}"password": {self._password(audited)},'
                f'{_AT[5]}"checks": {self._checked(checks)},'
                f'{_AT[5]}"not_checked": {"null" if gap is None else _named(gap)}'
                f"{_AT[4]}}}"
            )
        return Encoded(_joined(items, 3), 3)

    def _password(self, audited: AuditedAccount) -> str:
        """An account's ``password`` entry (what ``_account`` says of it), at depth 5."""
        facts = audited.facts
        count = score = None
        if facts is not None:
            if isinstance(facts.breach, Pwned):
                count = facts.breach.count
            score = facts.strength.zxcvbn_score
        key = (facts is not None, breach_word(audited), count, score)
        found = self._passwords.get(key)
        if found is None:
            password: dict[str, Any] = {"recorded": key[0], "breach": key[1]}
            if facts is not None:
                if count is not None:
                    password["breach_count"] = count
                password["zxcvbn_score"] = score
            found = encoded(password, 5)
            _keep(self._passwords, key, found)
        return found

    def _checked(self, checks: tuple[str, ...]) -> str:
        """An account's ``checks`` list, at depth 5."""
        found = self._checks.get(checks)
        if found is None:
            found = encoded(list(checks), 5)
            _keep(self._checks, checks, found)
        return found

    def findings(self, found: Sequence[Finding]) -> Encoded:
        """``[_finding(finding, self) for finding in found]``, encoded."""
        return Encoded(_joined([self.finding(finding) for finding in found], 3), 3)

    def finding(self, finding: Finding) -> str:
        """``_finding(finding, self)``, encoded at depth 4."""
        get, string = self._strings.get, self.string
        account = finding.account
        message = self._english.text(finding.message)
        action = self._texts.get(finding.action) or self.text(finding.action)
        return (
            f'{{{_AT[5]}"check": {_named(finding.check)},'
            f'{_AT[5]}"severity": {_named(finding.severity)},'
            f'{_AT[5]}"portal": {get(account.portal) or string(account.portal)},'
            f'{_AT[5]}"username": {get(account.username) or string(account.username)},'
            f'{_AT[5]}"owner": {self.optional(account.owner)},'
            f'{_AT[5]}"message": {get(message) or string(message)},'
            f'{_AT[5]}"action": {get(action) or string(action)},'
            f'{_AT[5]}"due": {_day(finding.due)}'
            f"{_AT[4]}}}"
        )

    def references(self, practice: PracticeReport, basis: PolicyBasis | None) -> Encoded:
        found = standings(practice, basis, load_standards())
        if not found:
            return Encoded("[]", _REFERENCES_DEPTH)
        who: dict[int, str] = {}
        entries = []
        for each in found:
            accounts = []
            for standing in each.accounts:
                audited = standing.audited
                named = who.get(id(audited))  # the accounts live as long as this call
                if named is None:
                    named = who[id(audited)] = self._who(audited)
                accounts.append(named + self._end(each.reference, standing.results))
            closing = "\n" + INDENT * (_ACCOUNTS_DEPTH - 1) + "}"
            entries.append(
                self._head(each.reference) + _joined(accounts, _ACCOUNTS_DEPTH) + closing
            )
        return Encoded(_joined(entries, _REFERENCES_DEPTH), _REFERENCES_DEPTH)

    def _who(self, audited: AuditedAccount) -> str:
        """``_who(audited)``, from the remembered strings."""
        account = audited.account
        return (
            f'{{{_AT[7]}"portal": {self.string(account.portal)},'
            f'{_AT[7]}"username": {self.string(account.username)},'
            f'{_AT[7]}"owner": {self.optional(account.owner)}'
        )

    def _head(self, reference: Reference) -> str:
        """A reference's entry up to its accounts: ``{ "id": …, "rules": […], "accounts": ``."""
        found = self._heads.get(reference)
        if found is None:
            closing = "[]\n" + INDENT * (_ACCOUNTS_DEPTH - 1) + "}"
            whole = encoded({**_head(reference), "accounts": []}, _ACCOUNTS_DEPTH - 1)
            found = self._heads[reference] = _cut(whole, closing)
        return found

    def _end(self, reference: Reference, results: tuple[RuleResult, ...]) -> str:
        """An account's entry after who it is: ``, "outcome": …, "rules": […] }``."""
        # The results' outcomes are shared objects (report/standards.py): compared by
        # identity, and held with their text so that their ids stay theirs. Each result
        # is of the reference's rule in its place (``standings``): the reference names them.
        key = (id(reference), *map(id, map(_OUTCOME, results)))
        found = self._ends.get(key)
        if found is None:
            members = {"outcome": overall(results), "rules": _results(results)}
            found = ("," + encoded(members, _ACCOUNTS_DEPTH + 1)[1:], results)
            _keep(self._ends, key, found)
        return found[0]


_REFERENCES_DEPTH = _PRACTICE_DEPTH + 1
"""A practice's ``references`` list."""
_ACCOUNTS_DEPTH = _REFERENCES_DEPTH + 2
"""A reference's ``accounts`` list."""


_AT = tuple("\n" + INDENT * depth for depth in range(_ACCOUNTS_DEPTH + 3))
"""A line break and the indentation of each depth, up to a reference's account's members."""
_STRINGS_KEPT = 65_536
"""Distinct encoded strings kept: ids, sentences, and a few thousand accounts' names and
logins, which their findings and references repeat; past this many, they start again."""


_OUTCOME = operator.attrgetter("outcome")
_NAMED = {
    id(member): _string(member.value) for kind in (CheckId, Severity, Role, Gap) for member in kind
}
"""Each check id, severity, role and gap as JSON, by the member's identity: members are
singletons, and an enum's own hash and value are Python code, paid per finding."""


def _named(member: CheckId | Severity | Role | Gap) -> str:
    """``_string(member.value)``."""
    return _NAMED.get(id(member)) or _string(member.value)


def _day(day: date | None) -> str:
    """A day as ``encoded(day.isoformat())``: its digits and dashes need no escaping."""
    return "null" if day is None else '"' + day.isoformat() + '"'


def _scalar(value: bool | None) -> str:
    """A yes, no or unknown, as ``encoded`` writes it."""
    return "true" if value is True else "false" if value is False else "null"


def _who(audited: AuditedAccount) -> str:
    """An account's entry in a reference's ``accounts``, up to its outcome."""
    account = audited.account
    members = {"portal": account.portal, "username": account.username, "owner": account.owner}
    return _cut(encoded(members, _ACCOUNTS_DEPTH + 1), "\n" + INDENT * (_ACCOUNTS_DEPTH + 1) + "}")


def _joined(items: Sequence[str], depth: int) -> str:
    """Encoded items as the list at ``depth`` holding them."""
    if not items:
        return "[]"
    inner = "\n" + INDENT * (depth + 1)
    return "[" + inner + ("," + inner).join(items) + "\n" + INDENT * depth + "]"


def _cut(text: str, end: str) -> str:
    if not text.endswith(end):
        raise ValueError("an encoded value does not end as expected")
    return text[: -len(end)]


def _keep(kept: dict[Any, Any], key: Any, value: Any, limit: int = _PIECES_KEPT) -> None:
    """Keep a piece, forgetting all the others past ``limit``."""
    if len(kept) >= limit:
        kept.clear()
    kept[key] = value


class JsonFormat(Formatter):
    """Machine-readable report; field names are part of the public schema.

    A report is its head, then each practice's section, then its tail: ``--out`` writes
    each practice's section once, in its own file and in the summary (``formats/write.py``).
    """

    extension = "json"

    def __init__(self) -> None:
        # Shared by the reports this formatter writes: a group's practices, one by one.
        self._pieces = _Pieces()
        self._last: tuple[PracticeReport, PolicyBasis | None, str] | None = None

    def render(self, report: Report) -> str:
        return "".join(self.chunks(report))

    def chunks(self, report: Report) -> Iterator[str]:
        # One practice at a time: a group's report runs to hundreds of megabytes, and
        # each practice's part is built, encoded and given out, then dropped.
        if not report.practices:
            yield encoded(_document(report, [])) + "\n"
            return
        yield self.head(report)
        for number, practice in enumerate(report.practices):
            yield self.section(report, practice, first=not number)
        yield self.tail(report)

    def head(self, report: Report) -> str:
        """The document up to its first practice (``practices`` is its last key)."""
        return _cut(encoded(_document(report, [])), "[]\n}") + "["

    def section(self, report: Report, practice: PracticeReport, *, first: bool) -> str:
        """One practice, as an item of the ``practices`` list; the last one is kept, for the
        summary that repeats it after the practice's own file."""
        last = self._last
        if last is not None and last[0] is practice and last[1] is report.standards:
            text = last[2]
        else:
            text = encoded(_practice(practice, report.standards, self._pieces), _PRACTICE_DEPTH)
            self._last = (practice, report.standards, text)
        return ("" if first else ",") + "\n" + INDENT * _PRACTICE_DEPTH + text

    def tail(self, report: Report) -> str:
        """The end of the ``practices`` list and of the document."""
        return "\n" + INDENT * (_PRACTICE_DEPTH - 1) + "]\n}\n"
