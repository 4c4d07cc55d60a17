"""Rows of a sheet with named columns (CSV or Excel) turned into accounts, every problem noted."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from auditor.i18n.logged import logged
from auditor.i18n.phrase import Arg, Phrase, phrase
from auditor.models import Account, Origin, Practice, Role, RowProblem
from auditor.password.secret import Secret
from auditor.policy import Policy, Portal
from auditor.policy.model import url_parses
from auditor.sources.values import (
    CellValueError,
    finess_reason,
    parse_bool,
    parse_date,
    parse_email,
    parse_role,
)
from auditor.text import fold_key

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Headers are compared after fold_key (case, accents, spaces, underscores and
# hyphens ignored), so "Mot de passe", "MOT_DE_PASSE" and "mot-de-passe" all match.
_ALIASES: Mapping[str, tuple[str, ...]] = {
    "practice_id": ("finess",),
    "practice_name": ("officine", "etablissement", "magasin"),
    "portal": ("portail",),
    "url": ("adresse",),
    "username": ("identifiant", "login"),
    "owner": ("titulaire", "utilisateur"),
    "owner_email": ("courriel", "email"),
    "practice_contact_email": ("courriel officine", "courriel responsable", "contact officine"),
    "role": (),
    "password": ("mot de passe",),
    "password_changed": ("dernier changement", "date changement"),
    "mfa": ("double authentification", "2fa"),
}
HEADER_ALIASES: Mapping[str, str] = {
    fold_key(alias): name for name, aliases in _ALIASES.items() for alias in (name, *aliases)
}

# A message quotes a cell only when it has the shape its column expects (DESIGN.md,
# rule 7): anything else could be a password typed in the wrong column, or a
# column that slid under another header.
NOT_SHOWN = phrase("problem.not_shown")
_MAX_QUOTED = 40
"""Longer than any portal name or column title: a longer cell is not quoted at all."""
# A portal id or name as people type one: words of letters (any script) joined by
# single spaces, hyphens or apostrophes. Digits and symbols are what passwords add.
_PLAIN_NAME = re.compile(r"[^\W\d_]+(?:[ '’-][^\W\d_]+)*")
# A column title: words of letters or of digits ("Adresse 2", "N° client"), never
# both in one word ("Summer2024"), joined by spaces and a little punctuation.
_PLAIN_TITLE = re.compile(r"\(?(?:[^\W\d_]+|\d+)(?:[ _'’./()°-]+(?:[^\W\d_]+|\d+))*[).°]?")
# A DNS name of letter-digit-hyphen labels (RFC 1035 §2.3.1) ending in a TLD of letters.
_PLAIN_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_WEB_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Columns:
    """Which position of the file holds which field, and how the file names it."""

    index: Mapping[str, int]
    header: Sequence[str]

    def label(self, name: str) -> str:
        return self.header[self.index[name]].strip() or name


def plain_name(text: str) -> bool:
    """Whether ``text`` has the shape of a portal name, so that a message may quote it."""
    return len(text) <= _MAX_QUOTED and _PLAIN_NAME.fullmatch(text) is not None


def plain_title(text: str) -> bool:
    """Whether ``text`` has the shape of a column title, so that a log line may quote it."""
    return len(text) <= _MAX_QUOTED and _PLAIN_TITLE.fullmatch(text) is not None


def shown_host(url: str) -> str | None:
    """The host of ``url`` when a message may quote it, else None.

    Only an explicit ``http(s)://`` address whose host is a plain DNS name, and
    only its host: a bare ``word.word`` may be a password, and a path, query or
    ``user:password@`` part may hold one.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or "@" in parts.netloc or host is None:
        return None
    return host if len(host) <= _MAX_QUOTED and _PLAIN_HOST.fullmatch(host) else None


def unknown_portal(policy: Policy, text: str, *, swapped: Phrase | None = None) -> Phrase:
    """Why ``text`` names no portal: the closest id, the known ones, how to declare another.

    ``text`` is quoted, with the closest known id, only when it has a portal
    name's shape, is close to a known portal's id, name or alias (a typo, which
    the hint fixes: ``Policy.near_portal``, the rule vault titles use too) and
    the row does not look swapped (``swapped`` says why it does): a word of
    letters far from every portal may as well be a password ("Soleil").
    """
    close = policy.near_portal(text, glued=False) if plain_name(text) else None
    if swapped is None and close is not None:
        # The one place the cell is quoted: it passed the checks above.
        what = phrase("problem.portal_typo", value=repr(text), close=repr(close.id))
    else:
        what = phrase("problem.portal_not_named", why=swapped or NOT_SHOWN)
    ids = ", ".join(p.id for p in policy.portals)
    return phrase("problem.unknown_portal", what=what, ids=ids)


def swapped_columns(policy: Policy, password: str) -> Phrase | None:
    """Why a password cell looks like it holds another column's value, or None.

    Asked only of a row whose portal or address names no portal: a password
    that is a portal's name or a web address then says the columns are swapped.
    """
    text = password.strip()
    if not text:
        return None
    if shown_host(text) is not None or ("/" in text and policy.find_portal(text) is not None):
        return phrase("problem.swapped_address")
    if policy.find_portal(text) is not None:
        return phrase("problem.swapped_portal")
    return None


def read_header(
    path: str, header: Sequence[str], line: int
) -> tuple[Columns | None, list[RowProblem]]:
    """Which column holds which field; problems when a required one is missing or doubled."""
    problems = []
    index: dict[str, int] = {}
    unknown = []
    for position, title in enumerate(header):
        name = HEADER_ALIASES.get(fold_key(title))
        if name is None:
            if title.strip():
                unknown.append(title.strip())
            continue
        if name in index:
            problems.append(
                RowProblem(
                    path,
                    line,
                    title.strip(),
                    # A title the header aliases know: quoted, it cannot be data.
                    phrase(
                        "problem.second_column",
                        name=name,
                        first=repr(header[index[name]].strip()),
                    ),
                )
            )
        index[name] = position
    required = [("practice_id", "practice_id (FINESS)"), ("username", "username (identifiant)")]
    for name, label in required:
        if name not in index:
            problems.append(
                RowProblem(path, line, "-", phrase("problem.missing_column", column=label))
            )
    if "portal" not in index and "url" not in index:
        problems.append(RowProblem(path, line, "-", phrase("problem.missing_portal_column")))
    if problems:
        # Perhaps no header at all, and this is a row of data, passwords included:
        # its cells are not named, not even in a log line.
        return None, problems
    if unknown:
        titles = ", ".join(repr(title) for title in unknown if plain_title(title))
        columns: Arg = titles
        if hidden := len(unknown) - sum(1 for title in unknown if plain_title(title)):
            more = phrase("log.hidden_columns", count=str(hidden), n=hidden)
            columns = (
                phrase("log.columns_and_hidden", shown=titles, hidden=more) if titles else more
            )
        logger.info("%s", logged("log.ignoring_columns", path=path, columns=columns))
    return Columns(index, header), problems


def field_count(expected: int, found: int) -> Phrase:
    """A misaligned row: how many fields the header has, how many the row.

    The counts are written as digits (as a file's line numbers are), not grouped.
    """
    return phrase("problem.field_count", n=found, expected=str(expected), found=str(found))


_FOUND_KEPT = 4096
"""Distinct portal texts remembered per sheet: a real one has tens; a hostile one with a
different text a row costs a look-up a row, as before, and no more memory than that."""


_VALUES_KEPT = 4096
"""Distinct texts of a column of few values (dates, yes/no, roles) whose parsed value is
remembered per sheet: 100,000 rows hold a few thousand dates and a handful of the others;
a hostile sheet with a different text a row parses each, as before, in bounded memory."""
_REMEMBERED = ("password_changed", "mfa", "role", "practice_contact_email")
"""The columns whose values ``_VALUES_KEPT`` remembers. Only a text that parsed is kept
(a date, a yes or no, a role, an address): never one that failed, which might be anything,
a password included; and the reader, with what it remembers, is dropped after its sheet."""
_UNSEEN = object()


class RowReader:
    """Turns rows into accounts, noting every problem of every row."""

    def __init__(self, path: str, columns: Columns, policy: Policy, as_of: date) -> None:
        self.path = path
        self.columns = columns
        self.policy = policy
        self.as_of = as_of
        self.problems: list[RowProblem] = []
        self._names: dict[str, tuple[str, int]] = {}  # FINESS → first name, its line
        self._seen: dict[tuple[str, str, str, str], int] = {}  # entry key → first line
        # A sheet names a handful of portals over and over: each text is looked up once.
        self._found: dict[str, Portal | None] = {}
        self._row_problems: list[RowProblem] = []
        # Every named column but the password, which is read exactly (``_password``) and of
        # which the reader keeps no stripped copy between rows.
        self._at = {name: at for name, at in columns.index.items() if name != "password"}
        self._row: dict[str, str] = {}
        """The row being read: each named column's cell, stripped."""
        self._values: dict[str, dict[str, Any]] = {name: {} for name in _REMEMBERED}
        # One record per practice (and name), shared by its accounts rather than one a row.
        self._practices: dict[tuple[str, str], Practice] = {}

    def read(self, line: int, cells: list[str]) -> Account | None:
        self._row_problems = []
        width = len(self.columns.header)
        extra = cells[width:]
        if len(cells) < width or any(cell.strip() for cell in extra):
            # Values are not quoted: with misaligned columns a password could
            # sit in any of them.
            self._problem(line, "-", field_count(width, len(cells)))
            return self._done(None)
        # Each named cell stripped once, looked up by name after (absent columns read "").
        self._row = {name: cells[position].strip() for name, position in self._at.items()}
        account = self._account(line, cells)
        return self._done(account)

    def _done(self, account: Account | None) -> Account | None:
        self.problems += self._row_problems
        return None if self._row_problems else account

    def _problem(self, line: int, column: str, reason: Phrase) -> None:
        self._row_problems.append(RowProblem(self.path, line, column, reason))

    def _account(self, line: int, cells: list[str]) -> Account | None:
        label = self.columns.label
        practice_id = self._row.get("practice_id", "")
        if not practice_id:
            self._problem(line, label("practice_id"), phrase("problem.finess_required"))
        elif (
            # A FINESS in ``_names`` was valid on an earlier row: checked once.
            practice_id not in self._names and (reason := finess_reason(practice_id)) is not None
        ):
            self._problem(line, label("practice_id"), reason)
        username = self._row.get("username", "")
        if not username:
            self._problem(line, label("username"), phrase("problem.username_required"))
        portal = self._portal(line, cells)
        changed = self._parsed(line, "password_changed", parse_date)
        if changed is not None and changed > self.as_of:
            self._problem(
                line,
                label("password_changed"),
                phrase("problem.date_after_audit", as_of=self.as_of.isoformat()),
            )
        mfa = self._parsed(line, "mfa", parse_bool)
        email = self._parsed(line, "owner_email", parse_email)
        contact = self._parsed(line, "practice_contact_email", parse_email)
        role = self._parsed(line, "role", parse_role, allow_empty=True)
        if self._row_problems or portal is None:
            return None
        password = self._password(cells)
        name = self._practice_name(line, practice_id)
        practice = self._practices.get((practice_id, name))
        if practice is None:
            practice = self._practices[practice_id, name] = Practice(practice_id, name)
        account = Account(
            practice=practice,
            portal=portal.id,
            username=username,
            owner=self._row.get("owner", "") or None,
            owner_email=email,
            practice_contact_email=contact,
            role=role or Role.USER,
            password_changed=changed,
            mfa=mfa,
            origin=Origin(self.path, line),
            url=self._row.get("url", "") or None,
            # An empty cell means "not recorded", not "empty password": an
            # inventory that leaves the column blank would otherwise flag every
            # row as critical. Passwords are kept exactly, spaces included.
            password=Secret(password) if password else None,
        )
        if (first := self._seen.setdefault(account.entry_key, line)) != line:
            self._problem(line, "-", phrase("problem.duplicate_line", first=str(first)))
            return None
        return account

    def _parsed(
        self,
        line: int,
        name: str,
        parse: Callable[[str], T],
        *,
        allow_empty: bool = False,
    ) -> T | None:
        text = self._row.get(name, "")
        if not text and not allow_empty:
            return None
        known = self._values.get(name)
        if known is not None:
            value = known.get(text, _UNSEEN)
            if value is not _UNSEEN:
                return cast(T, value)
        try:
            value = parse(text)
        except CellValueError as exc:
            self._problem(line, self.columns.label(name), exc.reason)
            return None
        if known is not None and len(known) < _VALUES_KEPT:
            known[text] = value
        return value

    def _practice_name(self, line: int, practice_id: str) -> str:
        name = self._row.get("practice_name", "")
        known, first = self._names.setdefault(practice_id, (name, line))
        if name and known and name != known:
            # The lines, not the names: a name column can hold anything.
            said = logged(
                "log.practice_renamed",
                path=self.path,
                practice=practice_id,
                line=str(line),
                first=str(first),
            )
            logger.warning("%s", said)
        if not known and name:
            self._names[practice_id] = (name, line)
            return name
        return known

    def _portal(self, line: int, cells: list[str]) -> Portal | None:
        label = self.columns.label
        text = self._row.get("portal", "")
        url = self._row.get("url", "")
        if url and not url_parses(url):
            self._problem(line, label("url"), phrase("problem.not_web_address"))
            url = ""  # nothing to compare the portal column with
            if not text:
                return None
        if text:
            portal = self._find_portal(text)
            if portal is None:
                swapped = swapped_columns(self.policy, self._password(cells))
                self._problem(
                    line, label("portal"), unknown_portal(self.policy, text, swapped=swapped)
                )
                return None
            by_url = self.policy.portal_for_url(url) if url else None
            if by_url is not None and by_url.id != portal.id:
                self._problem(
                    line,
                    label("url"),
                    phrase(
                        "problem.portal_disagrees",
                        by_url=repr(by_url.id),
                        column=repr(portal.id),
                    ),
                )
            return portal
        if url:
            portal = self.policy.portal_for_url(url)
            if portal is None:
                swapped = swapped_columns(self.policy, self._password(cells))
                host = shown_host(url) if swapped is None else None
                address: Phrase | str = (
                    repr(host) if host else phrase("problem.this_address", why=swapped or NOT_SHOWN)
                )
                self._problem(
                    line, label("url"), phrase("problem.no_portal_serves", address=address)
                )
            return portal
        self._problem(line, "-", phrase("problem.portal_required"))
        return None

    def _find_portal(self, text: str) -> Portal | None:
        """``policy.find_portal(text)``, remembered for up to ``_FOUND_KEPT`` distinct texts."""
        if text in self._found:
            return self._found[text]
        portal = self.policy.find_portal(text)
        if len(self._found) < _FOUND_KEPT:
            self._found[text] = portal
        return portal

    def _password(self, cells: list[str]) -> str:
        position = self.columns.index.get("password")
        return "" if position is None else cells[position]
