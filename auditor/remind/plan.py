"""Who must be reminded of what: per person, the accounts to change, why and by when."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from auditor.models import AccountRef, Finding, Practice, Severity
from auditor.policy import Policy
from auditor.report import PracticeReport, Report, most_urgent

ESCALATE_AFTER = 2
"""Runs in which an account's people were reminded before its practice's contact hears of it."""


class Audience(enum.Enum):
    """Why a person receives a reminder."""

    OWNER = "owner"
    """The account's owner, who must change its password."""
    PRACTICE = "practice"
    """The practice's contact, for accounts without an owner's e-mail."""
    ESCALATION = "escalation"
    """The practice's contact, for accounts reminded twice and still not fixed."""


@dataclass(frozen=True)
class Item:
    """One account to act on: its findings, the earliest due date, and its history."""

    account: AccountRef
    portal_name: str
    """The portal's display name, which the person recognises (never its address)."""
    findings: tuple[Finding, ...]
    due: date
    severity: Severity
    reminded: int
    """In how many earlier runs its people were reminded."""


@dataclass(frozen=True)
class Reminder:
    """One message: a person, and the accounts they must see to."""

    practice: Practice
    audience: Audience
    name: str
    """Who it is for, as the inventory names them (or the practice)."""
    email: str | None
    """None when nobody's address is known: listed in the CSV and the dry run, never sent."""
    items: tuple[Item, ...]

    @property
    def due(self) -> date:
        """The earliest deadline among the items."""
        return min(item.due for item in self.items)


def _items(
    practice: PracticeReport, names: Mapping[str, str], reminded: Mapping[AccountRef, int]
) -> list[Item]:
    items = []
    for ref, found in practice.findings_by_account.items():
        severity = most_urgent(found)
        assert severity is not None  # noqa: S101 - an account here has findings
        items.append(
            Item(
                account=ref,
                portal_name=names.get(ref.portal, ref.portal),
                findings=found,
                due=min(f.due for f in found),
                severity=severity,
                reminded=reminded.get(ref, 0),
            )
        )
    # By deadline, then urgency; within those, the most breached password first, as in
    # the report (report/priority.py).
    return sorted(
        items,
        key=lambda i: (i.due, i.severity.rank, -practice.breach_count(i.account), str(i.account)),
    )


def practice_contact(practice: PracticeReport, policy: Policy) -> str | None:
    """The practice's responsible person: the inventory's column first, else the policy."""
    from_inventory = sorted(
        {email for a in practice.accounts if (email := a.account.practice_contact_email)}
    )
    if from_inventory:
        return from_inventory[0]
    return policy.practice_contacts.get(practice.practice.id)


def plan_reminders(
    report: Report, policy: Policy, reminded: Mapping[AccountRef, int] | None = None
) -> tuple[Reminder, ...]:
    """Per practice: a reminder per owner, one for ownerless accounts, one escalation.

    Waived findings are not in ``report.findings``, so never reminded.
    """
    reminded = reminded or {}
    plan: list[Reminder] = []
    for practice in report.practices:
        contact = practice_contact(practice, policy)
        emails = {a.account.ref: a.account.owner_email for a in practice.accounts}
        by_owner: dict[str, list[Item]] = defaultdict(list)
        spelling: dict[str, str] = {}
        ownerless: list[Item] = []
        # The report's names: they include the sites made up from vault entries
        # (--all-entries, lookalikes), which the policy alone does not know.
        items = _items(practice, report.portal_names, reminded)
        for item in items:
            email = emails.get(item.account)
            if email:
                # One person, however the inventory capitalises their address.
                by_owner[email.casefold()].append(item)
                spelling.setdefault(email.casefold(), email)
            else:
                ownerless.append(item)
        place = practice.practice
        for key, owned in sorted(by_owner.items()):
            email = spelling[key]
            names = sorted({i.account.owner for i in owned if i.account.owner})
            name = names[0] if len(names) == 1 else email
            plan.append(Reminder(place, Audience.OWNER, name, email, tuple(owned)))
        who = place.name or place.id
        if ownerless:
            plan.append(Reminder(place, Audience.PRACTICE, who, contact, tuple(ownerless)))
        ignored = tuple(i for i in items if i.reminded >= ESCALATE_AFTER)
        if ignored:
            plan.append(Reminder(place, Audience.ESCALATION, who, contact, ignored))
    return tuple(plan)
