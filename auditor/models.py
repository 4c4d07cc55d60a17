"""The records that flow through the pipeline: accounts, findings and their vocabulary."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from auditor.i18n.catalogue import Catalog, machine_english
from auditor.i18n.phrase import Phrase, phrase
from auditor.text import fold

if TYPE_CHECKING:
    from auditor.password.secret import Secret


class Severity(enum.Enum):
    """How urgent a finding is; the order of members is the order of urgency."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most urgent severity, growing as urgency falls."""
        return _SEVERITY_ORDER.index(self)

    def at_least(self, threshold: Severity) -> bool:
        """Whether this severity is as urgent as ``threshold`` or more."""
        return self.rank <= threshold.rank


_SEVERITY_ORDER = tuple(Severity)


class CheckId(enum.Enum):
    """Stable check identifiers: a public contract named by JSON, JUnit, policies and waivers."""

    BREACHED = "breached"
    EMPTY_PASSWORD = "empty-password"  # noqa: S105 - a check id, not a password
    INCIDENT_ROTATION = "incident-rotation"
    REUSED = "reused"
    WEAK = "weak"
    CONTEXTUAL = "contextual"
    ROTATION_OVERDUE = "rotation-overdue"
    ROTATION_DUE = "rotation-due"
    AGE_UNKNOWN = "age-unknown"
    NO_MFA = "no-mfa"
    SHARED_ACCOUNT = "shared-account"
    RECYCLED = "recycled"
    PREDICTABLE_ROTATION = "predictable-rotation"
    CONFLICTING_ENTRIES = "conflicting-entries"
    CREDENTIAL_PAIR = "credential-pair"
    BANNED_WORD = "banned-word"
    SIMILAR_PASSWORD = "similar-password"  # noqa: S105 - a check id, not a password
    PHISHED = "phished"
    LOOKALIKE_SITE = "lookalike-site"
    REUSED_ELSEWHERE = "reused-elsewhere"


class Role(enum.Enum):
    """What an account may do on its portal; admin accounts keep periodic renewal."""

    USER = "user"
    ADMIN = "admin"

    @property
    def phrase(self) -> Phrase:
        """The role in the reader's words."""
        return phrase(f"role.{self.value}")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an account was read, so a user can find and fix it."""

    path: str
    """The inventory file, as given on the command line."""
    line: int | None
    """The 1-based line or sheet row (first line of a multi-line CSV record); None in a vault."""
    entry: str | None = None
    """In a vault (KeePass, Bitwarden): the entry's folder path and title."""
    also_in: tuple[Origin, ...] = ()
    """Other vault entries of this login holding the same password (or none), merged into it."""

    def __str__(self) -> str:
        here = location(self.path, self.line, self.entry)
        if not self.also_in:
            return here
        return f"{here} (also in: {', '.join(str(copy) for copy in self.also_in)})"


def location(path: str, line: int | None, entry: str | None) -> str:
    """``file:line`` for sheets and CSV files, ``file [folder/title]`` for vault entries."""
    if entry is not None:
        return f"{path} [{entry}]"
    return f"{path}:{line}" if line is not None else path


@dataclass(frozen=True, slots=True)
class Practice:
    """A pharmacy or optician's shop, identified by its FINESS number."""

    id: str
    """The FINESS number (9 characters)."""
    name: str
    """The display name; may be empty when the inventory does not give one."""


@dataclass(frozen=True, slots=True)
class AccountRef:
    """Enough to name an account in a finding or a report without its password."""

    practice_id: str
    portal: str
    username: str
    owner: str | None

    def __str__(self) -> str:
        who = f" ({self.owner})" if self.owner else ""
        return f"{self.practice_id} {self.portal} {self.username}{who}"


@dataclass(frozen=True, slots=True)
class Account:
    """One login on one portal, as an inventory describes it."""

    practice: Practice
    portal: str
    """The portal id from the policy (``viamedis``, ``almerys``…)."""
    username: str
    owner: str | None
    """The person who uses the login, or a generic name such as ``comptoir``."""
    owner_email: str | None
    role: Role
    password_changed: date | None
    """The day the password was last changed, or None when nobody knows."""
    mfa: bool | None
    """Whether a second factor is on; None when the inventory does not say."""
    origin: Origin
    url: str | None = None
    password: Secret | None = field(default=None, repr=False, compare=False)
    """The password, only between the source and ``derive``; None once derived or if absent."""
    changed_approximate: bool = False
    """``password_changed`` is the entry's last modification, not a recorded password change."""
    expires: date | None = None
    """The expiry date a password manager set on the entry: the password must change by then."""
    history: tuple[Secret, ...] = field(default=(), repr=False, compare=False)
    """Earlier passwords of this account, oldest first; like ``password``, dropped by derive."""
    practice_contact_email: str | None = None
    """The practice's responsible person, who hears of reminders ignored twice."""
    imitates: str | None = None
    """The portal id whose site this entry's site imitates: a vault entry saved on a
    lookalike site (``checks/sites.py``), not an account of that portal. Its ``portal``
    is the lookalike host, made up as ``--all-entries`` makes up sites."""

    @property
    def entry_key(self) -> tuple[str, str, str, str]:
        """Same practice, portal, login and owner (case and accents aside): the same entry.

        Dots and hyphens count: ``j.dupont`` and ``jdupont`` are two logins.
        """
        return (self.practice.id, self.portal, fold(self.username), fold(self.owner or ""))

    @property
    def ref(self) -> AccountRef:
        """The account's public name."""
        return AccountRef(self.practice.id, self.portal, self.username, self.owner)


@dataclass(frozen=True)
class OtherEntry:
    """A vault or export entry of no portal: its password is compared, never audited.

    Only its password's keyed fingerprint leaves ``derive`` (``password.derive.SiteUse``),
    to tell a portal password reused on another site; it is never looked up online.
    """

    origin: Origin
    host: str | None
    """The entry's web host, lower-case, without ``www.``; None when it records no address."""
    password: Secret | None = field(repr=False, compare=False)
    history: tuple[Secret, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem with one account, what to do about it, and by when."""

    check: CheckId
    severity: Severity
    account: AccountRef
    message: Phrase
    """Why this account is flagged. Never quotes the password or a piece of it."""
    action: Phrase
    """What the person must do."""
    due: date
    """The day by which the action must be done."""

    @property
    def sort_key(self) -> tuple[str, str, str, str, int, bool, str]:
        """Stable order: practice, portal, username, owner, urgency, check id.

        ``phished`` comes first of its account's findings, even before another critical
        one: a password typed on a phishing page is the one thing known to be in hand.
        """
        ref = self.account
        return (ref.practice_id, ref.portal, ref.username.casefold(), ref.owner or "", *self.rank)

    @property
    def rank(self) -> tuple[int, bool, str]:
        """Among one account's findings: urgency, ``phished`` first, then the check id."""
        return (self.severity.rank, self.check is not CheckId.PHISHED, self.check.value)


@dataclass(frozen=True)
class RowProblem:
    """One reason why one row (or the whole file, at line 1) cannot be audited.

    Reasons never quote the password cell, nor any cell of a row whose columns
    are misaligned (a password could have slid into another column).
    """

    path: str
    line: int | None
    """The line or sheet row; None for a vault entry."""
    column: str
    """The column or field as the file names it, or ``-`` for a whole-row problem."""
    reason: Phrase
    """Why, in words of the catalogue (``problem.*``); a value is quoted only once approved."""
    entry: str | None = None
    """In a vault: the entry's folder path and title."""

    def text(self, words: Catalog) -> str:
        """The whole line, ``where: column: why``, in the language (and escaping) of ``words``."""
        return words.t(
            "problem.at",
            where=location(self.path, self.line, self.entry),
            column=self.column,
            reason=self.reason,
        )

    def __str__(self) -> str:
        """The line in English, as stderr, logs and the JSON report have always read it."""
        return self.text(machine_english())
