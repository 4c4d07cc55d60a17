"""Checks on when a password was last changed: incidents, maximum age, unknown age."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.i18n.phrase import Localized, Phrase, Series, phrase
from auditor.models import CheckId, Finding
from auditor.password.derive import AuditedAccount

_THEN_RECORD = phrase("action.then_record", change=CHANGE_ON_PORTAL)


class IncidentRotation(Check):
    """Last changed before an incident on its portal (or change date unknown there)."""

    id = CheckId.INCIDENT_ROTATION

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            account = audited.account
            changed = account.password_changed
            # An approximate date is the vault entry's last modification: the
            # password itself may be older, so only an exact date clears it.
            incidents = [
                incident
                for incident in ctx.policy.incidents_for(account.portal)
                if changed is None
                or account.changed_approximate
                or changed < incident.rotate_before
            ]
            if not incidents:
                continue
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
            yield ctx.finding(
                self.id,
                audited,
                phrase(
                    "finding.incident_rotation",
                    when=when,
                    incidents=names,
                    rotate_before=latest.rotate_before,
                ),
                _THEN_RECORD,
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
    """The earlier of the policy's maximum age and the expiry date a password manager set."""
    account = audited.account
    max_age = ctx.policy.max_age_days(account.portal, account.role)
    rules = []
    if max_age is not None and account.password_changed is not None:
        rules.append(_Rotation(account.password_changed + timedelta(days=max_age), max_age))
    if account.expires is not None:
        rules.append(_Rotation(account.expires, None))
    return min(rules, key=lambda rule: rule.deadline, default=None)


def renewal_deadline(audited: AuditedAccount, ctx: CheckContext) -> date | None:
    """The day this password must be renewed by (maximum age or expiry), if any rule sets one."""
    rule = _rotation(audited, ctx)
    return rule.deadline if rule else None


class RotationOverdue(Check):
    """Older than the policy's maximum age for its portal and role."""

    id = CheckId.ROTATION_OVERDUE

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            rule = _rotation(audited, ctx)
            if rule is None or rule.deadline >= ctx.as_of:
                continue
            changed = audited.account.password_changed
            if rule.max_age is None or changed is None:
                message = phrase("finding.expiry.expired", deadline=rule.deadline)
            else:
                message = phrase(
                    "finding.rotation_overdue",
                    day=_day(changed, audited),
                    n=(ctx.as_of - changed).days,
                    role=audited.account.role.phrase,
                    max_age=rule.max_age,
                    deadline=rule.deadline,
                )
            yield ctx.finding(self.id, audited, message, _THEN_RECORD)


class RotationDue(Check):
    """Reaches its maximum age within the reminder window."""

    id = CheckId.ROTATION_DUE

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        window = timedelta(days=ctx.policy.rotation.reminder_window_days)
        for audited in accounts:
            rule = _rotation(audited, ctx)
            if rule is not None and ctx.as_of <= rule.deadline <= ctx.as_of + window:
                yield ctx.finding(
                    self.id,
                    audited,
                    phrase("finding.rotation_due", max_age=rule.max_age, deadline=rule.deadline)
                    if rule.max_age is not None
                    else phrase("finding.expiry.expires", deadline=rule.deadline),
                    phrase("action.plan", change=CHANGE_ON_PORTAL),
                    due=rule.deadline,
                )


class AgeUnknown(Check):
    """Nobody recorded when the password was last changed."""

    id = CheckId.AGE_UNKNOWN

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            if audited.account.password_changed is None:
                yield ctx.finding(
                    self.id,
                    audited,
                    phrase("finding.age_unknown"),
                    phrase("action.record_now", change=CHANGE_ON_PORTAL),
                )
