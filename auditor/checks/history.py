"""Checks on a password against the account's earlier ones, from a vault's password history."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.derive import AuditedAccount
from auditor.models import CheckId, Finding

_START_AFRESH = (
    "Choose a new password with nothing in common with the earlier ones (a password manager "
    "generates one). "
)


class Recycled(Check):
    """The current password was already used on this account before another one."""

    id = CheckId.RECYCLED

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            if audited.facts is not None and audited.facts.recycled:
                yield ctx.finding(
                    self.id,
                    audited,
                    "the current password was already used on this account before another one: "
                    "going back to an old password undoes its change, and if the old one leaked "
                    "it works again",
                    _START_AFRESH + CHANGE_ON_PORTAL,
                )


class PredictableRotation(Check):
    """The current password is an earlier one with only digits, a year or end symbols changed."""

    id = CheckId.PREDICTABLE_ROTATION

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            if audited.facts is not None and audited.facts.predictable_rotation:
                yield ctx.finding(
                    self.id,
                    audited,
                    "the current password is an earlier password of this account with only "
                    "digits, a year or the symbols at its end changed (a year moved on by one, a "
                    "counter, ! become ?): whoever knew the old one guesses the new one",
                    _START_AFRESH + CHANGE_ON_PORTAL,
                )
