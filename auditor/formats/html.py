"""The HTML report: a self-contained page per practice and a group index, for people to act on.

Python prepares what to show (views, chart geometry) and writes each practice's section
(``_Rows``), every inventory value escaped (``html``); the Jinja2 templates in ``reports/``
lay out the page around them, with autoescaping on: every value is data, never markup.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple, cast

from markupsafe import Markup, escape

from auditor.formats import charts
from auditor.formats.describe import (
    AccountNames,
    also_in_text,
    breach_label,
    change_groups,
    changed_text,
    changes_line,
    check_label,
    checks_text,
    copies_lines,
    distinct_actions,
    expired_waiver_line,
    left_out_line,
    mfa_label,
    portal_name,
    practice_title,
    priority_line,
    risk_order,
    severity_label,
    status_line,
    unchecked_line,
)
from auditor.formats.interface import Formatter
from auditor.formats.references import Cell, ReferencesView, references_view
from auditor.i18n import Catalog, Lang, Rendered, catalog
from auditor.i18n.phrase import Arg, Localized, Phrase, Series
from auditor.i18n.templates import environment
from auditor.models import AccountRef, CheckId, Finding, Severity
from auditor.password.derive import AuditedAccount
from auditor.report import Gap, PracticeReport, Report, most_urgent
from auditor.report.changes import PracticeChanges
from auditor.safetext import plain, template_value

_SCORES = ("html.score_0", "html.score_1", "html.score_2", "html.score_3", "html.score_4")
"""zxcvbn's scores 0 to 4, in words."""
WEEK = timedelta(days=7)
""""To do this week": due at most seven days after the audit date, the seventh included, so
that a high finding (the default policy gives it seven days) is inside the week announced."""
PLAIN_WORDS = {
    "finding.breached": "html.plain.breached",
    "finding.weak_reason.guessable": "html.plain.guessable",
    "finding.weak_reason.entropy": "html.plain.entropy",
    "finding.shared_account": "html.plain.shared_account",
}
"""Finding texts the page says in plainer words (no zxcvbn score, no bits), or without the
label the card already shows in bold: the other formats keep them, for who checks figures."""


# The records made for each account of a page (a card, its reasons, a row, a table line;
# the charts' bars) are named tuples: a frozen dataclass's ``__init__`` sets each field
# through ``object.__setattr__`` and took 5 us for a table line, a group's report makes
# a hundred thousand of each. They are read and built the same way, by name.


class Reason(NamedTuple):
    """One reason on a task card."""

    label: str
    why: str


class Task(NamedTuple):
    """One account to act on, with all its reasons, due by its most urgent deadline."""

    due: str
    severity: Severity
    severity_text: str
    portal: str
    username: str
    owner: str
    reasons: tuple[Reason, ...]
    """Most urgent first."""
    actions: tuple[str, ...]
    """What to do, each distinct action once."""
    checks: tuple[str, ...]
    """The check ids, once each: what a waiver names."""
    also_in: str = ""
    """Where the vault copies merged into the account are ("" when it has none)."""


class Row(NamedTuple):
    """One line of a per-portal or per-person table."""

    name: str
    detail: str
    accounts: int
    to_change: int
    this_week: int
    worst: Severity | None
    worst_text: str
    tone: str
    """The badge: a severity, ``unchecked`` when some member was not fully checked, or ``ok``."""


class AccountLine(NamedTuple):
    """One account in the full table."""

    portal: str
    username: str
    owner: str
    role: str
    changed: str
    renew_by: str
    mfa: str
    breach: str
    checks: str
    worst: Severity | None
    worst_text: str
    tone: str
    """The badge: the worst severity, else ``unchecked`` or ``ok``."""


@dataclass(frozen=True)
class WaivedLine:
    """A waived finding and the accepted risk that excuses it."""

    portal: str
    username: str
    owner: str
    label: str
    check: str
    why: str
    until: str
    accepted_by: str
    reason: str


@dataclass(frozen=True)
class ChangesView:
    """What changed since the previous recorded audit: a sentence, then the findings by kind."""

    line: str
    groups: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...]
    """(heading, ((portal, login, check label, check id), …)) for new, fixed and departed."""


@dataclass(frozen=True)
class PracticeView:
    """Everything one practice's section shows."""

    id: str
    name: str
    title: str
    """The heading: the name and its FINESS number (the name alone in the anonymised copy)."""
    anchor: str
    status: str
    tone: str
    unchecked: str
    """Which accounts were not fully checked and why; "" when all were."""
    counts: tuple[tuple[str, str], ...]
    """(``2 critical``, tone) for the summary boxes."""
    verdict: Markup
    """``status`` and ``unchecked`` as status lines, then ``counts`` (``_Rows.status``,
    ``_Rows.counts``), laid out as the section (``_Rows.section``) writes them."""
    this_week: tuple[Task, ...]
    later: tuple[Task, ...]
    this_week_cards: Markup
    """The cards of ``this_week`` (``_Rows.cards``), or the line saying there is none."""
    later_cards: Markup
    portals: tuple[Row, ...]
    people: tuple[Row, ...]
    portal_table: Markup
    """The per-portal table (``_Rows.group_table``); ``people_table`` the per-person one."""
    people_table: Markup
    accounts: tuple[AccountLine, ...]
    account_rows: Markup
    """The accounts table's rows (``account_rows``)."""
    copies: tuple[str, ...]
    """Each account with vault copies, and where they are."""
    waived: tuple[WaivedLine, ...]
    changes: ChangesView | None
    changes_block: Markup
    """``changes`` written (``_Rows.changes``); empty without a previous audit."""
    approximate: bool
    """Some change date is a vault entry's modification day, marked ``~``: the legend says so."""
    severity_chart: charts.ColumnChart
    strength_chart: charts.ColumnChart
    severity_figure: Markup
    """``severity_chart`` drawn (``_Rows.column_chart``); ``strength_figure`` the other."""
    strength_figure: Markup
    age_figure: Markup
    """``age_chart`` drawn (``_Rows.age_chart``)."""
    age_chart: charts.AgeChart


@dataclass(frozen=True)
class IndexRow:
    """One practice in the group index, ranked by risk."""

    rank: int
    id: str
    name: str
    href: str
    status: str
    tone: str
    counts: tuple[str, ...]
    """``1 critical``, ``2 high``…: each kept on one line."""
    accounts: int
    this_week: int


class _Seen(NamedTuple):
    """One account of a page as its tables, rows and chart see it, looked up once.

    A tuple, not a frozen dataclass: one is made per account of a group, and lives
    only while its page is written.
    """

    audited: AuditedAccount
    ref: AccountRef
    found: tuple[Finding, ...]
    gap: Gap | None
    worst: Severity | None
    due_this_week: bool
    """Some finding is due by the end of the week: the account's card is in "this week"."""


UNCHECKED = "unchecked"
"""The tone of what was not fully checked: never the green "ok" (DESIGN.md, secret rule 5)."""


def _tone(severity: Severity | None, *, fully_checked: bool = True) -> str:
    if severity is not None:
        return severity.value
    return "ok" if fully_checked else UNCHECKED


def _phrases(arg: Arg) -> Iterator[Phrase]:
    """Every phrase inside a value, itself included."""
    if isinstance(arg, Phrase):
        yield arg
        for _, value in arg.args:
            yield from _phrases(value)
    elif isinstance(arg, Series):
        for item in arg.items:
            yield from _phrases(item)


_TYPED_VALUES = frozenset((int, date, Localized))
"""Values of a message that any report puts into the same words (``bool`` is no count)."""


_TYPED_TEXTS = frozenset((str, Rendered, *_TYPED_VALUES))
"""The same, texts too, for what no report renames (an action names a portal's address)."""


def _typed(arg: Arg, kinds: frozenset[type] = _TYPED_VALUES) -> tuple[object, ...] | None:
    """A message as a key that tells apart whatever is put into different words.

    None when it holds a value not of ``kinds``: by default a text, which may be an
    account that each report names differently (``AccountNames``). The type is in the
    key: a ``Rendered`` equals a ``str`` but is not escaped again.
    """
    kind = type(arg)
    if kind is Phrase:
        assert isinstance(arg, Phrase)  # noqa: S101 - for mypy: the type was just compared
        parts: list[object] = [Phrase, arg.key]
        for name, value in arg.args:
            typed = _typed(value, kinds)
            if typed is None:
                return None
            parts += (name, typed)
        return tuple(parts)
    if kind is Series:
        assert isinstance(arg, Series)  # noqa: S101 - for mypy: the type was just compared
        parts = [Series, arg.joiner, arg.more]
        for item in arg.items:
            typed = _typed(item, kinds)
            if typed is None:
                return None
            parts.append(typed)
        return tuple(parts)
    return (kind, arg) if kind in kinds else None


def generic_owners(practice: PracticeReport) -> frozenset[str]:
    """Owner names the shared-account check found are not a person ("Comptoir", "Équipe").

    Read from its findings, waived ones too, so the page agrees with the check and its
    policy's list of generic names, which the report does not carry.
    """
    found = (*practice.findings, *(w.finding for w in practice.waived))
    return frozenset(
        str(said.arg("owner"))
        for finding in found
        if finding.check is CheckId.SHARED_ACCOUNT
        for said in _phrases(finding.message)
        if said.key == "finding.shared_reason.generic"
    )


@dataclass(frozen=True)
class _Memory:
    """What a writer put into words once for all its pages, by ``_typed`` keys."""

    whys: dict[tuple[object, ...], Rendered] = field(default_factory=dict)
    whys_recently: dict[tuple[object, ...], Rendered] = field(default_factory=dict)
    """Findings' messages that name no text."""
    steps: dict[tuple[object, ...], tuple[str, ...]] = field(default_factory=dict)
    """A card's steps (``distinct_actions``), by its findings' actions."""


class _Views:
    """Builds the views of one report in one language."""

    def __init__(
        self,
        words: Catalog,
        report: Report,
        rows: _Rows | None = None,
        memory: _Memory | None = None,
    ) -> None:
        self.words = words
        self.report = report
        self.memory = memory or _Memory()
        self.week_end = report.as_of + WEEK
        self.portal: Callable[[str], str] = functools.partial(portal_name, report)
        self.rows = rows or _Rows(words)

    @functools.cached_property
    def _accounts(self) -> AccountNames:
        return AccountNames(self.words, self.report)

    def _plain(self, arg: Arg) -> Arg:
        """A finding's value in the page's words: plainer texts, accounts named with portals.

        Each phrase is put into words as soon as its values are: the catalogue keeps a
        ``Rendered`` as is, so the text is the one the whole phrase gives, and the
        catalogue remembers the outer texts, whose values are all plain text then.
        """
        if isinstance(arg, Phrase):
            args = {name: self._plain(value) for name, value in arg.args}
            key = PLAIN_WORDS.get(arg.key, arg.key)
            if key != arg.key and isinstance(args.get("count"), int):
                args["n"] = args["count"]  # the plainer text has plural forms
            return self.words.t(key, **args)
        if isinstance(arg, Series):
            items = tuple(self._plain(item) for item in arg.items)
            return self.words.series(Series(items, arg.joiner, arg.more))
        if isinstance(arg, str) and not isinstance(arg, Rendered):
            return self._accounts.name(arg) or arg
        return arg

    def why(self, finding: Finding) -> str:
        """Why a finding matters, in plain words.

        A message that names no text (only counts, days, policy names) says the same on
        every page: it is put into words once (``_typed``). One with a text may name an
        account, which each report names in its own way.
        """
        memory = self.memory
        typed = _typed(finding.message)
        if typed is not None:
            found = memory.whys.get(typed) or memory.whys_recently.get(typed)
            if found is not None:
                return found
        said = self._plain(finding.message)
        assert isinstance(said, Rendered)  # noqa: S101 - a phrase is put into words
        if typed is not None:
            _keep(memory.whys, memory.whys_recently, typed, said)
        return said

    def practice(self, practice: PracticeReport) -> PracticeView:
        words = self.words
        generic = generic_owners(practice)
        seen = self._seen(practice)
        this_week, later = self._tasks(practice)
        return PracticeView(
            id=practice.practice.id,
            name=practice.practice.name or practice.practice.id,
            title=practice_title(words, self.report, practice),
            anchor=f"p-{practice.practice.id}",
            status=(status := status_line(words, practice)),
            tone=(tone := _tone(practice.worst, fully_checked=practice.fully_checked)),
            unchecked=(
                unchecked := unchecked_line(words, practice, self.report.portal_names) or ""
            ),
            counts=(counts := self._counts(practice.counts())),
            verdict=self._verdict(status, tone, unchecked, counts),
            this_week=this_week,
            later=later,
            this_week_cards=self.rows.cards(this_week, words.t("html.nothing_this_week")),
            later_cards=self.rows.cards(later, words.t("html.nothing_later")),
            portals=(
                portals := self._rows(seen, lambda a: self.portal(a.account.portal), lambda _: "")
            ),
            people=(
                people := self._rows(seen, functools.partial(self._person, generic), self._contact)
            ),
            portal_table=self.rows.group_table(portals, words.t("column.portal"), ""),
            people_table=self.rows.group_table(
                people, words.t("column.owner"), words.t("html.email")
            ),
            accounts=(lines := tuple(self._account(practice, one) for one in seen)),
            account_rows=self.rows.accounts(lines),
            copies=copies_lines(words, self.report, practice),
            waived=tuple(
                WaivedLine(
                    portal=self.portal(w.finding.account.portal),
                    username=w.finding.account.username,
                    owner=w.finding.account.owner or "",
                    label=check_label(words, w.finding.check),
                    check=w.finding.check.value,
                    why=self.why(w.finding),
                    until=words.short_day(w.waiver.expires),
                    accepted_by=w.waiver.accepted_by,
                    reason=w.waiver.reason,
                )
                for w in practice.waived
            ),
            changes=(changes := self._changes(practice.changes)),
            changes_block=self.rows.changes(changes) if changes else Markup(),
            approximate=any(
                a.account.changed_approximate and a.account.password_changed is not None
                for a in practice.accounts
            ),
            severity_chart=(severity := self.severity_chart(practice.counts())),
            strength_chart=(strength := self._strength_chart(practice)),
            severity_figure=self.rows.column_chart(severity, "severity"),
            strength_figure=self.rows.column_chart(strength, "strength"),
            age_chart=(ages := self._age_chart(practice, seen)),
            age_figure=self.rows.age_chart(ages),
        )

    def _verdict(
        self, status: str, tone: str, unchecked: str, counts: Sequence[tuple[str, str]]
    ) -> Markup:
        rows = self.rows
        lines = [rows.status(tone, status)]
        if unchecked:
            lines.append(rows.status(UNCHECKED, unchecked))
        lines.append(rows.counts(counts))
        return Markup("\n  ").join(lines)

    def _person(self, generic: frozenset[str], audited: AuditedAccount) -> str:
        """Who a per-person row is: the owner, or one row for the names that are no person."""
        owner = audited.account.owner
        if not owner:
            return self.words.t("html.no_owner")
        return self.words.t("html.shared_owners") if owner in generic else owner

    def _contact(self, members: Sequence[AuditedAccount]) -> str:
        """A person's e-mail address; for the generic names' row, those names."""
        emails = [a.account.owner_email for a in members if a.account.owner_email]
        owners = {a.account.owner for a in members if a.account.owner}
        if len(owners) > 1:  # only the generic names' row gathers several owners
            return self.words.join(self.words.t("list.separator"), sorted(owners))
        return emails[0] if emails else ""

    def _changes(self, changes: PracticeChanges | None) -> ChangesView | None:
        if changes is None:
            return None
        words = self.words
        groups = tuple(
            (
                words.t(heading),
                tuple(
                    (self.portal(k.portal), k.username, check_label(words, k.check), k.check.value)
                    for k in keys
                ),
            )
            for heading, keys in change_groups(changes)
        )
        return ChangesView(changes_line(words, changes), groups)

    def _counts(self, counts: dict[Severity, int]) -> tuple[tuple[str, str], ...]:
        return tuple(
            (self.words.t(f"severity_count.{severity.value}", n=count), severity.value)
            for severity, count in counts.items()
        )

    def _due_this_week(self, finding: Finding) -> bool:
        return finding.due <= self.week_end

    def _accounts_due_this_week(self, findings: Iterable[Finding]) -> int:
        """Accounts whose card is in "this week": their most urgent deadline falls in it."""
        return len({f.account for f in findings if self._due_this_week(f)})

    def _tasks(self, practice: PracticeReport) -> tuple[tuple[Task, ...], tuple[Task, ...]]:
        """One card per account with all its reasons, in the week of its most urgent deadline.

        In the order to act on them (``PracticeReport.to_act_on``: worst first, then the
        password seen most in breaches); "this week" holds the cards due by ``week_end``.
        """
        words = self.words
        this_week: list[Task] = []
        later: list[Task] = []
        by_ref = {audited.account.ref: audited for audited in practice.accounts}
        for ref, all_found in practice.to_act_on:
            found = sorted(all_found, key=lambda f: (f.rank[0], f.due, *f.rank[1:]))
            worst = found[0].severity
            due = min(f.due for f in found)
            task = Task(
                due=words.short_day(due),
                severity=worst,
                severity_text=severity_label(words, worst),
                portal=self.portal(ref.portal),
                username=ref.username,
                owner=ref.owner or "",
                reasons=tuple(
                    # One deadline per card, the most urgent: its actions list every step.
                    Reason(label=check_label(words, f.check), why=self.why(f))
                    for f in found
                ),
                actions=self._actions(found),
                checks=tuple(dict.fromkeys(f.check.value for f in found)),
                also_in=(also_in_text(words, by_ref[ref]) if ref in by_ref else None) or "",
            )
            (this_week if due <= self.week_end else later).append(task)
        return tuple(this_week), tuple(later)

    def _actions(self, found: Sequence[Finding]) -> tuple[str, ...]:
        """``distinct_actions``, remembered: a card's steps name only portals and addresses."""
        typed = tuple(_typed(f.action, _TYPED_TEXTS) for f in found)
        if None in typed:
            return distinct_actions(self.words, found)
        steps = self.memory.steps
        actions = steps.get(typed)
        if actions is None:
            actions = distinct_actions(self.words, found)
            if len(steps) < _KEPT_TEXTS:
                steps[typed] = actions
        return actions

    def _seen(self, practice: PracticeReport) -> tuple[_Seen, ...]:
        """Each account's findings, gap and worst severity, looked up once for the page."""
        week_end = self.week_end
        seen = []
        for audited in practice.accounts:
            ref = audited.account.ref
            found = practice.findings_by_account.get(ref, ())
            seen.append(
                _Seen(
                    audited=audited,
                    ref=ref,
                    found=found,
                    gap=practice.gap(audited),
                    worst=most_urgent(found),
                    due_this_week=any(f.due <= week_end for f in found),
                )
            )
        return tuple(seen)

    def _rows(
        self,
        seen: Sequence[_Seen],
        name: Callable[[AuditedAccount], str],
        detail: Callable[[Sequence[AuditedAccount]], str],
    ) -> tuple[Row, ...]:
        groups: dict[str, list[_Seen]] = defaultdict(list)
        for one in seen:
            groups[name(one.audited)].append(one)
        rows = []
        for key, members in groups.items():
            worst = min(
                (m.worst for m in members if m.worst is not None),
                key=lambda s: s.rank,
                default=None,
            )
            checked = all(m.gap is None for m in members)
            if worst:
                worst_text = severity_label(self.words, worst)
            else:
                worst_text = self.words.t("html.nothing" if checked else "coverage.misc.tone")
            rows.append(
                Row(
                    name=key,
                    detail=detail([m.audited for m in members]),
                    accounts=len(members),
                    to_change=sum(1 for m in members if m.found),
                    # Accounts whose card is in "this week" (``_accounts_due_this_week``).
                    this_week=len({m.ref for m in members if m.due_this_week}),
                    worst=worst,
                    worst_text=worst_text,
                    tone=_tone(worst, fully_checked=checked),
                )
            )
        rows.sort(key=lambda r: (r.worst.rank if r.worst else len(Severity), -r.to_change, r.name))
        return tuple(rows)

    def _account(self, practice: PracticeReport, one: _Seen) -> AccountLine:
        words = self.words
        audited = one.audited
        account = audited.account
        found = one.found
        renew_by = practice.renew_by.get(one.ref)
        worst = one.worst
        gap = one.gap
        checked = gap is None
        if worst:
            worst_text = severity_label(words, worst)
        else:
            worst_text = words.t("account.ok" if checked else "coverage.misc.tone")
        return AccountLine(
            portal=self.portal(account.portal),
            username=account.username,
            owner=account.owner or "",
            role=words.text(account.role.phrase),
            changed=changed_text(words, audited),
            renew_by=words.short_day(renew_by) if renew_by else "—",
            mfa=mfa_label(words, account.mfa),
            breach=breach_label(words, audited),
            checks=words.t(f"coverage.short.{gap.value}")
            if gap is not None and not found
            else (checks_text(words, practice, audited) if found else ""),
            worst=worst,
            worst_text=worst_text,
            tone=_tone(worst, fully_checked=checked),
        )

    def severity_chart(self, counts: dict[Severity, int]) -> charts.ColumnChart:
        words = self.words
        return charts.columns(
            words.t("html.chart_severity"),
            words.t("html.chart_severity_desc"),
            [
                (severity_label(words, severity), count, severity.value)
                for severity, count in counts.items()
            ],
        )

    def _strength_chart(self, practice: PracticeReport) -> charts.ColumnChart:
        words = self.words
        minimum = self.report.min_zxcvbn_score
        scores = [0] * 5
        for audited in practice.accounts:
            if audited.facts is not None and not audited.facts.empty:
                scores[audited.facts.strength.zxcvbn_score] += 1
        return charts.columns(
            words.t("html.chart_strength"),
            words.t("html.chart_strength_desc", minimum=minimum),
            [
                (words.t(_SCORES[score]), count, "below" if score < minimum else "meets")
                for score, count in enumerate(scores)
            ],
            marker_before=minimum,
            marker_label=words.t("html.policy_minimum"),
        )

    def _age_chart(self, practice: PracticeReport, seen: Sequence[_Seen]) -> charts.AgeChart:
        words = self.words
        as_of = self.report.as_of
        logins: dict[tuple[str, str], int] = defaultdict(int)
        for audited in practice.accounts:
            logins[(audited.account.portal, audited.account.username.casefold())] += 1
        data = []
        for one in seen:
            account = one.audited.account
            changed = account.password_changed
            renew_by = practice.renew_by.get(one.ref)
            age = (as_of - changed).days if changed else None
            limit = (renew_by - changed).days if renew_by and changed else None
            text: str
            if age is None:
                text = words.t("html.age_unknown")
            elif limit is None:
                text = words.t("html.age", n=age)
            else:
                text = words.t("html.age_limit", n=age, limit=limit)
            if account.changed_approximate and age is not None:
                text = "~" + text
            login = account.username
            if account.owner and logins[(account.portal, login.casefold())] > 1:
                # One login, several people: the owner tells the bars apart.
                login = words.t("html.login_owner", username=login, owner=account.owner)
            data.append(
                charts.AgeData(
                    label=self.portal(account.portal),
                    detail=login,
                    age=age,
                    limit=limit,
                    text=text,
                    tone=_tone(one.worst, fully_checked=one.gap is None),
                )
            )
        return charts.ages(
            words.t("html.chart_age"),
            words.t("html.chart_age_desc"),
            data,
            lambda years: words.t("html.years", n=years),
        )

    def index(self, href: str) -> tuple[IndexRow, ...]:
        return tuple(
            IndexRow(
                rank=rank,
                id=practice.practice.id,
                name=practice.practice.name or practice.practice.id,
                href=href.format(id=practice.practice.id),
                status=status_line(self.words, practice),
                tone=_tone(practice.worst, fully_checked=practice.fully_checked),
                counts=tuple(text for text, _ in self._counts(practice.counts())),
                accounts=len(practice.accounts),
                this_week=self._accounts_due_this_week(practice.findings),
            )
            for rank, practice in enumerate(sorted(self.report.practices, key=risk_order), 1)
        )


_KEPT_RECENT = 4096
"""Texts met once the memories below were full, kept until this many more have come: a text
first met on the 500th practice's page and asked on every page after is put into words once
for each few hundred accounts, while one-off texts (a login, an account in a sentence) pass
through. Each memory then has two parts: the first texts for good, and the recent ones."""
_KEPT_TEXTS = 8192
"""Texts the page's catalogue (and the rows' escaped texts) remember; past this many, no more.

The first practices give the texts every page repeats (labels, severities, reasons);
forgetting them all when full, as it did, made a group's report fill it again every few
practices with one-off texts: about a fifth of the HTML writing at 10,000 accounts."""
_TRIAL = 512
"""Times a text is asked for before the page's catalogue judges whether remembering it pays."""
_FEW_HITS = 8
"""A text found remembered fewer than once in this many asks, over its ``_TRIAL``, is put into
words each time from then on (an account in a sentence, a finding naming its other accounts):
the key it would be remembered by costs more than it saves, and its texts would push out the
ones that repeat."""
_PLAIN_VALUES = frozenset((str, Rendered, int, date, Localized))
"""Types of values that put a text into the same words whenever they are equal and of the
same type. A ``Rendered`` and a ``str`` are equal but are escaped differently: the type is
in the key, and a type is matched exactly (``bool``, an ``int``, needs words of its own).
Phrases and series are not remembered whole (a phrase holding a ``str`` equals one
holding that ``Rendered``): their parts are, as the catalogue renders them."""


def _kept_day(kept: dict[date, Rendered], day: date, said: Callable[[date], Rendered]) -> Rendered:
    """``said(day)``, remembered in ``kept`` while it holds fewer than ``_KEPT_TEXTS`` days."""
    found = kept.get(day)
    if found is None:
        found = said(day)
        if len(kept) < _KEPT_TEXTS:
            kept[day] = found
    return found


def _keep(first: dict[Any, Any], recent: dict[Any, Any], key: object, value: object) -> None:
    """``value`` remembered: among the first texts while they have room, else among the
    recent ones, forgotten all at once when ``_KEPT_RECENT`` are there (``_KEPT_RECENT``)."""
    if len(first) < _KEPT_TEXTS:
        first[key] = value
        return
    if len(recent) >= _KEPT_RECENT:
        recent.clear()
    recent[key] = value


class _Remembering(Catalog):
    """The page's catalogue, remembering what it put into words.

    A group's page asks the same few hundred texts millions of times (labels, severities,
    days, counts); each costs a look-up, a ``format_map`` and an escape.
    """

    def __init__(self, words: Catalog) -> None:
        super().__init__(words.lang, words.entries, iso_dates=words.iso_dates, escape=words.escape)
        self._said: dict[tuple[object, ...], Rendered] = {}
        self._said_recently: dict[tuple[object, ...], Rendered] = {}
        self._bare: dict[str, Rendered] = {}
        """Texts without values (labels, headings): no more than the catalogue has keys."""
        self._days: dict[date, Rendered] = {}
        self._short_days: dict[date, Rendered] = {}
        """Days in words (change dates, deadlines): a few thousand, most often."""
        self._trials: dict[str, list[int]] = {}
        """Per key on trial: how many times it was asked for, and found remembered."""
        self._said_once: set[str] = set()
        """Keys whose texts are seldom asked twice (``_FEW_HITS``): never remembered."""

    def t(self, key: str, **args: Arg) -> Rendered:
        if not args:
            bare = self._bare.get(key)
            if bare is None:
                bare = self._bare[key] = super().t(key)
            return bare
        return self._remembered(key, tuple(args.items()))

    def day(self, day: date) -> Rendered:
        return _kept_day(self._days, day, super().day)

    def short_day(self, day: date) -> Rendered:
        return _kept_day(self._short_days, day, super().short_day)

    def text(self, said: Phrase) -> Rendered:
        if not said.args:
            bare = self._bare.get(said.key)
            return self.t(said.key) if bare is None else bare
        return self._remembered(said.key, said.args)

    def _remembered(self, key: str, args: tuple[tuple[str, Arg], ...]) -> Rendered:
        """``key``'s text with ``args``, remembered when every value is plain.

        Keyed in the order given: the same values in another order are put into words
        again (the same words), never mistaken for others.
        """
        if key in self._said_once:
            return self._fresh(key, args)
        remembered: tuple[object, ...] = (key,)
        for name, value in args:
            kind = type(value)
            if kind not in _PLAIN_VALUES:
                return self._fresh(key, args)
            remembered += (name, kind, value)
        found = self._said.get(remembered) or self._said_recently.get(remembered)
        trial = self._trials.get(key)
        if trial is None:
            trial = self._trials[key] = [0, 0]
        if trial[0] < _TRIAL:
            trial[0] += 1
            trial[1] += found is not None
            if trial[0] == _TRIAL and trial[1] * _FEW_HITS < _TRIAL:
                self._said_once.add(key)
        if found is None:
            found = self._fresh(key, args)
            _keep(self._said, self._said_recently, remembered, found)
        return found

    def _fresh(self, key: str, args: tuple[tuple[str, Arg], ...]) -> Rendered:
        """``Catalog.t``, with the two values most phrases hold taken first: a text is
        escaped, a ``Rendered`` kept. One-off texts (an account in a sentence) come here."""
        entry = self.entries.get(key)
        if type(entry) is not str:  # plural forms, a list, no such key: as the catalogue says
            return super().t(key, **dict(args))
        values: dict[str, str] = {}
        for name, value in args:
            kind = type(value)
            if kind is Rendered:
                values[name] = cast(Rendered, value)
            elif kind is str:
                values[name] = self.escape(cast(str, value))
            else:
                values[name] = self.value(value)
        return self._fill(key, entry, values)


def html(value: object) -> str:
    """``{{ value }}`` as the templates write it: ``template_value``, then HTML-escaped.

    The two kinds met most, one per account and cell, take the short way to the same
    text: a text (``str``, ``Rendered``: never ``Markup``) loses its control characters
    (``plain``), and a count is its digits, which escaping leaves as they are.
    """
    kind = type(value)
    if kind is str or kind is Rendered:
        text = cast(str, value)
        # Most logins and names hold nothing to replace (``plain``'s controls are all
        # unprintable) or escape (MarkupSafe's five): they are their own HTML.
        if text.isprintable() and not (
            "&" in text or "<" in text or ">" in text or '"' in text or "'" in text
        ):
            return text if kind is str else str(text)
        return str(escape(plain(text)))
    if kind is int:
        return str(value)
    return str(escape(template_value(value)))


class _Rows:
    """Each practice's section, its cards, tables, charts and rows, written here, not in Jinja.

    A group's report has a hundred thousand rows in each table: the templates spent more
    on looking values up, finalising and escaping them one by one than on anything else.
    Each piece is the text the templates wrote (``practice.html.j2`` and
    ``references.html.j2``, now gone: their last text is in ``tests/formats``); the
    labels, the same on every page, are escaped once.
    """

    def __init__(self, words: Catalog) -> None:
        self.words = words
        self._escaped: dict[str, str] = {}
        self._escaped_recently: dict[str, str] = {}
        self._badges: dict[tuple[str, str], str] = {}
        self._cells: dict[tuple[str, str, str, str], str] = {}
        """The references table's cells, by reference, outcome, sign and word: a few dozen."""

    @functools.cached_property
    def _labels(self) -> dict[str, str]:
        keys = ("portal", "login", "owner", "role", "last_change", "renew_by", "mfa", "breach")
        labels = {key: html(self.words.t(f"column.{key}")) for key in (*keys, "checks", "worst")}
        # Each key written out: tests/i18n finds the keys in use by their quoted names.
        labels["accounts"] = html(self.words.t("html.accounts"))
        labels["to_change"] = html(self.words.t("html.to_change"))
        labels["this_week_count"] = html(self.words.t("html.this_week_count"))
        labels["ref"] = html(self.words.t("html.ref"))
        labels["separator"] = str(escape(self.words.t("list.separator")))
        return labels

    def text(self, value: str) -> str:
        """``html(value)`` for a text, remembered: reasons, actions and labels repeat.

        Keyed by the text alone: a ``Rendered`` and an equal ``str`` are escaped alike here.
        Logins and names, one per account, take ``html()``: remembering them would only
        push the repeated texts out.
        """
        found = self._escaped.get(value) or self._escaped_recently.get(value)
        if found is None:
            found = html(value)
            _keep(self._escaped, self._escaped_recently, value, found)
        return found

    def cards(self, tasks: Sequence[Task], empty: str) -> Markup:
        """``task_list(tasks, empty)`` as ``practice.html.j2`` wrote it: a card per account."""
        if not tasks:
            return Markup(f'<p class="none">{self.text(empty)}</p>\n')  # noqa: S704 - escaped
        return Markup(  # noqa: S704 - every value went through text(), the labels too
            '<ol class="tasks">\n' + "".join(self._card(task) for task in tasks) + "</ol>\n"
        )

    def _card(self, task: Task) -> str:
        text = self.text
        label = self._labels
        owner = f" ({html(task.owner)})" if task.owner else ""
        also_in = f'<p class="also-in">{html(task.also_in)}</p>' if task.also_in else ""
        tone = task.severity.value
        return (
            f'  <li class="task tone-{tone}">\n'
            '    <div class="task-head">\n'
            '      <span class="box" aria-hidden="true">☐</span>\n'
            f'      <span class="who">{text(task.portal)} — {html(task.username)}{owner}</span>\n'
            f"      {self.badge(tone, task.severity_text)}\n"
            f"      <span>{text(self.words.t('html.due_by', due=task.due))}</span>\n"
            "    </div>\n"
            f"{also_in}    <ul>\n"
            + "".join(
                f"      <li><strong>{text(reason.label)}</strong> — {text(reason.why)}</li>\n"
                for reason in task.reasons
            )
            + "    </ul>\n"
            + "".join(f'    <p class="todo">➜ {text(action)}</p>\n' for action in task.actions)
            + f'    <p class="ref">{label["ref"]} <code>'
            + label["separator"].join(str(escape(check)) for check in task.checks)
            + "</code></p>\n  </li>\n"
        )

    def group_table(self, rows: Sequence[Row], first: str, second: str) -> Markup:
        """``group_table(rows, first, second)`` as ``practice.html.j2`` wrote it."""
        label = self._labels
        first_label = self.text(first)
        second_label = self.text(second) if second else ""
        return Markup(  # noqa: S704 - every value went through text() or html(), labels too
            '<div class="table-wrap"><table class="stack">\n  <thead><tr>\n'
            f"    <th>{first_label}</th>"
            + (f"<th>{second_label}</th>" if second else "")
            + f'    <th class="num">{label["accounts"]}</th>'
            f'<th class="num">{label["to_change"]}</th>\n'
            f'    <th class="num">{label["this_week_count"]}</th><th>{label["worst"]}</th>\n'
            "  </tr></thead>\n  <tbody>\n"
            + "".join(
                "  <tr>\n"
                f'    <td data-label="{first_label}">{html(row.name)}</td>\n'
                + (f'<td data-label="{second_label}">{html(row.detail)}</td>' if second else "")
                + f'    <td class="num" data-label="{label["accounts"]}">{row.accounts}</td>\n'
                f'    <td class="num" data-label="{label["to_change"]}">{row.to_change}</td>\n'
                f'    <td class="num" data-label="{label["this_week_count"]}">'
                f"{row.this_week}</td>\n"
                f'    <td data-label="{label["worst"]}">{self.badge(row.tone, row.worst_text)}'
                "</td>\n  </tr>\n"
                for row in rows
            )
            + "  </tbody>\n</table></div>"
        )

    def accounts(self, lines: Sequence[AccountLine]) -> Markup:
        """The accounts table's rows: the cells that repeat (portals, days, outcomes) are
        escaped once (``text``), the logins and names for each account (``html``)."""
        label = self._labels
        text = self.text
        return Markup(  # noqa: S704 - every value went through text() or html(), labels too
            "".join(
                "    <tr>\n"
                f'      <td data-label="{label["portal"]}">{text(a.portal)}</td>\n'
                f'      <td data-label="{label["login"]}">{html(a.username)}</td>\n'
                f'      <td data-label="{label["owner"]}">{html(a.owner)}</td>\n'
                f'      <td data-label="{label["role"]}">{text(a.role)}</td>\n'
                f'      <td data-label="{label["last_change"]}">{text(a.changed)}</td>\n'
                f'      <td data-label="{label["renew_by"]}">{text(a.renew_by)}</td>\n'
                f'      <td data-label="{label["mfa"]}">{text(a.mfa)}</td>\n'
                f'      <td data-label="{label["breach"]}">{text(a.breach)}</td>\n'
                f'      <td data-label="{label["checks"]}">{self.badge(a.tone, a.worst_text)}'
                f" {text(a.checks)}</td>\n"
                "    </tr>\n"
                for a in lines
            )
        )

    def references(self, view: ReferencesView) -> Markup:
        """The references table's rows (``references.html.j2``), a cell per reference."""
        label = self._labels
        shorts = [html(reference.short) for reference in view.references]
        cells = self._cells

        def cell(index: int, found: Cell) -> str:
            # By its texts, not the cell: a Cell's hash and equality are Python code.
            key = (shorts[index], found.outcome, found.symbol, found.word)
            text = cells.get(key)
            if text is None:
                word, outcome = html(found.word), html(found.outcome)
                text = (
                    f'    <td data-label="{shorts[index]}" class="ref-cell ref-{outcome}"'
                    f' title="{word}"><span aria-hidden="true">{html(found.symbol)}</span>'
                    f' <span class="ref-word">{word}</span></td>\n'
                )
                if len(cells) < _KEPT_TEXTS:
                    cells[key] = text
            return text

        return Markup(  # noqa: S704 - every value went through html(), the labels too
            "".join(
                "  <tr>\n"
                f'    <td data-label="{label["portal"]}">{self.text(row.portal)}</td>\n'
                f'    <td data-label="{label["login"]}">{html(row.username)}</td>\n'
                f'    <td data-label="{label["owner"]}">{html(row.owner)}</td>\n'
                + "".join(cell(index, found) for index, found in enumerate(row.cells))
                + "  </tr>\n"
                for row in view.rows
            )
        )

    def standards(self, view: ReferencesView) -> Markup:
        """Each reference's rules and what they found (``references.html.j2``'s last loop).

        The statements, sources and titles are the same on every practice's page:
        escaped once (``text``); the lines name this practice's accounts.
        """
        text = self.text
        parts = []
        for reference in view.references:
            url = f' — <span class="ref-url">{text(reference.url)}</span>' if reference.url else ""
            parts.append(
                f'<div class="ref-doc">\n  <h4>{text(reference.title)}</h4>\n'
                f'  <p class="ref-edition">{text(reference.edition)}{url}</p>\n'
                '  <ul class="ref-rules">\n'
            )
            for rule in reference.rules:
                parts.append(
                    f'    <li><p>{text(rule.statement)} <span class="ref-source">'
                    f"({text(rule.source)})</span> <code>{text(rule.id)}</code></p>\n      <ul>"
                )
                parts.extend(
                    f'<li class="ref-{text(line.outcome)}">{html(line.text)}</li>'
                    for line in rule.lines
                )
                parts.append("</ul>\n    </li>\n")
            parts.append("  </ul>\n</div>\n")
        return Markup("".join(parts))  # noqa: S704 - every value went through text() or html()

    @functools.cached_property
    def _patterns(self) -> str:
        """``patterns()`` of ``macros.html.j2``: the same hatches in every chart."""
        macros = environment(html=True).get_template("macros.html.j2").module
        return str(macros.patterns())  # type: ignore[attr-defined]  # a macro of the template

    def column_chart(self, chart: charts.ColumnChart, name: str) -> Markup:
        """``m.column_chart(chart, name)`` (``macros.html.j2``), for each practice's two charts.

        The template wrote each coordinate with ``'%.1f' %``: ``:.1f`` writes the same.
        """
        text = self.text
        title = text(chart.title)
        baseline = html(chart.baseline)
        parts = [
            (
                f'<figure class="chart" data-chart="{text(name)}">\n'
                f"  <figcaption>{title}</figcaption>\n"
                f'  <p class="desc">{text(chart.description)}</p>\n'
                f'  <svg viewBox="0 0 {html(charts.WIDTH)} {html(chart.height)}" role="img"'
                f' aria-label="{title}">\n'
                f"    <title>{title}</title>\n"
                f"    {self._patterns}\n"
                f'    <line class="axis" x1="0" y1="{baseline}" x2="{html(charts.WIDTH)}"'
                f' y2="{baseline}"/>\n'
            )
        ]
        for bar in chart.columns:
            middle = f"{bar.x + bar.width / 2:.1f}"
            parts.append(
                '    <g class="bar">\n'
                f'      <rect class="bar-{text(bar.tone)}" x="{bar.x:.1f}" y="{bar.y:.1f}"'
                f' width="{bar.width:.1f}" height="{bar.height:.1f}"/>\n'
                f'      <text x="{middle}" y="{bar.y - 6:.1f}" text-anchor="middle"'
                f' font-weight="bold">{html(bar.value)}</text>\n'
                f'      <text x="{middle}" y="{chart.baseline + 18:.1f}"'
                f' text-anchor="middle">{text(bar.label)}</text>\n'
                "    </g>\n"
            )
        if chart.marker_x is not None:
            marker = f"{chart.marker_x:.1f}"
            parts.append(
                f'    <line class="marker" x1="{marker}" y1="4" x2="{marker}" y2="{baseline}"/>\n'
                f'    <text x="{chart.marker_x + 4:.1f}" y="14">{text(chart.marker_label)}</text>\n'
            )
        parts.append("  </svg>\n</figure>")
        return Markup("".join(parts))  # noqa: S704 - every value went through text() or html()

    def age_chart(self, chart: charts.AgeChart) -> Markup:
        """``m.age_chart(chart)`` (``macros.html.j2``): a bar per account of the practice."""
        text = self.text
        title = text(chart.title)
        label_x = html(chart.label_width - 6)
        parts = [
            (
                '<figure class="chart wide" data-chart="age">\n'
                f"  <figcaption>{title}</figcaption>\n"
                f'  <p class="desc">{text(chart.description)}</p>\n'
                f'  <svg viewBox="0 0 {html(charts.WIDTH)} {html(chart.height)}" role="img"'
                f' aria-label="{title}">\n'
                f"    <title>{title}</title>\n"
                f"    {self._patterns}\n"
            )
        ]
        parts.extend(
            f'    <line class="axis" x1="{x:.1f}" y1="0" x2="{x:.1f}"'
            f' y2="{html(chart.height - 26)}" stroke-opacity="0.3"/>\n'
            f'    <text x="{x:.1f}" y="{html(chart.height - 10)}" text-anchor="middle">'
            f"{text(label)}</text>\n"
            for x, label in chart.ticks
        )
        for row in chart.rows:
            parts.append(
                '    <g class="bar">\n'
                f'      <text x="{label_x}" y="{row.y + 13}" text-anchor="end">'
                f'<tspan font-weight="bold">{text(row.label)}</tspan>'
                f'<tspan x="{label_x}" dy="15">{html(row.detail)}</tspan></text>\n'
            )
            if row.bar_width > 0:
                parts.append(
                    f'      <rect class="bar-{text(row.tone)}" x="{html(chart.label_width)}"'
                    f' y="{row.y + 6}" width="{row.bar_width:.1f}" height="18"/>\n'
                )
            if row.limit_x is not None:
                parts.append(
                    f'      <line class="limit" x1="{row.limit_x:.1f}" y1="{row.y + 2}"'
                    f' x2="{row.limit_x:.1f}" y2="{row.y + 28}"/>\n'
                )
            parts.append(
                f'      <text x="{chart.label_width + row.bar_width + 6:.1f}"'
                f' y="{row.y + 20}">{html(row.value_text)}</text>\n'
                "    </g>\n"
            )
        parts.append("  </svg>\n</figure>")
        return Markup("".join(parts))  # noqa: S704 - every value went through text() or html()

    def changes(self, changes: ChangesView) -> Markup:
        """What changed since the previous audit, a line per finding (``practice.html.j2``)."""
        text = self.text
        ref = self._labels["ref"]
        parts = [f'  <div class="changes">\n    <p>{text(changes.line)}</p>\n']
        for heading, items in changes.groups:
            parts.append(f"    <p><strong>{text(heading)}</strong></p>\n    <ul>\n")
            parts.extend(
                f"      <li>{text(portal)} — {html(username)} — {text(label)}"
                f' <span class="ref">{ref} <code>{text(check)}</code></span></li>\n'
                for portal, username, label, check in items
            )
            parts.append("    </ul>\n")
        parts.append("  </div>")
        return Markup("".join(parts))  # noqa: S704 - every value went through text()

    def label(self, key: str) -> str:
        """A catalogue text without values, escaped: the headings and columns of every page."""
        return self.text(self.words.t(key))

    def section(
        self,
        p: PracticeView,
        week_end: str,
        priority: str,
        references: tuple[ReferencesView, Markup, Markup] | None,
    ) -> Markup:
        """``section(p)`` of ``practice.html.j2`` as it wrote it, its references included.

        ``references`` is the practice's view with its rows and rules (``references`` and
        ``standards``), or None for a page without them.
        """
        label = self.label
        parts = [
            (
                f'<section class="practice" id="{html(p.anchor)}">\n'
                f"  <h2>{html(p.title)}</h2>\n"
                f"  {p.verdict}\n"
            )
        ]
        if p.changes:
            parts.append(f"{p.changes_block}\n")
        parts.append(
            f"\n  <h3>{html(self.words.t('html.this_week', end=week_end))}</h3>\n"
            + (f'<p class="meta">{html(priority)}</p>' if priority else "")
            + f"  {p.this_week_cards}\n"
            '  <div class="advice">\n'
            f"    <p><strong>{label('html.advice_title')}</strong></p>\n"
            f"    <p>{label('html.advice_phishing')}</p>\n"
            "  </div>\n\n"
            f"  <h3>{label('html.later')}</h3>\n"
            f"  {p.later_cards}\n\n"
            f"  <h3>{label('html.charts')}</h3>\n"
            '  <div class="charts">\n'
            f"    {p.severity_figure}\n"
            f"    {p.strength_figure}\n"
            f"    {p.age_figure}\n"
            "  </div>\n\n"
            f"  <h3>{label('html.by_portal')}</h3>\n"
            f"  {p.portal_table}\n\n"
            f"  <h3>{label('html.by_person')}</h3>\n"
            f"  {p.people_table}\n\n"
            f"  <h3>{label('practice.accounts')}</h3>\n"
            '  <div class="table-wrap"><table class="stack accounts">\n'
            "    <thead><tr>\n" + self._account_heads + "    </tr></thead>\n"
            "    <tbody>\n"
            f"{p.account_rows}    </tbody>\n"
            "  </table></div>\n"
        )
        if p.approximate:
            parts.append(f'  <p class="meta">{label("html.approximate_note")}</p>\n')
        if p.copies:
            parts.append(
                f"  <h3>{label('copies.title')}</h3>\n"
                f"  <p>{label('copies.help')}</p>\n"
                '  <ul class="copies">'
                + "".join(f"<li>{html(line)}</li>" for line in p.copies)
                + "</ul>\n"
            )
        if p.waived:
            parts.append(self._waived(p.waived))
        if references is not None:
            view, rows, docs = references
            anchor = html(p.id)
            parts.append(
                f'<section class="references" aria-labelledby="ref-{anchor}">\n'
                f'<h3 id="ref-{anchor}">{label("references.title")}</h3>\n'
                f'<p class="ref-intro">{label("references.intro")}</p>\n'
                '<div class="scroll"><table class="ref-table">\n'
                "  <thead><tr>\n"
                f"    <th>{label('column.portal')}</th><th>{label('column.login')}</th>"
                f"<th>{label('column.owner')}</th>\n"
                + "".join(f"<th>{html(ref.short)}</th>" for ref in view.references)
                + "  </tr></thead>\n"
                "  <tbody>\n"
                f"{rows}  </tbody>\n"
                "</table></div>\n"
                f"{docs}</section>\n"
            )
        parts.append("</section>")
        return Markup("".join(parts))  # noqa: S704 - every value went through html(), or is Markup

    @functools.cached_property
    def _account_heads(self) -> str:
        keys = ("portal", "login", "owner", "role", "last_change", "renew_by", "mfa", "breach")
        return "".join(f"      <th>{self.label(f'column.{key}')}</th>\n" for key in keys) + (
            f"      <th>{self.label('column.checks')}</th>\n"
        )

    def _waived(self, waived: Sequence[WaivedLine]) -> str:
        """The waived findings' table of ``practice.html.j2``."""
        label = self.label
        portal, login, owner = label("column.portal"), label("column.login"), label("column.owner")
        check, why = label("column.check"), label("column.why")
        until, accepted_by = label("waiver.column_until"), label("waiver.column_accepted_by")
        reason = label("waiver.column_reason")
        return (
            f"  <h3>{label('waiver.title')}</h3>\n"
            f"  <p>{label('waiver.help')}</p>\n"
            '  <div class="table-wrap"><table class="stack waived">\n'
            "    <thead><tr>\n"
            f"      <th>{portal}</th><th>{login}</th><th>{owner}</th>\n"
            f"      <th>{check}</th><th>{why}</th>\n"
            f"      <th>{until}</th><th>{accepted_by}</th><th>{reason}</th>\n"
            "    </tr></thead>\n"
            "    <tbody>\n"
            + "".join(
                "    <tr>\n"
                f'      <td data-label="{portal}">{html(w.portal)}</td>\n'
                f'      <td data-label="{login}">{html(w.username)}</td>\n'
                f'      <td data-label="{owner}">{html(w.owner)}</td>\n'
                f'      <td data-label="{check}">{html(w.label)}'
                f" <code>{html(w.check)}</code></td>\n"
                f'      <td data-label="{why}">{html(w.why)}</td>\n'
                f'      <td data-label="{until}">{html(w.until)}</td>\n'
                f'      <td data-label="{accepted_by}">{html(w.accepted_by)}</td>\n'
                f'      <td data-label="{reason}">{html(w.reason)}</td>\n'
                "    </tr>\n"
                for w in waived
            )
            + "    </tbody>\n"
            "  </table></div>\n"
        )

    def index_table(self, rows: Sequence[IndexRow], *, pseudonymous: bool) -> Markup:
        """``m.index_table(rows)`` (``macros.html.j2``): the practices ranked, a row each.

        ``pseudonymous``: the anonymised copy's ids are no FINESS numbers, not shown.
        """
        label = self.label
        rank, practice, status = label("html.rank"), label("column.practice"), label("html.status")
        findings, accounts = label("column.findings"), label("html.accounts")
        this_week = label("html.this_week_count")
        separator = label("list.separator")
        text = self.text
        return Markup(  # noqa: S704 - every value went through html() or text(), labels too
            '<div class="table-wrap"><table class="stack index">\n'
            "  <thead><tr>\n"
            f'    <th class="num">{rank}</th><th>{practice}</th><th>{status}</th>\n'
            f'    <th>{findings}</th><th class="num">{accounts}</th>'
            f'<th class="num">{this_week}</th>\n'
            "  </tr></thead>\n"
            "  <tbody>\n"
            + "".join(
                "  <tr>\n"
                f'    <td class="num" data-label="{rank}">{html(row.rank)}</td>\n'
                f'    <td data-label="{practice}"><a href="{html(row.href)}">{html(row.name)}</a>'
                + ("" if pseudonymous else f"<br><code>FINESS {html(row.id)}</code>")
                + "</td>\n"
                f'    <td data-label="{status}">{self.badge(row.tone, row.status)}</td>\n'
                f'    <td data-label="{findings}">'
                + separator.join(
                    f'<span class="count">{text(count)}</span>' for count in row.counts
                )
                + "</td>\n"
                f'    <td class="num" data-label="{accounts}">{html(row.accounts)}</td>\n'
                f'    <td class="num" data-label="{this_week}">{html(row.this_week)}</td>\n'
                "  </tr>\n"
                for row in rows
            )
            + "  </tbody>\n</table></div>"
        )

    def status(self, tone: str, text: str) -> Markup:
        """``m.status(tone, text)`` (``macros.html.j2``): a practice's one-line verdict."""
        return Markup(  # noqa: S704 - the tone, its sign and the text went through html()
            f'<p class="status tone-{html(tone)}" role="status"><span class="symbol"'
            f' aria-hidden="true">{html(_SYMBOLS[tone])}</span>{html(text)}</p>'
        )

    def counts(self, items: Sequence[tuple[str, str]]) -> Markup:
        """``m.counts(items)`` (``macros.html.j2``): a badge per (text, tone), on one line."""
        return Markup(  # noqa: S704 - every badge is escaped (badge())
            '<ul class="counts">\n'
            + "".join(f"  <li>{self.badge(tone, text)}</li>\n" for text, tone in items)
            + "</ul>"
        )

    def badge(self, tone: str, text: str) -> str:
        """``m.badge(tone, text)`` (``macros.html.j2``), remembered: a few tones and texts."""
        found = self._badges.get((tone, text))
        if found is None:
            if len(self._badges) >= _KEPT_TEXTS:
                self._badges.clear()
            found = self._badges[(tone, text)] = (
                f'<span class="badge tone-{html(tone)}"><span aria-hidden="true">'
                f"{_SYMBOLS[tone]}</span> {html(text)}</span>"
            )
        return found


_SYMBOLS = {"critical": "✖", "high": "⚠", "medium": "●", "low": "○", "ok": "✓", "unchecked": "?"}
"""``symbols`` of ``macros.html.j2``, for the rows written here: the same signs."""


@functools.cache
class HtmlFormat(Formatter):
    """Self-contained pages: inline CSS and SVG, no script, nothing fetched, printable on A4."""

    extension = "html"

    def __init__(self, lang: Lang = Lang.EN) -> None:
        # Values lose their control characters here; Jinja2's autoescape does the rest.
        self.words: Catalog = _Remembering(catalog(lang).escaped(plain))
        self.rows = _Rows(self.words)
        self.memory = _Memory()

    def render(self, report: Report) -> str:
        """One page: the ranking (when there are several practices), then every practice."""
        words = self.words
        views = _Views(words, report, self.rows, self.memory)
        rows = views.rows
        index = views.index("#p-{id}") if len(report.practices) > 1 else ()
        practices = tuple(views.practice(practice) for practice in report.practices)
        # By FINESS: each practice's accounts against each reference, its rows and rules.
        references: dict[str, tuple[ReferencesView, Markup, Markup]] = {}
        for p in report.practices:
            view = references_view(words, report, p, plain)
            references[p.practice.id] = (view, rows.references(view), rows.standards(view))
        priority = priority_line(words, report) or ""
        week_end = words.day(views.week_end)
        return self._page(
            "report.html.j2",
            views,
            priority,
            index=index,
            index_table=rows.index_table(index, pseudonymous=report.pseudonymous_practices)
            if index
            else Markup(),
            sections=tuple(
                rows.section(p, week_end, priority, references.get(p.id)) for p in practices
            ),
        )

    def summary_chunks(self, report: Report, *, links: bool = True) -> Iterator[str]:
        """The group index, linking to each practice's own ``<FINESS>/report.html``.

        ``links=False`` for a page laid out as a PDF, which keeps no link: the page
        then says where each practice's own file is, not that its name opens it.
        """
        views = _Views(self.words, report, self.rows)
        yield self._page(
            "summary.html.j2",
            views,
            priority_line(self.words, report) or "",
            links=links,
            # The ranking is written in Python (_Rows.index_table): a row per practice.
            index_table=views.rows.index_table(
                views.index("{id}/report.html"), pseudonymous=report.pseudonymous_practices
            ),
            severity_chart=views.severity_chart(report.counts()),
        )

    def _page(self, template: str, views: _Views, priority: str, **values: Any) -> str:
        words = self.words
        report = views.report
        return (
            environment(html=True)
            .get_template(template)
            .render(
                lang=words.lang.value,
                t=words.t,
                as_of=words.day(report.as_of),
                week_end=words.day(views.week_end),
                report=report,
                breach_mode=words.t(f"breach_mode.{report.breach_mode.value}"),
                breach_skipped=words.t("coverage.misc.breach_skipped")
                if report.breach_skipped
                else "",
                left_out=left_out_line(words, report) if report.left_out else "",
                priority=priority,
                expired_waivers=tuple(
                    expired_waiver_line(words, waiver) for waiver in report.expired_waivers
                ),
                skipped=tuple(row.text(words) for row in report.skipped_rows),
                width=charts.WIDTH,
                **values,
            )
        )
