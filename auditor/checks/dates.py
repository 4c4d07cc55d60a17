"""Checks on when a password was last changed: incidents, maximum age, unknown age."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.i18n.phrase import Localized, Phrase, Series, phrase
from auditor.models import CheckId, Finding, Role
from auditor.password.derive import AuditedAccount

_THEN_RECORD = phrase("action.then_record", change=CHANGE_ON_PORTAL)
_PLAN = phrase("action.plan", change=CHANGE_ON_PORTAL)
_RECORD_NOW = phrase("action.record_now", change=CHANGE_ON_PORTAL)
_AGE_UNKNOWN = phrase("finding.age_unknown")

# Each check below builds a sentence once per distinct value it says (a portal and a
# change day, a deadline), not once per account: a group's accounts share a few
# thousand change days, and its findings then share their sentences.


class IncidentRotation(Check):
    """Last changed before an incident on its portal (or change date unknown there)."""

    id = CheckId.INCIDENT_ROTATION

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        said: dict[tuple[str, date | None, bool], Phrase | None] = {}
        for audited in accounts:
            account = audited.account
            key = (account.portal, account.password_changed, account.changed_approximate)
            if key not in said:
                said[key] = _incident_rotation(audited, ctx)
            message = said[key]
            if message is not None:
                yield ctx.finding(self.id, audited, message, _THEN_RECORD)


def _incident_rotation(audited: AuditedAccount, ctx: CheckContext) -> Phrase | None:
    """Why the account's password must change after its portal's incidents; None if not."""
    account = audited.account
    changed = account.password_changed
    # An approximate date is the vault entry's last modification: the
    # password itself may be older, so only an exact date clears it.
    incidents = [
        incident
        for incident in ctx.incidents_for(account.portal)
        if changed is None or account.changed_approximate or changed < incident.rotate_before
    ]
    if not incidents:
        return None
    latest = incidents[-1]
    names = Series(
        tuple(
            phrase(
                "finding.incident",
                name=Localized(incident.name, incident.name_fr or incident.name),
                disclosed=incident.disclosed,
            )
            for incident in incidents
        )
    )
    if changed is None:
        when = phrase("finding.incident_when.unknown")
    elif account.changed_approximate and changed >= latest.rotate_before:
        when = phrase("finding.incident_when.modified", day=changed)
    else:
        when = phrase("finding.incident_when.changed", day=_day(changed, audited))
    return phrase(
        "finding.incident_rotation",
        when=when,
        incidents=names,
        rotate_before=latest.rotate_before,
    )


def _day(changed: date, audited: AuditedAccount) -> date | Phrase:
    """The change date as reports write it, saying when it is only approximate."""
    if audited.account.changed_approximate:
        return phrase("finding.approximate_day", day=changed)
    return changed


@dataclass(frozen=True)
class _Rotation:
    """When an account's password must be renewed, and which rule says so."""

    deadline: date
    max_age: int | None
    """The policy's maximum age, when that is the earlier deadline; None for an expiry date."""


def _rotation(audited: AuditedAccount, ctx: CheckContext) -> _Rotation | None:
    """The earlier of the policy's maximum age and the expiry date a password manager set.

    Asked three times per account (overdue, due, the report's renewal day): worked out
    once per account by the context.
    """
    return ctx.remembered_rotation(audited, _renewal_rule)


def _renewal_rule(audited: AuditedAccount, ctx: CheckContext) -> _Rotation | None:
    account = audited.account
    expires = account.expires
    max_age = ctx.max_age_days(account.portal, account.role)
    if max_age is None or account.password_changed is None:
        return None if expires is None else _Rotation(expires, None)
    aged = account.password_changed + timedelta(days=max_age)
    # On the same day, the maximum age is the rule named (it came first).
    if expires is not None and expires < aged:
        return _Rotation(expires, None)
    return _Rotation(aged, max_age)


def renewal_deadline(audited: AuditedAccount, ctx: CheckContext) -> date | None:
    """The day this password must be renewed by (maximum age or expiry), if any rule sets one."""
    rule = _rotation(audited, ctx)
    return rule.deadline if rule else None


class RotationOverdue(Check):
    """Older than the policy's maximum age for its portal and role."""

    id = CheckId.ROTATION_OVERDUE

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        said: dict[tuple[_Rotation, date | None, bool, Role], Phrase] = {}
        for audited in accounts:
            rule = _rotation(audited, ctx)
            if rule is None or rule.deadline >= ctx.as_of:
                continue
            account = audited.account
            key = (rule, account.password_changed, account.changed_approximate, account.role)
            if key not in said:
                said[key] = _overdue(rule, audited, ctx.as_of)
            yield ctx.finding(self.id, audited, said[key], _THEN_RECORD)


def _overdue(rule: _Rotation, audited: AuditedAccount, as_of: date) -> Phrase:
    """Why a password past its deadline must change: its maximum age, or its expiry."""
    changed = audited.account.password_changed
    if rule.max_age is None or changed is None:
        return phrase("finding.expiry.expired", deadline=rule.deadline)
    return phrase(
        "finding.rotation_overdue",
        day=_day(changed, audited),
        n=(as_of - changed).days,
        role=audited.account.role.phrase,
        max_age=rule.max_age,
        deadline=rule.deadline,
    )


class RotationDue(Check):
    """Reaches its maximum age within the reminder window."""

    id = CheckId.ROTATION_DUE

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        window = timedelta(days=ctx.policy.rotation.reminder_window_days)
        last = ctx.as_of + window
        said: dict[_Rotation, Phrase] = {}
        for audited in accounts:
            rule = _rotation(audited, ctx)
            if rule is not None and ctx.as_of <= rule.deadline <= last:
                if rule not in said:
                    said[rule] = (
                        phrase("finding.rotation_due", max_age=rule.max_age, deadline=rule.deadline)
                        if rule.max_age is not None
                        else phrase("finding.expiry.expires", deadline=rule.deadline)
                    )
                yield ctx.finding(self.id, audited, said[rule], _PLAN, due=rule.deadline)


class AgeUnknown(Check):
    """Nobody recorded when the password was last changed."""

    id = CheckId.AGE_UNKNOWN

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            if audited.account.password_changed is None:
                yield ctx.finding(self.id, audited, _AGE_UNKNOWN, _RECORD_NOW)
