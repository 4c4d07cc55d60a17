"""The "Références" section in the reader's words, shared by the Markdown and HTML reports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from auditor.formats.describe import portal_name
from auditor.i18n import Catalog, Lang, Rendered
from auditor.password.derive import AuditedAccount
from auditor.policy.standards import Reference, Rule, load_standards
from auditor.report import PracticeReport, Report
from auditor.report.standards import Outcome, RuleResult, outcome_word, standings

SYMBOLS = {"met": "✓", "not-met": "✗", "unknown": "?", "not-applicable": "–"}
"""One sign per outcome: the table stays narrow, the legend and each cell's title say the word."""

_WORDS = {
    "met": "references.outcome.met",
    "not-met": "references.outcome.not-met",
    "unknown": "references.outcome.unknown",
    "not-applicable": "references.outcome.not-applicable",
}

_GROUPED = ("met", "not-applicable")
"""Outcomes summed up as "✓ 4 accounts: reason"; the others name each account."""


@dataclass(frozen=True)
class Cell:
    """One account against one reference."""

    outcome: str
    """``met``, ``not-met``, ``unknown`` or ``not-applicable``."""
    symbol: str
    word: Rendered


@dataclass(frozen=True)
class Row:
    """One account's line of the table: who, then a cell per reference."""

    portal: str
    username: str
    owner: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Line:
    """What a rule says of some accounts: ``✗ Viamedis jdupont (Claire Martin): reason``."""

    outcome: str
    text: Rendered


@dataclass(frozen=True)
class RuleView:
    """A rule, where it comes from, and how the accounts stand."""

    id: str
    statement: str
    source: Rendered
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class ReferenceView:
    """A reference's heading and its rules."""

    id: str
    short: str
    title: str
    edition: Rendered
    """``version 2.0, 2021``, or the policy files for the audit's own policy."""
    url: str
    rules: tuple[RuleView, ...]


@dataclass(frozen=True)
class ReferencesView:
    """The section: the table, then each reference."""

    references: tuple[ReferenceView, ...]
    rows: tuple[Row, ...]


def _cell(words: Catalog, outcome: str) -> Cell:
    return Cell(outcome, SYMBOLS[outcome], words.t(_WORDS[outcome]))


def _lines(
    words: Catalog,
    results: list[tuple[AuditedAccount, RuleResult]],
    who: Callable[[AuditedAccount], str],
    reason_of: Callable[[Outcome], Rendered],
) -> tuple[Line, ...]:
    """Accounts not met or unknown one by one, by outcome; met and not applicable summed up.

    ``reason_of`` is an outcome's reason in the reader's words.
    """
    grouped: dict[tuple[str, Rendered], int] = defaultdict(int)
    named: list[Line] = []
    around: dict[tuple[str, Rendered], tuple[str, str] | None] = {}
    for audited, result in results:
        outcome = outcome_word(result.outcome)
        reason = reason_of(result.outcome)
        if outcome in _GROUPED:
            grouped[(outcome, reason)] += 1
            continue
        key = "references.rule_not_met" if outcome == "not-met" else "references.rule_unknown"
        if (key, reason) not in around:
            around[(key, reason)] = _around(words, key, reason)
        sides = around[(key, reason)]
        account = who(audited)
        if sides is None:
            text = words.t(key, account=Rendered(account), reason=reason)
        else:
            text = Rendered(f"{sides[0]}{account}{sides[1]}")
        named.append(Line(outcome, text))
    order = {word: rank for rank, word in enumerate(("not-met", "unknown"))}
    lines = sorted(named, key=lambda line: order[line.outcome])
    for (outcome, said), n in grouped.items():
        key = "references.rule_met" if outcome == "met" else "references.rule_not_applicable"
        accounts = words.t("count.accounts", n=n)
        lines.append(Line(outcome, words.t(key, accounts=accounts, reason=Rendered(said))))
    return tuple(lines)


_ACCOUNT = "\x00account\x00"
"""Stands for the account in a line put into words once per reason (a reason that holds it
too is seen: the line is then put into words for each account)."""


def _around(words: Catalog, key: str, reason: Rendered) -> tuple[str, str] | None:
    """The text of ``key`` before and after its account, for a ``reason``: each account's
    line is then its name between them (one line per account and rule), the same text as
    ``words.t`` gives. None if the account is not there once (then each line is put into
    words)."""
    text = words.t(key, account=Rendered(_ACCOUNT), reason=reason)
    if text.count(_ACCOUNT) != 1:
        return None
    before, _, after = text.partition(_ACCOUNT)
    return before, after


def _source(words: Catalog, rule: Rule) -> Rendered:
    if rule.source:
        # The file's own words, not inventory text: nothing to escape.
        return words.t("references.source", source=Rendered(rule.source))
    return words.t("references.source_whole")


def _edition(words: Catalog, report: Report, reference: Reference) -> Rendered:
    if reference.version or reference.date:
        return words.t(
            "references.edition",
            version=Rendered(reference.version),
            date=Rendered(reference.date),
        )
    return words.t("references.policy_files", files=", ".join(report.policy_files))


def references_view(
    words: Catalog, report: Report, practice: PracticeReport, escape: Callable[[str], str]
) -> ReferencesView:
    """The practice's accounts against every reference; ``escape`` makes inventory text safe."""
    french = words.lang is Lang.FR
    found = standings(practice, report.standards, load_standards())
    # Each account is named, and each outcome (shared by the accounts that stand alike)
    # put into words, once for the whole section, not once per rule.
    names: dict[int, str] = {}
    reasons: dict[int, tuple[Outcome, Rendered]] = {}

    def who(audited: AuditedAccount) -> str:
        name = names.get(id(audited))
        if name is None:
            account = audited.account
            owner = f" ({escape(account.owner)})" if account.owner else ""
            portal = escape(portal_name(report, account.portal))
            name = names[id(audited)] = f"{portal} {escape(account.username)}{owner}"
        return name

    def said(outcome: Outcome) -> Rendered:
        # Keyed by identity, the outcome kept beside: no other object can take its id.
        known = reasons.get(id(outcome))
        if known is None:
            known = reasons[id(outcome)] = (outcome, words.text(outcome.reason))
        return known[1]

    cells = {outcome: _cell(words, outcome) for outcome in SYMBOLS}

    references = []
    for standing in found:
        reference = standing.reference
        rules = []
        for index, rule in enumerate(reference.rules):
            results = [(account.audited, account.results[index]) for account in standing.accounts]
            rules.append(
                RuleView(
                    id=rule.id,
                    statement=rule.fr if french else rule.en,
                    source=_source(words, rule),
                    lines=_lines(words, results, who, said),
                )
            )
        references.append(
            ReferenceView(
                id=reference.id,
                short=reference.short_fr if french else reference.short_en,
                title=reference.title_fr if french else reference.title_en,
                edition=_edition(words, report, reference),
                url=reference.url,
                rules=tuple(rules),
            )
        )
    rows = tuple(
        Row(
            portal=escape(portal_name(report, audited.account.portal)),
            username=escape(audited.account.username),
            owner=escape(audited.account.owner or ""),
            cells=tuple(cells[standing.accounts[index].overall] for standing in found),
        )
        # The accounts held to the standards (an entry on a lookalike site is not one).
        for index, audited in enumerate(a.audited for a in (found[0].accounts if found else ()))
    )
    return ReferencesView(tuple(references), rows)
