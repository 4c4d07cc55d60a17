"""Checks on when a password was last changed: incidents, maximum age, unknown age."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.derive import AuditedAccount
from auditor.models import CheckId, Finding


class IncidentRotation(Check):
    """Last changed before an incident on its portal (or change date unknown there)."""

    id = CheckId.INCIDENT_ROTATION

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            account = audited.account
            changed = account.password_changed
            incidents = [
                incident
                for incident in ctx.policy.incidents_for(account.portal)
                if changed is None or changed < incident.rotate_before
            ]
            if not incidents:
                continue
            latest = incidents[-1]
            names = ", ".join(
                f"{incident.name} (disclosed {incident.disclosed.isoformat()})"
                for incident in incidents
            )
            when = (
                f"last changed on {changed.isoformat()}"
                if changed is not None
                else "change date unknown"
            )
            yield ctx.finding(
                self.id,
                audited,
                f"password {when}, before {names}: every password of this portal set before "
                f"{latest.rotate_before.isoformat()} must change",
                CHANGE_ON_PORTAL + " Then record the date of the change in the inventory.",
            )


@dataclass(frozen=True)
class _Rotation:
    """An account's periodic-renewal rule, when its portal and role have one."""

    changed: date
    max_age: int
    deadline: date


def _rotation(audited: AuditedAccount, ctx: CheckContext) -> _Rotation | None:
    account = audited.account
    max_age = ctx.policy.max_age_days(account.portal, account.role)
    if max_age is None or account.password_changed is None:
        return None
    changed = account.password_changed
    return _Rotation(changed, max_age, changed + timedelta(days=max_age))


class RotationOverdue(Check):
    """Older than the policy's maximum age for its portal and role."""

    id = CheckId.ROTATION_OVERDUE

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            rule = _rotation(audited, ctx)
            if rule is None or rule.deadline >= ctx.as_of:
                continue
            age = (ctx.as_of - rule.changed).days
            yield ctx.finding(
                self.id,
                audited,
                f"password last changed on {rule.changed.isoformat()}, {age} days ago; "
                f"{audited.account.role.value} accounts on this portal must change every "
                f"{rule.max_age} days (deadline was {rule.deadline.isoformat()})",
                CHANGE_ON_PORTAL + " Then record the date of the change in the inventory.",
            )


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
                    f"password reaches its maximum age of {rule.max_age} days on "
                    f"{rule.deadline.isoformat()}",
                    "Plan the change before the deadline. " + CHANGE_ON_PORTAL,
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
                    "nobody recorded when this password was last changed, so its age and its "
                    "exposure to past incidents cannot be checked",
                    "Change the password now and record the date in the inventory "
                    "(password_changed column).",
                )
