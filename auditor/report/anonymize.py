"""A report's anonymised copy: people, logins, addresses and practices become stable pseudonyms."""

from __future__ import annotations

import enum
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import overload
from urllib.parse import urlsplit

from auditor.i18n import Lang, Rendered, catalog
from auditor.i18n.phrase import Arg, Phrase, Series
from auditor.models import Account, AccountRef, Finding, Origin, Practice, RowProblem, location
from auditor.password.derive import AuditedAccount
from auditor.policy import Waiver
from auditor.report.changes import FindingKey, PracticeChanges
from auditor.report.model import LeftOut, PracticeReport, Report
from auditor.report.waivers import Waived
from auditor.text import fold, fold_key, words


class Kind(enum.Enum):
    """What a pseudonym stands for; the value names it in the ``--anonymize-map`` file."""

    PERSON = "person"
    LOGIN = "login"
    ADDRESS = "address"
    PRACTICE_ID = "practice-id"
    PRACTICE = "practice"
    ENTRY = "entry"


_WORDS = {
    Kind.PERSON: "anonymize.person",
    Kind.LOGIN: "anonymize.login",
    Kind.ADDRESS: "anonymize.address",
    Kind.PRACTICE_ID: "anonymize.practice_id",
    Kind.PRACTICE: "anonymize.practice",
    Kind.ENTRY: "anonymize.entry",
}
"""The catalogue entry of each kind's pseudonym ("Personne {number}")."""

MIN_SCRUBBED = 3
"""Shortest value (letters and digits) replaced inside free text: a one- or two-character
login names nobody, and replacing it there would garble line numbers and short words.
Fields that hold the value itself (a login column) are replaced whatever its length."""

MAX_SEPARATOR = 3
"""Characters allowed between two words of a value found in free text ("Claire - Martin")."""

# What a row problem quotes: a cell's value ('…' or "…", as Python's repr puts it), or a
# vault entry's folder path and title ([…]). Those may name anyone, known or not.
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|\[[^\]\n]*\]")
_WITHHELD = "…"
_NUMBER = "\x00"
"""Stands for the number in a pseudonym's words until it is put in (never in a catalogue)."""
_TOKEN = re.compile(r"[a-z0-9]+")
_PATH_SEPARATOR = re.compile(r"[\\/]")


def _withheld_text(text: str) -> str:
    return _QUOTED.sub(lambda quoted: quoted[0][0] + _WITHHELD + quoted[0][-1], text)


def _withheld_args(said: Phrase) -> tuple[tuple[str, Arg], ...]:
    """A row problem's values with what they quote withheld (a cell comes quoted as by ``repr``)."""
    return tuple((name, _withheld(arg)) for name, arg in said.args)


def _withheld(value: Arg) -> Arg:
    if isinstance(value, Phrase):
        return Phrase(value.key, _withheld_args(value))
    if isinstance(value, Series):
        return replace(value, items=tuple(_withheld(item) for item in value.items))
    if isinstance(value, str) and not isinstance(value, Rendered):
        return _withheld_text(value)
    return value


@dataclass(frozen=True)
class Pseudonym:
    """One real value and the pseudonym that replaces it in the copy."""

    kind: Kind
    number: int
    real: str
    """As first met in the report."""
    pseudonym: str


@dataclass(frozen=True)
class Anonymized:
    """The anonymised report, and the table to read it back (written only when asked for)."""

    report: Report
    pseudonyms: tuple[Pseudonym, ...]
    """By kind, then number."""


# Every field of the records the copy rebuilds, replaced or deliberately kept: a field added
# to one of them must be placed here (tests/report/test_anonymize.py fails until it is), so
# that no new field carries a name into the copy unseen.
HANDLED_FIELDS: dict[type, frozenset[str]] = {
    Report: frozenset(
        {
            "practices",
            "skipped_rows",
            "left_out",
            "inventories",
            "breach_source",
            "expired_waivers",
            "policy_files",
            # Kept: a version, a day, a mode, a score and portal names name no one.
            "tool_version",
            "as_of",
            "breach_mode",
            "min_zxcvbn_score",
            "portal_names",
            "standards",  # thresholds and portal ids
            "pseudonymous_practices",  # set here, unless practices are kept
        }
    ),
    PracticeReport: frozenset(
        {"practice", "accounts", "findings", "renew_by", "waived", "changes"}
    ),
    AuditedAccount: frozenset({"account", "facts", "conflicting"}),  # facts name no one
    Account: frozenset(
        {
            "practice",
            "username",
            "owner",
            "owner_email",
            "origin",
            "url",
            "practice_contact_email",
            # Kept: portal ids, roles, dates and flags name no one; passwords are gone by now.
            "portal",
            "role",
            "password_changed",
            "mfa",
            "password",
            "changed_approximate",
            "expires",
            "history",
            "imitates",  # a portal id
        }
    ),
    AccountRef: frozenset({"practice_id", "portal", "username", "owner"}),
    Practice: frozenset({"id", "name"}),
    Origin: frozenset({"path", "line", "entry", "also_in"}),
    Finding: frozenset({"account", "message", "action", "check", "severity", "due"}),
    Waived: frozenset({"finding", "waiver"}),
    Waiver: frozenset(
        {"reason", "accepted_by", "practice", "username", "where", "expires", "check", "portal"}
    ),
    PracticeChanges: frozenset({"new", "fixed", "gone", "previous_run", "previous_as_of"}),
    FindingKey: frozenset({"practice_id", "username", "portal", "check"}),
    RowProblem: frozenset({"path", "reason", "entry", "line", "column"}),
    LeftOut: frozenset({"path", "entries", "near"}),
}


def anonymized(
    report: Report,
    *,
    lang: Lang,
    generic_owners: frozenset[str],
    keep_practices: bool = False,
) -> Anonymized:
    """The report with every person, login, address, vault entry and (unless kept) practice
    replaced by a pseudonym in ``lang``, numbered in the report's order.

    Pure and deterministic: the same report gives the same copy. ``generic_owners`` is the
    policy's list of owner words that name no one (``comptoir``): such owners stay as written.
    """
    table = _Table(lang, generic_owners, keep_practices)
    table.meet(report)
    table.seal()
    return Anonymized(table.report(report), table.pseudonyms())


@dataclass
class _Table:
    """The pseudonyms of one report, numbered as met, and the rebuilding of its records."""

    lang: Lang
    generic: frozenset[str]
    keep_practices: bool
    _numbers: dict[tuple[Kind, str], int] = field(default_factory=dict)
    _words: dict[tuple[Kind, str], str] = field(default_factory=dict)
    _practices: dict[Practice, Practice] = field(default_factory=dict)
    _patterns: dict[Kind, str] = field(default_factory=dict)
    _cleaned: dict[str, str] = field(default_factory=dict)
    _given: dict[tuple[Kind, str], str] = field(default_factory=dict)
    """Each value as written and its copy: a name comes back on every finding, folded once."""
    _rows: list[Pseudonym] = field(default_factory=list)
    _counts: Counter[Kind] = field(default_factory=Counter)
    _exact: dict[str, str] = field(default_factory=dict)
    _accounts: list[Account] = field(default_factory=list)
    _scrubber: _Scrubber | None = None

    # Numbering: every value is met once, in the report's order, before anything is rebuilt,
    # so that free text (paths, reasons) can be cleaned of all of them.

    def meet(self, report: Report) -> None:
        for practice in report.practices:
            self.practice(practice.practice)
            for audited in practice.accounts:
                for met in (audited, *audited.conflicting):
                    self._meet_account(met.account)
            for waived in practice.waived:
                self.waiver(waived.waiver)
            if practice.changes is not None:
                for key in (*practice.changes.new, *practice.changes.fixed, *practice.changes.gone):
                    self.key(key)
        for waiver in report.expired_waivers:
            self.waiver(waiver)

    def _meet_account(self, account: Account) -> None:
        self.practice(account.practice)
        self.person(account.owner)
        self.login(account.username)
        self.address(account.owner_email)
        self.address(account.practice_contact_email)
        for place in (account.origin, *account.origin.also_in):
            self.entry(place.entry)
        self._accounts.append(account)

    def seal(self) -> None:
        """Build the look-ups of free text, once every value has its pseudonym."""
        scrubbed = [row for row in self._rows if row.kind is not Kind.ENTRY]
        # A vault entry is found only whole: its title alone is often a portal's name.
        self._scrubber = _Scrubber((row.real, row.pseudonym) for row in scrubbed)
        # Phrases name accounts as ``str(ref)`` and places as ``str(origin)`` or ``location``
        # (checks/copies.py): read back whole.
        for account in self._accounts:
            self._exact.setdefault(_exact_key(str(account.ref)), str(self.ref(account.ref)))
            self._exact.setdefault(
                _exact_key(str(account.origin)), str(self.origin(account.origin))
            )
            for place in (account.origin, *account.origin.also_in):
                copy = self.origin(place)
                self._exact.setdefault(
                    _exact_key(location(place.path, place.line, place.entry)),
                    location(copy.path, copy.line, copy.entry),
                )
        for row in self._rows:
            self._exact.setdefault(_exact_key(row.real), row.pseudonym)

    def pseudonyms(self) -> tuple[Pseudonym, ...]:
        order = list(Kind)
        return tuple(sorted(self._rows, key=lambda row: (order.index(row.kind), row.number)))

    def _pseudonym(self, kind: Kind, key: str, real: str) -> str:
        found = self._words.get((kind, key))
        if found is None:
            self._counts[kind] += 1
            number = self._numbers[(kind, key)] = self._counts[kind]
            found = self._words[(kind, key)] = self._word(kind, number)
            self._rows.append(Pseudonym(kind, number, real, found))
        return found

    def _word(self, kind: Kind, number: int) -> str:
        # The number as digits, without the thousands separator a sentence would get; the
        # catalogue is asked once per kind.
        pattern = self._patterns.get(kind)
        if pattern is None:
            pattern = self._patterns[kind] = catalog(self.lang).t(
                _WORDS[kind], number=Rendered(_NUMBER)
            )
        return pattern.replace(_NUMBER, str(number))

    # One method per value and per record: each gives the value's copy.

    def person(self, owner: str | None) -> str | None:
        if owner is None:
            return owner
        found = self._given.get((Kind.PERSON, owner))
        if found is None:
            kept = not owner.strip() or self._generic(owner)
            found = owner if kept else self._pseudonym(Kind.PERSON, fold_key(owner), owner.strip())
            self._given[(Kind.PERSON, owner)] = found
        return found

    def _generic(self, owner: str) -> bool:
        # The shared-account check's words (policy [shared] generic_owners), all of them:
        # "Comptoir" names no one, but "Comptoir Claire" names Claire.
        found = words(owner, 1)
        return bool(found) and all(word in self.generic or word.isdigit() for word in found)

    def login(self, username: str) -> str:
        if not username:
            return username
        found = self._given.get((Kind.LOGIN, username))
        if found is None:
            found = self._given[(Kind.LOGIN, username)] = self._pseudonym(
                Kind.LOGIN, fold(username), username
            )
        return found

    def address(self, email: str | None) -> str | None:
        if not email:
            return email
        found = self._given.get((Kind.ADDRESS, email))
        if found is None:
            found = self._given[(Kind.ADDRESS, email)] = self._pseudonym(
                Kind.ADDRESS, fold(email), email
            )
        return found

    def practice_id(self, practice_id: str) -> str:
        if self.keep_practices:
            return practice_id
        return self._pseudonym(Kind.PRACTICE_ID, practice_id, practice_id)

    def practice(self, practice: Practice) -> Practice:
        if self.keep_practices:
            return practice
        copy = self._practices.get(practice)
        if copy is None:
            shown_id = self.practice_id(practice.id)
            number = self._numbers[(Kind.PRACTICE_ID, practice.id)]
            name = self._word(Kind.PRACTICE, number)
            if practice.name and (Kind.PRACTICE, practice.name) not in self._numbers:
                self._numbers[(Kind.PRACTICE, practice.name)] = number
                self._rows.append(Pseudonym(Kind.PRACTICE, number, practice.name, name))
            copy = self._practices[practice] = Practice(shown_id, name)
        return copy

    def entry(self, entry: str | None) -> str | None:
        # A vault's folders may name anyone, listed in the audit or not: the whole path goes.
        return None if entry is None else self._pseudonym(Kind.ENTRY, entry, entry)

    def path(self, path: str) -> str:
        # The file's name stays (the recipient can say "line 12 of inventaire.csv" and the
        # sender find it), cleaned of known names; its folders go, since they often hold a
        # user's name (/home/cmartin, C:\Users\Claire).
        return self.text(_PATH_SEPARATOR.split(path)[-1])

    def where(self, where: str) -> str:
        """``<policy file>: [[waiver]] #2`` (policy/waivers.py): the file as ``path`` shows it."""
        source, table, rest = where.rpartition(": [[")
        return self.path(source) + table + rest if table else self.text(where)

    def origin(self, origin: Origin) -> Origin:
        return Origin(
            self.path(origin.path),
            origin.line,
            self.entry(origin.entry),
            tuple(self.origin(copy) for copy in origin.also_in),
        )

    def audited(self, audited: AuditedAccount) -> AuditedAccount:
        return replace(
            audited,
            account=self.account(audited.account),
            conflicting=tuple(self.audited(copy) for copy in audited.conflicting),
        )

    def url(self, url: str | None) -> str | None:
        # The portal's address is enough: a path or query may carry a login.
        if url is None:
            return None
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        return self.text(f"{parts.scheme}://{parts.hostname}/") if parts.hostname else None

    def ref(self, ref: AccountRef) -> AccountRef:
        return AccountRef(
            self.practice_id(ref.practice_id),
            ref.portal,
            self.login(ref.username),
            self.person(ref.owner),
        )

    def account(self, account: Account) -> Account:
        copy = replace(
            account,
            practice=self.practice(account.practice),
            username=self.login(account.username),
            owner=self.person(account.owner),
            owner_email=self.address(account.owner_email),
            origin=self.origin(account.origin),
            practice_contact_email=self.address(account.practice_contact_email),
        )
        return replace(copy, url=self.url(account.url))

    def waiver(self, waiver: Waiver) -> Waiver:
        return replace(
            waiver,
            reason=self.text(waiver.reason),
            accepted_by=self.person(waiver.accepted_by) or waiver.accepted_by,
            practice=None if waiver.practice is None else self.practice_id(waiver.practice),
            username=None if waiver.username is None else self.login(waiver.username),
            where=self.where(waiver.where),
        )

    def key(self, key: FindingKey) -> FindingKey:
        return replace(
            key, practice_id=self.practice_id(key.practice_id), username=self.login(key.username)
        )

    def finding(self, finding: Finding) -> Finding:
        return replace(
            finding,
            account=self.ref(finding.account),
            message=self.said(finding.message),
            action=self.said(finding.action),
        )

    @overload
    def said(self, value: Phrase) -> Phrase: ...
    @overload
    def said(self, value: Arg) -> Arg: ...
    def said(self, value: Arg) -> Arg:
        """A phrase's values: names given whole are replaced whole, others cleaned in place."""
        if isinstance(value, Phrase):
            return Phrase(value.key, tuple((name, self.said(arg)) for name, arg in value.args))
        if isinstance(value, Series):
            return replace(value, items=tuple(self.said(item) for item in value.items))
        if isinstance(value, str):
            found = self._exact.get(_exact_key(value))
            cleaned = found if found is not None else self.text(value)
            return Rendered(cleaned) if isinstance(value, Rendered) else cleaned
        return value  # counts, days, policy names (Localized): no one's

    def text(self, text: str) -> str:
        """Free text with every known value of at least ``MIN_SCRUBBED`` characters replaced."""
        if self._scrubber is None:
            return text
        # Remembered: the same file names and phrases come back account after account.
        found = self._cleaned.get(text)
        if found is None:
            found = self._cleaned[text] = self._scrubber.scrub(text)
        return found

    @overload
    def reason(self, reason: str) -> str: ...
    @overload
    def reason(self, reason: Phrase) -> Phrase: ...
    def reason(self, reason: str | Phrase) -> str | Phrase:
        """A row problem's reason: what it quotes is withheld, known values replaced."""
        if isinstance(reason, Phrase):
            return self.said(Phrase(reason.key, _withheld_args(reason)))
        return self.text(_withheld_text(reason))

    def row(self, row: RowProblem) -> RowProblem:
        return replace(
            row,
            path=self.path(row.path),
            reason=self.reason(row.reason),
            entry=self.entry(row.entry),
        )

    def practice_report(self, practice: PracticeReport) -> PracticeReport:
        changes = practice.changes
        return replace(
            practice,
            practice=self.practice(practice.practice),
            accounts=tuple(self.audited(audited) for audited in practice.accounts),
            findings=tuple(self.finding(finding) for finding in practice.findings),
            renew_by={self.ref(ref): day for ref, day in practice.renew_by.items()},
            waived=tuple(
                Waived(self.finding(excused.finding), self.waiver(excused.waiver))
                for excused in practice.waived
            ),
            changes=None
            if changes is None
            else replace(
                changes,
                new=tuple(self.key(key) for key in changes.new),
                fixed=tuple(self.key(key) for key in changes.fixed),
                gone=tuple(self.key(key) for key in changes.gone),
            ),
        )

    def report(self, report: Report) -> Report:
        return replace(
            report,
            practices=tuple(self.practice_report(practice) for practice in report.practices),
            skipped_rows=tuple(self.row(row) for row in report.skipped_rows),
            left_out=tuple(
                replace(
                    left,
                    path=self.path(left.path),
                    # A near miss's title is vault text that may name someone: counted, not shown.
                    near=tuple(replace(miss, title=None) for miss in left.near),
                )
                for left in report.left_out
            ),
            inventories=tuple(self.path(path) for path in report.inventories),
            policy_files=tuple(self.path(path) for path in report.policy_files),
            breach_source=self.text(report.breach_source),
            expired_waivers=tuple(self.waiver(waiver) for waiver in report.expired_waivers),
            pseudonymous_practices=not self.keep_practices,
        )


def _exact_key(text: str) -> str:
    """A value as a phrase may spell it: case, accents and spacing aside."""
    return " ".join(fold(text).split())


class _Scrubber:
    """Finds known values inside free text, whatever their case, accents or separators.

    Values are indexed by their first word (and by their words run together, as in a
    domain ``optiquelumiere.fr``), so text costs a look-up per word, not one per value.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        starting: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for real, pseudonym in pairs:
            tokens = tuple(_TOKEN.findall(fold(real)))
            joined = "".join(tokens)
            if len(joined) < MIN_SCRUBBED:
                continue
            starting[tokens[0]].append((tokens, pseudonym))
            if len(tokens) > 1:
                starting[joined].append(((joined,), pseudonym))
        # Longest first, so that an address wins over the name it starts with.
        self._starting = {
            first: sorted(found, key=lambda item: -len(item[0]))
            for first, found in starting.items()
        }

    def scrub(self, text: str) -> str:
        folded, source = _folded(text)
        spans = [match.span() for match in _TOKEN.finditer(folded)]
        tokens = [folded[start:end] for start, end in spans]
        if not any(token in self._starting for token in tokens):
            return text
        out: list[str] = []
        done = 0
        at = 0
        while at < len(tokens):
            found = self._match(tokens, spans, at)
            if found is None:
                at += 1
                continue
            width, pseudonym = found
            start = source[spans[at][0]]
            end = source[spans[at + width - 1][1] - 1] + 1
            while end < len(text) and not fold(text[end]):  # a combining accent left over
                end += 1
            out += [text[done:start], pseudonym]
            done = end
            at += width
        out.append(text[done:])
        return "".join(out)

    def _match(
        self, tokens: list[str], spans: list[tuple[int, int]], at: int
    ) -> tuple[int, str] | None:
        """The number of words of the longest value starting at word ``at``, and its pseudonym."""
        for wanted, pseudonym in self._starting.get(tokens[at], ()):
            width = len(wanted)
            if tuple(tokens[at : at + width]) != wanted:
                continue
            gaps = (spans[i + 1][0] - spans[i][1] for i in range(at, at + width - 1))
            if all(gap <= MAX_SEPARATOR for gap in gaps):
                return width, pseudonym
        return None


def _folded(text: str) -> tuple[str, list[int]]:
    """``fold(text)``, and for each of its characters the index of the one it came from."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    folded: list[str] = []
    source: list[int] = []
    for index, char in enumerate(text):
        for piece in fold(char):
            folded.append(piece)
            source.append(index)
    return "".join(folded), source
