"""The check family: a check turns audited accounts into findings, purely."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from auditor.i18n.phrase import Phrase, phrase
from auditor.models import CheckId, Finding, Severity
from auditor.password.derive import AuditedAccount, SiteUse
from auditor.policy import Policy

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


@dataclass(frozen=True)
class CheckContext:
    """What every check may consult besides the accounts: the policy and the audit date."""

    policy: Policy
    as_of: date
    sites: tuple[SiteUse, ...] = ()
    """The vaults' entries of no portal, as keyed fingerprints (``reused-elsewhere``)."""

    def severity(self, check: CheckId) -> Severity:
        """The check's severity under this policy."""
        return self.policy.severities[check]

    def due(self, severity: Severity) -> date:
        """The day by which a finding of this severity must be acted on."""
        return self.as_of + timedelta(days=self.policy.deadline_days[severity])

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
        severity = self.severity(check)
        return Finding(
            check=check,
            severity=severity,
            account=audited.account.ref,
            message=message,
            action=addressed(action, self.policy.portal(audited.account.portal).address),
            due=due if due is not None else self.due(severity),
        )


class Check(ABC):
    """One rule with a stable id; sees every account, so rules across accounts fit too."""

    id: ClassVar[CheckId]

    @abstractmethod
    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        """The findings of this check, in any order (the report sorts them)."""
