"""Plain-language words shared by the human formats (statuses, counts, breach outcomes)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from types import MappingProxyType
from typing import Any, assert_never

from auditor.hibp import Clean, Pwned, Unknown
from auditor.i18n import Catalog, Rendered
from auditor.i18n.phrase import Arg, Localized, Phrase, Series
from auditor.models import AccountRef, CheckId, Finding, Origin, Severity, location
from auditor.password.derive import AuditedAccount, NotChecked
from auditor.policy import Waiver
from auditor.report import Gap, PracticeReport, Report
from auditor.report.changes import FindingKey, PracticeChanges
from auditor.report.priority import PracticeKey

UNCHECKED_LISTED = 5
"""Accounts a "not checked" sentence names before "and N more": the full list is in the table."""


_NO_NAMES: Mapping[str, str] = MappingProxyType({})


def portal_name(report: Report, portal_id: str) -> str:
    """The portal as people name it (``Carte Blanche Partenaires (CBPEC)``); else its id.

    Human formats show this; JSON, CSV and JUnit keep the id, a public contract.
    The names are the policy's the audit applied (``Report.portal_names``); an id
    no policy names (an ``--all-entries`` site, a portal gone since a recorded run)
    stays as it is.
    """
    return report.portal_names.get(portal_id, portal_id)


def practice_title(words: Catalog, report: Report, practice: PracticeReport) -> Rendered:
    """``Pharmacie du Marché (FINESS 750056780)``; the name alone in the anonymised copy.

    There the id is a pseudonym (``etablissement1``), not a FINESS number, and the
    name already carries its number (``Établissement 1``).
    """
    shown = practice.practice
    if report.pseudonymous_practices:
        return Rendered(words.value(shown.name or shown.id))
    return words.t("practice.title", name=shown.name or shown.id, finess=shown.id)


class AccountNames:
    """Accounts a finding names, as people name them: ``Santéclair — sdurand (Sophie Durand)``.

    Checks name another account (a reused password's) as ``AccountRef`` prints it,
    ids included (``690034566 santeclair sdurand (Sophie Durand)``): JSON and CSV
    keep that text; human formats give it here the portal's name, and the practice
    when the report holds several. Only a value equal to an account's text, or of
    exactly that shape for a practice the report leaves out, is renamed.
    """

    def __init__(self, words: Catalog, report: Report) -> None:
        self.words = words
        self.report = report

    @functools.cached_property
    def _named(self) -> Mapping[str, Rendered]:
        words = self.words
        named = {}
        for practice in self.report.practices:
            for audited in practice.accounts:
                ref = audited.account.ref
                account = self._account(ref)
                if len(self.report.practices) > 1:
                    name = practice.practice.name or practice.practice.id
                    account = words.t("html.account_in", account=account, practice=name)
                named[str(ref)] = account
        return named

    def _account(self, ref: AccountRef) -> Rendered:
        words = self.words
        return words.t(
            "html.account",
            portal=portal_name(self.report, ref.portal),
            username=ref.username,
            owner=words.t("html.owner", owner=ref.owner) if ref.owner else Rendered(""),
        )

    def _elsewhere(self, text: str) -> Rendered | None:
        """An account of a practice the report leaves out (``--out``), from its text."""
        practice_id, _, rest = text.partition(" ")
        portal, _, login = rest.partition(" ")
        if not (practice_id.isalnum() and portal in self.report.portal_names and login):
            return None
        words = self.words
        account = words.t(
            "html.account", portal=portal_name(self.report, portal), username=login, owner=""
        )
        return words.t(
            "html.account_in",
            account=account,
            # The anonymised copy's id is a pseudonym, not a FINESS number.
            practice=practice_id
            if self.report.pseudonymous_practices
            else words.t("html.finess", finess=practice_id),
        )

    def name(self, text: str) -> Rendered | None:
        """The account ``text`` names, in people's words; None if it names none."""
        return self._named.get(text) or self._elsewhere(text)

    def said(self, arg: Arg) -> Arg:
        """A finding's values with the accounts they name renamed, the rest as it is."""
        if isinstance(arg, Phrase):
            return Phrase(arg.key, tuple((name, self.said(value)) for name, value in arg.args))
        if isinstance(arg, Series):
            return Series(tuple(self.said(item) for item in arg.items), arg.joiner, arg.more)
        if isinstance(arg, str) and not isinstance(arg, Rendered):
            return self.name(arg) or arg
        return arg

    def text(self, said: Phrase) -> Rendered:
        """A finding's message in the reader's words, accounts named by their portals."""
        renamed = self.said(said)
        assert isinstance(renamed, Phrase)  # noqa: S101 - a phrase stays a phrase
        return self.words.text(renamed)


REMEMBERED = 4096
"""Texts of each kind a ``RememberingCatalog`` keeps. A group's report repeats a few hundred
(reasons, actions, incidents, days, names named in several findings) among thousands said
once (a reused password's other accounts); past this many all are forgotten, and the
recurring ones soon come back."""


def _said_once(said: Phrase | Series) -> bool:
    """Whether a phrase or series names someone, something or a day at its surface (a text
    or a day among its values, or a text first in one of its series): a sentence most
    often said of one account only (its other accounts, its change day)."""
    values = said.args if isinstance(said, Phrase) else (("", said),)
    for _, value in values:
        if isinstance(value, str) or type(value) is date:
            return True
        if type(value) is Series and value.items and isinstance(value.items[0], str):
            return True
    return False


def _keep(kept: dict[Any, Any], key: Any, value: Any) -> None:
    """Remember one text, forgetting all the others past ``REMEMBERED``."""
    if len(kept) >= REMEMBERED:
        kept.clear()
    kept[key] = value


class RememberingCatalog(Catalog):
    """``words`` (one language, one escaper), remembering the texts it writes again and again.

    A group's JSON and CSV reports put tens of thousands of findings into words from a few
    dozen sentences, counts and days. The texts are the catalogue's own (it renders each
    the first time); only a phrase that reads the same as every phrase equal to it is
    remembered (``_reads_alike``). One per writer: its language and escaper are fixed.
    """

    def __init__(self, words: Catalog) -> None:
        super().__init__(words.lang, words.entries, iso_dates=words.iso_dates, escape=words.escape)
        self._phrases: dict[Phrase, Rendered] = {}
        self._series: dict[Series, str] = {}
        self._keys: dict[str, Rendered] = {}
        self._values: dict[str, str] = {}
        self._numbers: dict[int, Rendered] = {}
        self._days: dict[date, Rendered] = {}

    def t(self, key: str, **args: Arg) -> Rendered:
        if args:
            entry = self.entries.get(key)
            if type(entry) is not str:  # missing, or plural forms: the catalogue says which
                return super().t(key, **args)
            values = {name: self.value(arg) for name, arg in args.items()}
            try:
                return Rendered(entry.format_map(values))
            except KeyError:  # a value the text needs is missing: the catalogue's error
                return super().t(key, **args)
        found = self._keys.get(key)  # a separator, a role, a reason without values
        if found is None:
            found = super().t(key)
            _keep(self._keys, key, found)
        return found

    def text(self, said: Phrase) -> Rendered:
        # Phrases of counts and the policy's names recur (a weak password's reasons, an
        # incident); one that names someone or a day is most often said of one account (a
        # reused password's other accounts, a change day): it is put into words, neither
        # looked for nor kept (its days and names are, one by one).
        if _said_once(said):
            return super().text(said)
        return self.remembered(said)

    def remembered(self, said: Phrase) -> Rendered:
        """``text(said)``, remembered whatever it names: for the few dozen actions that
        thousands of findings share, each naming its portal's address."""
        found = self._phrases.get(said)
        if found is None:
            found = super().text(said)
            if self._reads_alike(said):
                _keep(self._phrases, said, found)
        return found

    def _reads_alike(self, arg: Arg) -> bool:
        """Whether every value equal to ``arg`` reads as it does, so that its text may be
        given for theirs: only what is kept is looked for, and what is found equals it.

        A text equal to ``arg``'s may be ``Rendered`` where it is not (``Rendered("x") ==
        "x"``), and only the plain one is escaped: both read the same when the escaper
        leaves the text as it is. A count equals a yes/no (``True == 1``) and only the count
        has words; but the catalogue refuses a yes/no in every test that renders one, so
        none reaches a report. Days, counts and the policy's names read as they are.
        """
        if type(arg) is int or type(arg) is date or type(arg) is Localized:
            return True
        if isinstance(arg, str):
            return self.escape(arg) == arg
        if type(arg) is Phrase:
            return all(self._reads_alike(value) for _, value in arg.args)
        if type(arg) is Series:
            return all(self._reads_alike(item) for item in arg.items)
        return False

    def value(self, arg: Arg) -> str:
        # The catalogue's own choices, by exact type first: a value is one of a few kinds.
        if type(arg) is str:  # a name or a login, escaped by its characters alone
            found = self._values.get(arg)
            if found is None:
                found = self.escape(arg)
                _keep(self._values, arg, found)
            return found
        if type(arg) is Rendered:
            return arg
        if type(arg) is Phrase:
            return self.text(arg)
        if type(arg) is Series and not _said_once(arg):  # incidents, a weak password's reasons
            kept = self._series.get(arg)
            if kept is None:
                kept = super().value(arg)
                if self._reads_alike(arg):  # as for phrases (``remembered``)
                    _keep(self._series, arg, kept)
            return kept
        if type(arg) is int:
            return self.number(arg)
        if type(arg) is date:
            return self.day(arg)
        return super().value(arg)

    def number(self, count: int) -> Rendered:
        if type(count) is not int:
            return super().number(count)
        found = self._numbers.get(count)
        if found is None:
            found = super().number(count)
            _keep(self._numbers, count, found)
        return found

    def day(self, day: date) -> Rendered:
        if type(day) is not date:
            return super().day(day)
        found = self._days.get(day)
        if found is None:
            found = super().day(day)
            _keep(self._days, day, found)
        return found


def priority_line(words: Catalog, report: Report) -> str | None:
    """The one sentence that explains the order within an urgency; None if no count orders it."""
    return words.t("priority.breach_order") if report.breached_findings else None


def breach_word(audited: AuditedAccount) -> str:
    """``pwned``, ``clean``, ``unknown``, ``not-checked`` or ``no-password`` for an account."""
    facts = audited.facts
    if facts is None:
        return "no-password"
    status = facts.breach
    if isinstance(status, Pwned):
        return "pwned"
    if isinstance(status, Clean):
        return "clean"
    if isinstance(status, Unknown):
        return "unknown"
    if isinstance(status, NotChecked):
        return "not-checked"
    assert_never(status)


def breach_label(words: Catalog, audited: AuditedAccount) -> str:
    """The breach outcome in the reader's words."""
    return words.t(f"breach.{breach_word(audited)}")


def check_label(words: Catalog, check: CheckId) -> str:
    """A check in a few words (``reused``, ``réutilisé``); JSON and JUnit keep the id."""
    return words.t(f"check.{check.value}")


def severity_label(words: Catalog, severity: Severity) -> str:
    """``critical``, ``critique``…"""
    return words.t(f"severity.{severity.value}")


def gap_text(words: Catalog, gap: Gap) -> Rendered:
    """``not checked: password not recorded`` and the like."""
    return words.t(f"coverage.{gap.value}")


def gap_action(words: Catalog, gap: Gap) -> Rendered:
    """What to do so that the account can be checked next time."""
    return words.t(f"coverage.action.{gap.value}")


def checks_text(words: Catalog, practice: PracticeReport, audited: AuditedAccount) -> Rendered:
    """An account's checks cell: its findings, what was not checked, and "ok" only if neither."""
    labels = words.join(
        words.t("list.separator"),
        (check_label(words, f.check) for f in practice.findings_for(audited)),
    )
    gap = practice.gap(audited)
    if gap is not None:
        return words.join(
            "; ", (labels, gap_text(words, gap)) if labels else (gap_text(words, gap),)
        )
    return labels or words.t("account.ok")


def unchecked_line(
    words: Catalog, practice: PracticeReport, portal_names: Mapping[str, str] = _NO_NAMES
) -> Rendered | None:
    """``Not checked: 2 accounts — Kalixia jdoe (password not recorded), …``; None if none.

    Pass the report's ``portal_names``: without them the portal ids are shown.
    """
    unchecked = practice.unchecked
    if not unchecked:
        return None
    named = [
        words.t(
            "coverage.misc.account",
            portal=portal_names.get(audited.account.portal, audited.account.portal),
            username=audited.account.username,
            owner=words.t("coverage.misc.owner", owner=audited.account.owner)
            if audited.account.owner
            else Rendered(""),
            reason=words.t(f"coverage.short.{gap.value}"),
        )
        for audited, gap in unchecked[:UNCHECKED_LISTED]
    ]
    accounts = words.join(words.t("list.separator"), named)
    if len(unchecked) > UNCHECKED_LISTED:
        accounts = words.t("coverage.more", accounts=accounts, n=len(unchecked) - UNCHECKED_LISTED)
    return words.t("coverage.line", n=len(unchecked), accounts=accounts)


COPIES_LISTED = 5
"""Copies an "also in" line names before "and N more": a login rarely has more."""


def _entry_name(copy: Origin, home: str) -> str:
    """An entry as its vault names it (``Archive/Viamedis``), with its file when not ``home``."""
    if copy.entry is not None and copy.path == home:
        return copy.entry
    return location(copy.path, copy.line, copy.entry)


def also_in_text(words: Catalog, audited: AuditedAccount) -> Rendered | None:
    """``Also in: Archive/Viamedis, Comptoir 2/Viamedis``: the vault copies merged into the
    account (``Origin.also_in``); None when it has none.

    Entry paths are inventory text, escaped by ``words`` for the output.
    """
    origin = audited.account.origin
    if not origin.also_in:
        return None
    names = [words.value(_entry_name(copy, origin.path)) for copy in origin.also_in]
    listed = words.join(words.t("list.separator"), names[:COPIES_LISTED])
    if len(names) > COPIES_LISTED:
        listed = words.t("list.more", items=listed, n=len(names) - COPIES_LISTED)
    return words.t("copies.also_in", entries=listed)


def copies_lines(words: Catalog, report: Report, practice: PracticeReport) -> tuple[Rendered, ...]:
    """``Viamedis — jdupont (Jean Dupont) — Also in: …`` for each account with vault copies."""
    lines = []
    for audited in practice.accounts:
        also_in = also_in_text(words, audited)
        if also_in is None:
            continue
        account = audited.account
        lines.append(
            words.t(
                "copies.line",
                portal=portal_name(report, account.portal),
                username=account.username,
                owner=words.t("coverage.misc.owner", owner=account.owner)
                if account.owner
                else Rendered(""),
                also_in=also_in,
            )
        )
    return tuple(lines)


def status_line(words: Catalog, practice: PracticeReport) -> Rendered:
    """One sentence a non-specialist understands: how bad, and what to do first.

    "Nothing to change" only when every account was fully checked: otherwise the
    absence of findings proves nothing about the accounts not checked.
    """
    worst = practice.worst
    if worst is None:
        if not practice.fully_checked:
            return words.t("coverage.status", n=len(practice.unchecked))
        return words.t("status.ok")
    urgent = len({f.account for f in practice.findings if f.severity is worst})
    match worst:
        case Severity.CRITICAL:
            return words.t("status.critical", n=urgent)
        case Severity.HIGH:
            return words.t("status.high", n=urgent)
        case Severity.MEDIUM | Severity.LOW:
            return words.t("status.plan", n=urgent)
        case _:
            assert_never(worst)


def severity_counts(words: Catalog, counts: dict[Severity, int]) -> Rendered:
    """``2 critical, 1 high, 0 medium, 3 low``."""
    return words.join(
        words.t("list.separator"),
        (
            words.t(f"severity_count.{severity.value}", n=count)
            for severity, count in counts.items()
        ),
    )


NEAR_LISTED = 5
"""Near misses a left-out line names before "and N more": the JSON report lists each entry."""


def left_out_line(words: Catalog, report: Report) -> str:
    """How many vault entries matched no portal, and how to audit them too.

    Entries whose title nearly names a portal are named after it ("'Carte Blance'
    looks like …"), each title once, or counted by portal when their title is not
    shown (``NearMiss.title`` is None for what might be a password).
    """
    total = sum(left.entries for left in report.left_out)
    files = words.join(
        words.t("list.separator"),
        (words.t("left_out.file", path=left.path, n=left.entries) for left in report.left_out),
    )
    line = words.t("left_out.line", n=total, files=files)
    near = [miss for left in report.left_out for miss in left.near]
    if not near:
        return line
    titled = dict.fromkeys((m.title, m.portal_name) for m in near if m.title is not None)
    hidden: dict[str, int] = {}
    for miss in near:
        if miss.title is None:
            hidden[miss.portal_name] = hidden.get(miss.portal_name, 0) + 1
    items = [words.t("left_out.near_titled", title=t, portal=p) for t, p in titled]
    items += [words.t("left_out.near_hidden", n=n, portal=p) for p, n in hidden.items()]
    listed = words.join(words.t("list.clauses_separator"), items[:NEAR_LISTED])
    if len(items) > NEAR_LISTED:
        listed = words.t("list.more", items=listed, n=len(items) - NEAR_LISTED)
    return words.join(" ", (line, words.t("left_out.near", n=len(near), items=listed)))


def changed_text(words: Catalog, audited: AuditedAccount) -> Rendered:
    """The password's change date for a table cell; ``~`` marks a vault entry's modification day."""
    account = audited.account
    if account.password_changed is None:
        return words.t("account.changed_unknown")
    day = words.short_day(account.password_changed)
    return words.join("", ("~" if account.changed_approximate else "", day))


def mfa_label(words: Catalog, mfa: bool | None) -> str:
    """``on``, ``off`` or ``unknown`` in the reader's words."""
    return words.t({True: "mfa.on", False: "mfa.off", None: "mfa.unknown"}[mfa])


def risk_order(practice: PracticeReport) -> PracticeKey:
    """Sort key ranking practices: most urgent first, then most breached, then most findings."""
    return practice.ranking_key


def waiver_scope(waiver: Waiver) -> str:
    """What a waiver names, as ids a user can find in the policy: ``no-mfa · viamedis``."""
    parts = (
        waiver.check.value if waiver.check else None,
        waiver.practice,
        waiver.portal,
        waiver.username,
    )
    return " · ".join(part for part in parts if part is not None)


def waiver_text(words: Catalog, waiver: Waiver) -> str:
    """``Waived until 31 March 2027 by M. Martin: reason``."""
    return words.t(
        "waiver.accepted",
        expires=words.day(waiver.expires),
        accepted_by=waiver.accepted_by,
        reason=waiver.reason,
    )


def expired_waiver_line(words: Catalog, waiver: Waiver) -> str:
    """A lapsed waiver, where it is declared, and what to do about it."""
    return words.t(
        "waiver.expired",
        scope=waiver_scope(waiver),
        accepted_by=waiver.accepted_by,
        where=waiver.where,
        expires=words.day(waiver.expires),
    )


def changes_line(words: Catalog, changes: PracticeChanges) -> str:
    """What changed since the previous recorded audit, in one sentence."""
    if changes.previous_as_of is None:
        return words.t("changes.first")
    previous = words.day(changes.previous_as_of)
    if not (changes.new or changes.fixed or changes.gone):
        return words.t("changes.none", previous=previous)
    return words.t(
        "changes.line",
        previous=previous,
        new=len(changes.new),
        fixed=len(changes.fixed),
        gone=len(changes.gone),
    )


_AT = Rendered("\x00")
"""Stands for the change step while an action is put into words, to see where it falls."""


def spelled_address(words: Catalog, address: str) -> Rendered:
    """``viamedis dot net`` (``viamedis point net``): an address no mail client makes a link of.

    Mail clients link any bare ``name.tld`` in a text/plain message, and a reminder
    must never carry a link; spelled out, the reader still types it exactly.
    """
    dot = f" {words.t('action.address_dot')} "
    return words.join(dot, (words.escape(label) for label in address.split(".")))


_ADDRESSES = frozenset({"address", "site", "sites"})
"""The phrase values that are web addresses: the portal's own (``address``), and the sites
of vault entries a finding names (``site``, ``sites``), lookalikes included."""


def _spelled_value(words: Catalog, value: Arg) -> Arg:
    if isinstance(value, str):
        return spelled_address(words, value)
    if isinstance(value, Series):
        return replace(value, items=tuple(_spelled_value(words, item) for item in value.items))
    if isinstance(value, Phrase):
        return spelling_addresses(words, value)
    return value


def spelling_addresses(words: Catalog, said: Phrase) -> Phrase:
    """``said`` with each web address, at any depth, spelled out (``spelled_address``)."""
    args: dict[str, Arg] = {}
    for name, value in said.args:
        if name in _ADDRESSES:
            args[name] = _spelled_value(words, value)
        elif isinstance(value, Phrase):
            args[name] = spelling_addresses(words, value)
        else:
            args[name] = value
    return Phrase(said.key, tuple(args.items()))


def distinct_actions(
    words: Catalog, found: Sequence[Finding], *, spell_address: bool = False
) -> tuple[str, ...]:
    """Each distinct step once: most actions end with the same "change it on the portal".

    Actions that include that step take it as the phrase value ``change``
    (``CHANGE_ON_PORTAL``); it is written first, once, and left out of each.
    A step its text puts after the change ("{change} Then record the date…")
    comes after every other step, whatever the order of the findings: it is
    done once the password has changed. ``spell_address`` writes the portal's
    address with its dots in words, for e-mail (``spelled_address``).
    """
    common: list[str] = []
    before: list[str] = []
    after: list[str] = []
    for finding in found:
        action = spelling_addresses(words, finding.action) if spell_address else finding.action
        args = dict(action.args)
        change = args.pop("change", None)
        if change is None:
            before.append(words.text(action))
            continue
        common.append(words.value(change))
        said = words.t(action.key, change=_AT, **args)
        step = said.replace(_AT, "").strip()
        (after if said.lstrip().startswith(_AT) else before).append(step)
    return tuple(dict.fromkeys(step for step in (*common, *before, *after) if step))


def change_groups(changes: PracticeChanges) -> tuple[tuple[str, tuple[FindingKey, ...]], ...]:
    """(heading key, findings) for new, fixed and departed findings; empty groups left out."""
    groups = (
        ("changes.new_heading", changes.new),
        ("changes.fixed_heading", changes.fixed),
        ("changes.gone_heading", changes.gone),
    )
    return tuple((heading, keys) for heading, keys in groups if keys)
