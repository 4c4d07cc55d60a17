"""Rows of a sheet with named columns (CSV or Excel) turned into accounts, every problem noted."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from auditor.finess import finess_problem
from auditor.models import Account, Origin, Practice, Role
from auditor.policy import Policy, Portal
from auditor.secrets import Secret
from auditor.sources.interface import RowProblem
from auditor.sources.values import CellValueError, parse_bool, parse_date, parse_email, parse_role
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
_MAX_QUOTED = 40


@dataclass(frozen=True)
class Columns:
    """Which position of the file holds which field, and how the file names it."""

    index: Mapping[str, int]
    header: Sequence[str]

    def label(self, name: str) -> str:
        return self.header[self.index[name]].strip() or name


def _quoted(text: str) -> str:
    return repr(text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "…")


def unknown_portal(policy: Policy, text: str) -> str:
    """Why ``text`` names no portal: the closest id, the known ones, how to declare another."""
    candidates = {fold_key(p.id): p.id for p in policy.portals}
    candidates |= {fold_key(p.name): p.id for p in policy.portals}
    close = difflib.get_close_matches(fold_key(text), list(candidates), n=1, cutoff=0.6)
    hint = f" (did you mean {candidates[close[0]]!r}?)" if close else ""
    return (
        f"unknown portal {_quoted(text)}{hint}; known ids: "
        + ", ".join(p.id for p in policy.portals)
        + ". To audit another portal, declare it in a policy file "
        "([[portal]] with id, name and domains) and pass --policy FILE"
    )


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
                    f"second column for {name} (first is {header[index[name]].strip()!r})",
                )
            )
        index[name] = position
    if unknown:
        logger.info("%s: ignoring columns %s", path, ", ".join(map(repr, unknown)))
    required = [("practice_id", "practice_id (FINESS)"), ("username", "username (identifiant)")]
    for name, label in required:
        if name not in index:
            problems.append(RowProblem(path, line, "-", f"missing column {label}"))
    if "portal" not in index and "url" not in index:
        problems.append(
            RowProblem(path, line, "-", "missing column portal (portail) or url (adresse)")
        )
    if problems:
        return None, problems
    return Columns(index, header), problems


class RowReader:
    """Turns rows into accounts, noting every problem of every row."""

    def __init__(self, path: str, columns: Columns, policy: Policy, as_of: date) -> None:
        self.path = path
        self.columns = columns
        self.policy = policy
        self.as_of = as_of
        self.problems: list[RowProblem] = []
        self._names: dict[str, str] = {}
        self._seen: dict[tuple[str, str, str, str], int] = {}  # entry key → first line
        self._row_problems: list[RowProblem] = []

    def read(self, line: int, cells: list[str]) -> Account | None:
        self._row_problems = []
        width = len(self.columns.header)
        extra = cells[width:]
        if len(cells) < width or any(cell.strip() for cell in extra):
            # Values are not quoted: with misaligned columns a password could
            # sit in any of them.
            self._problem(line, "-", f"expected {width} fields, found {len(cells)}")
            return self._done(None)
        account = self._account(line, cells)
        return self._done(account)

    def _done(self, account: Account | None) -> Account | None:
        self.problems += self._row_problems
        return None if self._row_problems else account

    def _problem(self, line: int, column: str, reason: str) -> None:
        self._row_problems.append(RowProblem(self.path, line, column, reason))

    def _cell(self, cells: list[str], name: str) -> str:
        position = self.columns.index.get(name)
        return "" if position is None else cells[position].strip()

    def _account(self, line: int, cells: list[str]) -> Account | None:
        label = self.columns.label
        practice_id = self._cell(cells, "practice_id")
        if not practice_id:
            self._problem(line, label("practice_id"), "FINESS number is required")
        elif (reason := finess_problem(practice_id)) is not None:
            self._problem(line, label("practice_id"), reason)
        username = self._cell(cells, "username")
        if not username:
            self._problem(line, label("username"), "username is required")
        portal = self._portal(line, cells)
        changed = self._parsed(line, cells, "password_changed", parse_date)
        if changed is not None and changed > self.as_of:
            self._problem(
                line,
                label("password_changed"),
                f"date is after the audit date {self.as_of.isoformat()} (use --as-of?)",
            )
        mfa = self._parsed(line, cells, "mfa", parse_bool)
        email = self._parsed(line, cells, "owner_email", parse_email)
        contact = self._parsed(line, cells, "practice_contact_email", parse_email)
        role = self._parsed(line, cells, "role", parse_role, allow_empty=True)
        if self._row_problems or portal is None:
            return None
        password = cells[self.columns.index["password"]] if "password" in self.columns.index else ""
        account = Account(
            practice=Practice(practice_id, self._practice_name(practice_id, cells)),
            portal=portal.id,
            username=username,
            owner=self._cell(cells, "owner") or None,
            owner_email=email,
            practice_contact_email=contact,
            role=role or Role.USER,
            password_changed=changed,
            mfa=mfa,
            origin=Origin(self.path, line),
            url=self._cell(cells, "url") or None,
            # An empty cell means "not recorded", not "empty password": an
            # inventory that leaves the column blank would otherwise flag every
            # row as critical. Passwords are kept exactly, spaces included.
            password=Secret(password) if password else None,
        )
        if (first := self._seen.setdefault(account.entry_key, line)) != line:
            self._problem(line, "-", f"same practice, portal, username and owner as line {first}")
            return None
        return account

    def _parsed(
        self,
        line: int,
        cells: list[str],
        name: str,
        parse: Callable[[str], T],
        *,
        allow_empty: bool = False,
    ) -> T | None:
        text = self._cell(cells, name)
        if not text and not allow_empty:
            return None
        try:
            return parse(text)
        except CellValueError as exc:
            self._problem(line, self.columns.label(name), str(exc))
            return None

    def _practice_name(self, practice_id: str, cells: list[str]) -> str:
        name = self._cell(cells, "practice_name")
        known = self._names.setdefault(practice_id, name)
        if name and known and name != known:
            logger.warning(
                "%s: practice %s is named both %r and %r; using %r",
                self.path,
                practice_id,
                known,
                name,
                known,
            )
        if not known and name:
            self._names[practice_id] = name
            return name
        return known

    def _portal(self, line: int, cells: list[str]) -> Portal | None:
        text = self._cell(cells, "portal")
        url = self._cell(cells, "url")
        if text:
            portal = self.policy.find_portal(text)
            if portal is None:
                self._problem(line, self.columns.label("portal"), unknown_portal(self.policy, text))
                return None
            by_url = self.policy.portal_for_url(url) if url else None
            if by_url is not None and by_url.id != portal.id:
                self._problem(
                    line,
                    self.columns.label("url"),
                    f"address belongs to portal {by_url.id!r} but the portal column says "
                    f"{portal.id!r}",
                )
            return portal
        if url:
            portal = self.policy.portal_for_url(url)
            if portal is None:
                self._problem(
                    line,
                    self.columns.label("url"),
                    f"no known portal serves {_quoted(url)} and the portal column is empty; "
                    "fill in the portal, or declare its domain in a policy file (--policy)",
                )
            return portal
        self._problem(line, "-", "portal is required (a portal id or name, or its address in url)")
        return None
