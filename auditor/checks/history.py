"""Checks on a password against the account's earlier ones, from a vault's password history."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.i18n.phrase import phrase
from auditor.models import CheckId, Finding
from auditor.password.derive import AuditedAccount

_START_AFRESH = phrase("action.start_afresh", change=CHANGE_ON_PORTAL)


class Recycled(Check):
    """The current password was already used on this account before another one."""

    id = CheckId.RECYCLED

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            if audited.facts is not None and audited.facts.recycled:
                yield ctx.finding(
                    self.id,
                    audited,
                    phrase("finding.recycled"),
                    _START_AFRESH,
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
                    phrase("finding.predictable_rotation"),
                    _START_AFRESH,
                )
