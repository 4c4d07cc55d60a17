"""Password-manager entries turned into accounts: which practice, which portal, who and when."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from auditor.finess import finess_problem
from auditor.i18n.logged import logged
from auditor.i18n.phrase import Phrase, phrase
from auditor.models import Account, Origin, OtherEntry, Practice, Role, RowProblem
from auditor.password.secret import Secret
from auditor.policy import MfaSupport, Policy, Portal
from auditor.policy.lookalike import HostingKind, site_judge
from auditor.policy.model import url_host, url_parses
from auditor.policy.names import NearMiss
from auditor.sources.interface import InventorySource, LoadResult, SourceOptions
from auditor.sources.table import HEADER_ALIASES, plain_title, shown_host, unknown_portal
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

# A FINESS number inside a folder name: "Pharmacie du Centre (750012345)".
_FINESS_IN_NAME = re.compile(r"(?<![0-9A-Za-z])(\d{9}|2[AB]\d{7})(?![0-9A-Za-z])")
_NAME_LEFTOVERS = re.compile(r"\(\s*\)|\[\s*\]")
_NAME_EDGES = " -–—:_/|,;()[]"


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time as password managers export them; one without a zone is UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_day(moment: datetime | None) -> date | None:
    """The calendar day of a stored time where the audit runs."""
    return moment.astimezone().date() if moment is not None else None


@dataclass(frozen=True)
class VaultEntry:
    """One login as a password manager stores it, before it is matched to a practice and portal."""

    where: str
    """The entry's folder path and title (vaults), or its line's description (CSV exports)."""
    line: int | None
    """The line of a CSV export; None in a vault."""
    title: str
    username: str
    urls: tuple[str, ...]
    folders: tuple[str, ...]
    """Folder, group, collection or tag names around the entry, outermost first."""
    fields: Mapping[str, str]
    """Custom fields that are not marked secret, by name (``FINESS``, ``Titulaire``…)."""
    password: Secret | None = field(repr=False)
    history: tuple[Secret, ...] = field(default=(), repr=False)
    """Earlier passwords, oldest first."""
    totp: bool = False
    """A one-time-password secret is stored with the login: a second factor is on."""
    changed: date | None = None
    changed_approximate: bool = False
    expires: date | None = None

    def origin(self, path: str) -> Origin:
        """A line of a CSV export, or an entry's folder path and title in a vault."""
        return Origin(path, self.line, self.where if self.line is None else None)


@dataclass
class _EntryProblems:
    """The problems of one entry, so an entry with any of them yields no account."""

    reader: EntryReader
    entry: VaultEntry
    found: list[RowProblem] = field(default_factory=list)

    def add(self, column: str, reason: Phrase) -> None:
        origin = self.entry.origin(self.reader.path)
        self.found.append(RowProblem(origin.path, origin.line, column, reason, entry=origin.entry))


class EntryReader:
    """Matches entries to a practice and a portal, noting problems and entries left out."""

    def __init__(
        self, path: str, policy: Policy, as_of: date, options: SourceOptions, file: Path
    ) -> None:
        self.path = path
        self.policy = policy
        self.as_of = as_of
        self.options = options
        self._file_keys = {fold_key(file.name), fold_key(file.stem)}
        self._rules = {rule.match: rule.practice for rule in options.practice_map}
        self._accounts: list[Account] = []
        self._problems: list[RowProblem] = []
        self._left_out = 0
        self._near: list[NearMiss] = []
        self._made_up: dict[str, Portal] = {}
        self._names: dict[str, str] = {}
        self._others: list[OtherEntry] = []
        self._judge = site_judge(policy)

    def read(self, entry: VaultEntry) -> None:
        """Turn one entry into an account, a list of problems, or a left-out count."""
        problems = _EntryProblems(self, entry)
        named = _named_fields(entry.fields)
        portal, imitates = self._portal(entry, named, problems)
        if portal is None and not problems.found:
            self._left_out += 1
            self._note_near_miss(entry)
            self._others.append(
                OtherEntry(
                    entry.origin(self.path),
                    # Named in reports (reused-elsewhere): only a host that may be quoted.
                    next((h.removeprefix("www.") for h in map(shown_host, entry.urls) if h), None),
                    entry.password,
                    entry.history,
                )
            )
            return
        practice = self._practice(entry, named, problems)
        if not entry.username.strip():
            problems.add("username", phrase("problem.entry_no_username"))
        owner_email = _parsed(named, "owner_email", parse_email, problems)
        contact = _parsed(named, "practice_contact_email", parse_email, problems)
        role = _parsed(named, "role", parse_role, problems)
        mfa = True if entry.totp else _parsed(named, "mfa", parse_bool, problems)
        changed, approximate = entry.changed, entry.changed_approximate
        if (recorded := _parsed(named, "password_changed", parse_date, problems)) is not None:
            changed, approximate = recorded, False
        if changed is not None and changed > self.as_of:
            problems.add(
                "password_changed",
                phrase(
                    "problem.entry_date_after_audit",
                    day=changed.isoformat(),
                    as_of=self.as_of.isoformat(),
                ),
            )
        if problems.found or portal is None or practice is None:
            self._problems += problems.found
            return
        self._accounts.append(
            Account(
                practice=practice,
                portal=portal.id,
                username=entry.username.strip(),
                owner=named.get("owner") or None,
                owner_email=owner_email,
                practice_contact_email=contact,
                role=role or Role.USER,
                password_changed=changed,
                mfa=mfa,
                origin=entry.origin(self.path),
                url=entry.urls[0] if entry.urls else None,
                # An empty password field means "not recorded", as an empty CSV cell does.
                password=entry.password,
                changed_approximate=approximate and changed is not None,
                expires=entry.expires,
                history=entry.history,
                imitates=imitates,
            )
        )

    def note(self, problem: RowProblem) -> None:
        """A problem the file's own reader found (a misaligned CSV line, say)."""
        self._problems.append(problem)

    def result(self) -> LoadResult:
        """Everything read so far; each practice takes the first name any entry gave it."""
        accounts = tuple(
            replace(
                account,
                practice=Practice(account.practice.id, self._names.get(account.practice.id, "")),
            )
            for account in self._accounts
        )
        if self._left_out:
            count = self._left_out
            logger.info("%s", logged("log.left_out", path=self.path, count=str(count), n=count))
        return LoadResult(
            accounts,
            tuple(self._problems),
            left_out=self._left_out,
            portals=tuple(self._made_up.values()),
            near_misses=tuple(self._near),
            others=tuple(self._others),
        )

    def _note_near_miss(self, entry: VaultEntry) -> None:
        """A left-out entry whose title nearly names a portal is named in the report, not dropped.

        The title is kept only when it has a title's shape (``plain_title``):
        one that looks like a password ("Almerys2024!") is counted, never quoted.
        """
        title = entry.title.strip()
        portal = self.policy.near_portal(title) if title else None
        if portal is not None:
            shown = title if plain_title(title) else None
            self._near.append(NearMiss(shown, portal.id, portal.name))

    def _portal(
        self, entry: VaultEntry, named: Mapping[str, str], problems: _EntryProblems
    ) -> tuple[Portal | None, str | None]:
        """The entry's portal, and the portal id its site imitates if it is a lookalike's."""
        if not all(map(url_parses, entry.urls)):
            # Not quoted: an address that does not parse is no shape we know.
            problems.add("url", phrase("problem.not_web_address"))
            return None, None
        if text := named.get("portal"):
            portal = self.policy.find_portal(text)
            if portal is None:
                problems.add("portal", unknown_portal(self.policy, text))
            return portal, None
        for url in entry.urls:
            if (portal := self.policy.portal_for_url(url)) is not None:
                return portal, None
        if any(map(_web_host, entry.urls)):
            # Saved for a site of no portal: never that portal's account because of
            # its title, which is what a browser saves after a phishing page.
            for url in entry.urls:
                if (imitated := self._imitated(url, entry.title)) is not None:
                    return imitated
        elif entry.title.strip():
            portal = self.policy.portal_in_title(entry.title.strip())
            if portal is not None:
                return portal, None
        if self.options.all_entries:
            return self._made_up_portal(entry, problems), None
        return None, None

    def _imitated(self, url: str, title: str) -> tuple[Portal, str] | None:
        """The lookalike site ``url`` is on and the portal it imitates, if it is one.

        A link shortener's host names nothing: the link's path or the entry's title
        names the portal it stands for (``https://bit.ly/viamedis-connexion``).
        """
        host = _judged_host(url)
        if host is None:
            return None
        if (imitation := self._judge.imitation(host)) is not None:
            return self._site(imitation.host), imitation.portal
        if self._judge.hosting(host) is HostingKind.SHORTENER:
            path = urlsplit(url).path.replace("/", " ")
            portal = self.policy.portal_in_title(path) or self.policy.portal_in_title(title)
            if portal is not None:
                return self._site(host.lower().rstrip(".")), portal.id
        return None

    def _site(self, host: str) -> Portal:
        """The made-up portal of a lookalike site: its host, never the entry's title."""
        key = host
        site = self._made_up.get(key)
        if site is None or site.name != key:
            site = self._made_up[key] = _made_up(key, key, key)
        return site

    def _made_up_portal(self, entry: VaultEntry, problems: _EntryProblems) -> Portal | None:
        """A portal for a site the policy does not know (``--all-entries``), one per host."""
        host = next((h for h in map(_host, entry.urls) if h), "")
        key = host or fold_key(entry.title)
        if not key:
            problems.add("-", phrase("problem.entry_no_site"))
            return None
        if key not in self._made_up:
            self._made_up[key] = _made_up(key, entry.title.strip() or host, host)
        return self._made_up[key]

    def _practice(
        self, entry: VaultEntry, named: Mapping[str, str], problems: _EntryProblems
    ) -> Practice | None:
        name = named.get("practice_name", "")
        if finess := named.get("practice_id", ""):
            if (reason := finess_reason(finess)) is not None:
                problems.add("FINESS", reason)
                return None
            return self._named(Practice(finess, name))
        for folder in reversed(entry.folders):  # the nearest folder decides
            if (mapped := self._rules.get(fold_key(folder))) is not None:
                return self._named(mapped)
            found = _FINESS_IN_NAME.search(folder)
            if found and finess_problem(found[1]) is None:
                return self._named(Practice(found[1], name or _name_around(folder, found)))
        for key in self._file_keys:
            if (mapped := self._rules.get(key)) is not None:
                return self._named(mapped)
        if self.options.practice is not None:
            return self._named(self.options.practice)
        problems.add("-", phrase("problem.entry_no_practice"))
        return None

    def _named(self, practice: Practice) -> Practice:
        if practice.name:
            self._names.setdefault(practice.id, practice.name)
        return practice


class EntrySource(InventorySource):
    """A file of password-manager entries: a vault or an export."""

    def __init__(self, path: Path, options: SourceOptions) -> None:
        self.file = path
        self.path = str(path)
        self.options = options

    def reader(self, policy: Policy, as_of: date) -> EntryReader:
        """What turns this file's entries into accounts."""
        return EntryReader(self.path, policy, as_of, self.options, self.file)


def _made_up(key: str, name: str, host: str) -> Portal:
    """A portal for a site the policy does not know, without rules nor official address."""
    return Portal(
        id=key,
        name=name,
        operator="",
        domains=(host,) if host else (),
        domains_confirmed=False,
        max_age_days=None,
        mfa=MfaSupport.UNKNOWN,
        limits_attempts=False,
        notes="Not a portal of the policy: audited because of --all-entries.",
        sources=(),
    )


def _named_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Custom fields under the canonical column names they spell (``Titulaire`` → owner)."""
    named = {}
    for key, value in fields.items():
        name = HEADER_ALIASES.get(fold_key(key))
        if name is not None and name != "password" and value.strip():
            named[name] = value.strip()
    return named


def _parsed(
    named: Mapping[str, str],
    name: str,
    parse: Callable[[str], T],
    problems: _EntryProblems,
) -> T | None:
    text = named.get(name)
    if text is None:
        return None
    try:
        return parse(text)
    except CellValueError as exc:
        problems.add(name, exc.reason)
        return None


_WEB_SCHEMES = frozenset({"http", "https", ""})
"""Schemes of web sites ("" for an address typed without one). Chrome exports Android apps'
logins as ``android://<key hash>@<package>/``: a package (``fr.viamedis.mobile``) is no web
host, so it is never judged a lookalike nor taken for a foreign site."""


def _web_host(url: str) -> str | None:
    """The host of a web address, None for an app's address or one naming no host."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    return url_host(url) if scheme in _WEB_SCHEMES else None


def _judged_host(url: str) -> str | None:
    """The host of an explicit http(s) address without credentials, to judge as a lookalike.

    The lookalike's row is named by the host the judge gives back (plain ASCII, punycode
    kept); a bare ``word.word`` or a ``user:password@`` part may be a password typed there.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or "@" in rest.split("/", 1)[0]:
        return None
    return url_host(url)


def _host(url: str) -> str:
    return (url_host(url) or "").removeprefix("www.")


def _name_around(folder: str, found: re.Match[str]) -> str:
    """The folder name without its FINESS: "Pharmacie du Centre (750012345)" → the name."""
    rest = folder[: found.start()] + " " + folder[found.end() :]
    rest = _NAME_LEFTOVERS.sub(" ", rest)
    return re.sub(r"\s+", " ", rest).strip(_NAME_EDGES).strip()
