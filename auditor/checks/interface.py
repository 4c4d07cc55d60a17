"""The check family: a check turns audited accounts into findings, purely."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import ClassVar, TypeVar, cast

from auditor.i18n.phrase import Phrase, phrase
from auditor.models import Account, AccountRef, CheckId, Finding, Role, Severity
from auditor.password.derive import AuditedAccount, SiteUse
from auditor.policy import Incident, Policy, Portal
from auditor.text import Folded

T = TypeVar("T")

CHANGE_ON_PORTAL = phrase("action.change_on_portal")
"""Type the portal's address, set a new unique password, keep it in the password manager.

Actions that include this step take it as their ``change`` value, so that a report
listing several actions for one account (the HTML task cards) can say it once.
``CheckContext.finding`` names the portal's official address in it (``change_at``).
"""


def change_at(address: str) -> Phrase:
    """The change step naming the official address to type: "type viamedis.net yourself".

    Without an address (a portal made up from a vault entry) it is ``CHANGE_ON_PORTAL``.
    The address is an argument, not words of the catalogue, so that each output can
    keep it from becoming a link (``safetext.markdown``; reminders spell its dots).
    """
    return phrase("action.change_at_address", address=address) if address else CHANGE_ON_PORTAL


def addressed(action: Phrase, address: str) -> Phrase:
    """``action`` with its change step, if it has one, naming ``address``."""
    if not address:
        return action
    if action == CHANGE_ON_PORTAL:
        return change_at(address)
    args = dict(action.args)
    if args.get("change") != CHANGE_ON_PORTAL:
        return action
    return phrase(action.key, **{**args, "change": change_at(address)})


class _Remembered:
    """What a context works out once and every finding of the run reads again.

    A group's audit makes a finding for a third of its accounts per check: each asked
    the policy for its portal, built its account's name, its action with the portal's
    address and its due day anew (a few hundred thousand objects at 100,000 accounts,
    which the collector then walked). Each context has its own (``CheckContext``), so
    nothing said under one policy or audit day is said under another.
    """

    def __init__(self) -> None:
        self.portals: dict[str, Portal] = {}
        self.incidents: dict[str, tuple[Incident, ...]] = {}
        self.max_ages: dict[tuple[str, int], int | None] = {}
        """By portal and the role's ``id``: hashing an enum member calls Python code, and
        members are never freed."""
        self.actions: dict[tuple[Phrase, str], Phrase] = {}
        self.actions_seen: dict[tuple[int, str], tuple[Phrase, Phrase]] = {}
        """``actions`` by the action's ``id``: the action itself, kept alive beside its
        entry (no other object can take its id), and its addressed form. A phrase's hash
        walks its arguments, at every finding; most actions are a check's one constant."""
        self.dues: dict[Severity, date] = {}
        self.said: dict[tuple[int, int, str], tuple[Phrase, Severity, date, Phrase]] = {}
        """By the check id's ``id`` (as ``max_ages``), the action's ``id`` and the portal,
        what every finding of them says: the action itself (kept alive beside its entry,
        as in ``actions_seen``), the check's severity, its due day and the action naming
        the portal's address. One look-up per finding, where there were a look-up and a
        call of ``addressed``."""
        self.rotations: dict[int, tuple[Account, object]] = {}
        """By the account's ``id``, as ``accounts``: ``checks.dates``' renewal rule."""
        self.accounts: dict[int, tuple[Account, AccountRef]] = {}
        """By the account's ``id``: the account itself, which stays alive as long as its
        entry (no other account can take its place in memory), and its name."""
        self.logins = Folded()


@dataclass(frozen=True)
class CheckContext:
    """What every check may consult besides the accounts: the policy and the audit date."""

    policy: Policy
    as_of: date
    sites: tuple[SiteUse, ...] = ()
    """The vaults' entries of no portal, as keyed fingerprints (``reused-elsewhere``)."""
    _remembered: _Remembered = field(
        default_factory=_Remembered, init=False, repr=False, compare=False
    )
    """Answers worked out once per context; ``dataclasses.replace`` starts afresh."""

    def portal(self, portal_id: str) -> Portal:
        """The policy's portal with this id, asked of the policy once per context."""
        portals = self._remembered.portals
        found = portals.get(portal_id)
        if found is None:
            found = portals[portal_id] = self.policy.portal(portal_id)
        return found

    def incidents_for(self, portal_id: str) -> tuple[Incident, ...]:
        """The incidents that concern a portal, oldest first (``Policy.incidents_for``)."""
        incidents = self._remembered.incidents
        found = incidents.get(portal_id)
        if found is None:
            found = incidents[portal_id] = self.policy.incidents_for(portal_id)
        return found

    def max_age_days(self, portal_id: str, role: Role) -> int | None:
        """The strictest maximum age for this portal and role (``Policy.max_age_days``)."""
        ages = self._remembered.max_ages
        key = (portal_id, id(role))
        if key not in ages:
            ages[key] = self.policy.max_age_days(portal_id, role)
        return ages[key]

    def severity(self, check: CheckId) -> Severity:
        """The check's severity under this policy."""
        return self.policy.severities[check]

    def due(self, severity: Severity) -> date:
        """The day by which a finding of this severity must be acted on."""
        dues = self._remembered.dues
        found = dues.get(severity)
        if found is None:
            found = dues[severity] = self.as_of + timedelta(
                days=self.policy.deadline_days[severity]
            )
        return found

    def _known(self, account: Account) -> tuple[Account, AccountRef]:
        accounts = self._remembered.accounts
        known = accounts.get(id(account))
        if known is None or known[0] is not account:
            known = accounts[id(account)] = (account, account.ref)
        return known

    def remembered_rotation(
        self, audited: AuditedAccount, work: Callable[[AuditedAccount, CheckContext], T]
    ) -> T:
        """``work(audited, self)``, the account's renewal rule, once per account and context.

        ``work`` takes its arguments rather than closing over them: no function is made
        for each of the three askings per account.
        """
        rotations = self._remembered.rotations
        account = audited.account
        known = rotations.get(id(account))
        if known is None or known[0] is not account:
            known = rotations[id(account)] = (account, work(audited, self))
        return cast("T", known[1])

    def ref(self, audited: AuditedAccount) -> AccountRef:
        """The account's public name, one object for all its findings."""
        return self._known(audited.account)[1]

    def folded_username(self, audited: AuditedAccount) -> str:
        """The account's login folded (``text.fold``), as rules across accounts compare it."""
        return self._remembered.logins[audited.account.username]

    @property
    def folded_logins(self) -> Folded:
        """Every login folded (``text.fold``), as ``folded_logins[account.username]``.

        The look-up a loop over every account makes, where ``folded_username`` costs
        two calls of Python per account.
        """
        return self._remembered.logins

    def addressed(self, action: Phrase, portal_id: str) -> Phrase:
        """``action`` naming this portal's address (``addressed``), one object per portal."""
        seen = self._remembered.actions_seen
        known = seen.get((id(action), portal_id))
        if known is not None and known[0] is action:
            return known[1]
        actions = self._remembered.actions
        key = (action, portal_id)
        found = actions.get(key)
        if found is None:
            found = actions[key] = addressed(action, self.portal(portal_id).address)
        seen[id(action), portal_id] = (action, found)
        return found

    def finding(
        self,
        check: CheckId,
        audited: AuditedAccount,
        message: Phrase,
        action: Phrase,
        *,
        due: date | None = None,
    ) -> Finding:
        """A finding of ``check`` on this account, due by the policy's deadline unless told.

        A change step in ``action`` names the portal's official address here, once for
        every check, so no action that asks for a change can forget it.
        """
        remembered = self._remembered
        account = audited.account
        portal = account.portal
        key = (id(check), id(action), portal)
        said = remembered.said.get(key)
        if said is None or said[0] is not action:
            severity = self.severity(check)
            addressed = self.addressed(action, portal)
            said = remembered.said[key] = (action, severity, self.due(severity), addressed)
        named = remembered.accounts.get(id(account))
        if named is None or named[0] is not account:
            named = self._known(account)
        return Finding(
            check=check,
            severity=said[1],
            account=named[1],
            message=message,
            action=said[3],
            due=due if due is not None else said[2],
        )


class Check(ABC):
    """One rule with a stable id; sees every account, so rules across accounts fit too."""

    id: ClassVar[CheckId]

    @abstractmethod
    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        """The findings of this check, in any order (the report sorts them)."""
