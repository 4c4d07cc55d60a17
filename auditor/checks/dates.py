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
            names = ", ".join(
                f"{incident.name} (disclosed {incident.disclosed.isoformat()})"
                for incident in incidents
            )
            if changed is None:
                when = "change date unknown"
            elif account.changed_approximate and changed >= latest.rotate_before:
                when = (
                    f"entry last modified on {changed.isoformat()} but no password change "
                    "recorded in its history, so possibly set"
                )
            else:
                when = f"last changed on {_day(audited)}"
            yield ctx.finding(
                self.id,
                audited,
                f"password {when}, before {names}: every password of this portal set before "
                f"{latest.rotate_before.isoformat()} must change",
                CHANGE_ON_PORTAL + " Then record the date of the change in the inventory.",
            )


def _day(audited: AuditedAccount) -> str:
    """The change date as reports write it, saying when it is only approximate."""
    changed = audited.account.password_changed
    text = changed.isoformat() if changed else "an unknown date"
    if audited.account.changed_approximate:
        text += " (approximately: the vault entry's last modification)"
    return text


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


class RotationOverdue(Check):
    """Older than the policy's maximum age for its portal and role."""

    id = CheckId.ROTATION_OVERDUE

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            rule = _rotation(audited, ctx)
            if rule is None or rule.deadline >= ctx.as_of:
                continue
            changed = audited.account.password_changed
            if rule.max_age is None:
                message = (
                    f"the password manager entry says this password expired on "
                    f"{rule.deadline.isoformat()}"
                )
            else:
                age = (ctx.as_of - changed).days if changed else 0
                message = (
                    f"password last changed on {_day(audited)}, {age} days ago; "
                    f"{audited.account.role.value} accounts on this portal must change every "
                    f"{rule.max_age} days (deadline was {rule.deadline.isoformat()})"
                )
            yield ctx.finding(
                self.id,
                audited,
                message,
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
                    f"{rule.deadline.isoformat()}"
                    if rule.max_age is not None
                    else "the password manager entry says this password expires on "
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
