"""The effective policy: portals, incidents and thresholds, as frozen records."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from urllib.parse import SplitResult, urlsplit

from auditor.models import CheckId, Finding, Role, Severity
from auditor.policy.banned import BannedWords
from auditor.policy.names import PortalNames, without_parentheses
from auditor.text import fold


def _split(url: str) -> SplitResult:
    # A bare "host/path" is read as a host, as people type addresses.
    return urlsplit(url if "//" in url else "//" + url)


def url_parses(url: str) -> bool:
    """Whether ``url`` can be read as an address at all.

    ``http://[::1`` (an unclosed bracket), ``https://[1,2]/`` (not an IP address)
    and hosts that NFKC folds into ``/?#@:`` make ``urlsplit`` raise ``ValueError``;
    so does reading a port that is not one (``:-1``, ``:99999``, ``:80x``).
    """
    try:
        _split(url).port  # noqa: B018 - read for the ValueError it raises
    except ValueError:
        return False
    return True


def url_host(url: str) -> str | None:
    """The host ``url`` names, or None when it names none or does not parse."""
    if not url_parses(url):
        return None
    return _split(url).hostname or None


class MfaSupport(enum.Enum):
    """Whether a portal lets users turn on a second factor."""

    OFFERED = "offered"
    NOT_OFFERED = "not-offered"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Portal:
    """A tiers payant or insurer portal that professionals log in to."""

    id: str
    name: str
    operator: str
    domains: tuple[str, ...]
    """Web domains, used to recognise a portal from a URL (subdomains included)."""
    domains_confirmed: bool
    """Whether a public source confirms the domains (else they are our best knowledge)."""
    max_age_days: int | None
    """A maximum password age the operator imposes, if any."""
    mfa: MfaSupport
    limits_attempts: bool
    """Whether the portal locks or slows down after failed logins (CNIL's 50-bit case)."""
    notes: str
    sources: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    """Other names people write for it: operator names, abbreviations, spellings."""
    address: str = ""
    """The official address people type, named in every action that asks for a change: the
    first of the policy's domains. Empty for a portal made up from a vault entry
    (``--all-entries``), whose own host may be the very lookalike site to avoid."""

    @property
    def names(self) -> tuple[str, ...]:
        """The id, the display name and the aliases: each names this portal alone."""
        return (self.id, self.name, *self.aliases)

    def matches_host(self, host: str) -> bool:
        """Whether ``host`` is one of the portal's domains or a subdomain of one."""
        host = host.lower().rstrip(".")
        return any(host == domain or host.endswith("." + domain) for domain in self.domains)


@dataclass(frozen=True)
class Incident:
    """A compromise of a portal, after which passwords set before a date must change."""

    id: str
    name: str
    portals: tuple[str, ...]
    disclosed: date
    rotate_before: date
    """A password last changed before this day must change."""
    summary: str
    rationale: str
    """How ``rotate_before`` was chosen."""
    sources: tuple[str, ...]
    name_fr: str = ""
    """The name in French reports; ``name`` serves when empty."""


@dataclass(frozen=True)
class Waiver:
    """An accepted risk: the findings it names are reported as waived until it expires.

    Any of check, practice, portal and username may be omitted (it then matches
    any), but not all of them: a waiver names what it excuses.
    """

    reason: str
    accepted_by: str
    """Who accepted the risk: a name or a role people can ask."""
    expires: date
    """The last day the waiver applies; from the next day the findings count again."""
    check: CheckId | None = None
    practice: str | None = None
    """A FINESS number."""
    portal: str | None = None
    username: str | None = None
    """Compared without case or accents, as inventories are."""
    where: str = ""
    """The file and table that declare it (``site.toml: [[waiver]] #2``), to find it again."""

    def active_on(self, day: date) -> bool:
        """Whether the waiver still applies on ``day``."""
        return day <= self.expires

    def concerns(self, practice_id: str) -> bool:
        """Whether the waiver may apply to this practice's accounts."""
        return self.practice is None or self.practice == practice_id

    def matches(self, finding: Finding) -> bool:
        """Whether the finding is one this waiver names (expiry aside)."""
        ref = finding.account
        return (
            (self.check is None or self.check is finding.check)
            and self.concerns(ref.practice_id)
            and (self.portal is None or self.portal == ref.portal)
            and (self.username is None or fold(self.username) == fold(ref.username))
        )


@dataclass(frozen=True)
class StrengthRules:
    """How strong a password must be."""

    min_zxcvbn_score: int
    min_entropy_bits: int
    """CNIL 2022-100, password alone."""
    min_entropy_bits_limited: int
    """CNIL 2022-100, where the portal restricts login attempts."""
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RotationRules:
    """When passwords must be renewed and how early to warn."""

    reminder_window_days: int
    max_age_days: Mapping[Role, int | None]
    """Maximum age per role; None means no periodic renewal."""
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """Everything the checks need to know besides the accounts."""

    portals: tuple[Portal, ...]
    incidents: tuple[Incident, ...]
    strength: StrengthRules
    rotation: RotationRules
    generic_owners: frozenset[str]
    """Folded owner names that mean "several people" (comptoir, accueil…)."""
    mfa_required: bool
    """Flag MFA off on every portal, even those not known to offer it."""
    severities: Mapping[CheckId, Severity]
    deadline_days: Mapping[Severity, int]
    """Days from the audit date to act on a finding of each severity."""
    files: tuple[str, ...]
    """The policy files, built-in first, in the order they were layered."""
    waivers: tuple[Waiver, ...] = ()
    """Accepted risks, in the order the files declare them."""
    practice_contacts: Mapping[str, str] = field(default_factory=dict)
    """FINESS → the e-mail of the practice's responsible person (escalated reminders)."""
    banned: BannedWords = field(default_factory=BannedWords)
    """Words the ``[banned]`` tables add to the shipped lists (the group's name, its towns)."""

    def portal(self, portal_id: str) -> Portal:
        """The portal with this id (ids come from the policy, so it exists)."""
        return self._by_id[portal_id]

    @cached_property
    def _by_id(self) -> dict[str, Portal]:
        # Built once: checks and derive ask for a portal per account.
        return {portal.id: portal for portal in self.portals}

    @cached_property
    def _names(self) -> PortalNames:
        # Every name folded once, not once per inventory row or vault entry.
        return PortalNames.of(
            (portal.id, portal.names, (without_parentheses(portal.name),))
            for portal in self.portals
        )

    def portal_for_url(self, url: str) -> Portal | None:
        """The portal whose domain serves ``url``, if any (none when the address does not parse)."""
        host = url_host(url)
        if host is None:
            return None
        return next((portal for portal in self.portals if portal.matches_host(host)), None)

    def find_portal(self, text: str) -> Portal | None:
        """The portal named by an id, a display name, an alias or a URL.

        Names are compared without case, accents, spaces or punctuation
        (``names.plain_key``), so "Carte-Blanche" and "carte blanche" are one.
        """
        portal_id = self._names.exact(text)
        if portal_id is not None:
            return self.portal(portal_id)
        if "." in text:
            return self.portal_for_url(text.strip())
        return None

    def portal_in_title(self, title: str) -> Portal | None:
        """The portal a vault entry's title names, as a whole or among other words."""
        if (portal := self.find_portal(title)) is not None:
            return portal
        portal_id = self._names.within(title)
        return self.portal(portal_id) if portal_id is not None else None

    def near_portal(self, text: str, *, glued: bool = True) -> Portal | None:
        """The portal ``text`` nearly names, though it names none (see ``PortalNames.near``).

        ``glued=False`` leaves out names run into other letters or digits
        ("Viamedis2024"): a sheet's cell is a portal's name or a typo of one.
        """
        portal_id = self._names.near(text, glued=glued)
        return self.portal(portal_id) if portal_id is not None else None

    def incidents_for(self, portal_id: str) -> tuple[Incident, ...]:
        """The incidents that concern a portal, oldest first."""
        found = [incident for incident in self.incidents if portal_id in incident.portals]
        return tuple(sorted(found, key=lambda incident: incident.rotate_before))

    def max_age_days(self, portal_id: str, role: Role) -> int | None:
        """The strictest maximum age set for this portal and role, or None."""
        limits = [self.portal(portal_id).max_age_days, self.rotation.max_age_days.get(role)]
        present = [limit for limit in limits if limit is not None]
        return min(present) if present else None
