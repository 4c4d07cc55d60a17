"""Vault entries of one login with different passwords: one finding, and each entry checked."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.i18n.phrase import Phrase, Series, phrase
from auditor.models import CheckId, Finding, Origin, location
from auditor.password.derive import AuditedAccount

_MAX_NAMED = 5
"""Entries a finding names before "and N more": a login rarely has more copies."""
_IN_ENTRY = "finding.in_entry"


def entry_name(origin: Origin, home: str) -> str:
    """An entry as its vault names it (``Archive/Viamedis``), with its file when not ``home``."""
    if origin.entry is not None and origin.path == home:
        return origin.entry
    return location(origin.path, origin.line, origin.entry)


class ConflictingEntries(Check):
    """Entries of one login in the vaults hold different passwords: an older one may still work."""

    id = CheckId.CONFLICTING_ENTRIES

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            if not audited.conflicting:
                continue
            home = audited.account.origin.path
            origins = [audited.account.origin, *(c.account.origin for c in audited.conflicting)]
            # Every entry, the agreeing copies merged into one of them included.
            names = [
                entry_name(entry, home) for origin in origins for entry in (origin, *origin.also_in)
            ]
            named = tuple(names[:_MAX_NAMED])
            yield ctx.finding(
                self.id,
                audited,
                phrase(
                    "finding.conflicting_entries",
                    n=len(names),
                    entries=Series(named, more=len(names) - len(named)),
                ),
                phrase("action.conflicting_entries", change=CHANGE_ON_PORTAL),
            )


@dataclass(frozen=True)
class _EntriesNamed(CheckContext):
    """A context whose findings on a conflicting entry say which entry they are about."""

    entries: Mapping[AuditedAccount, str] = field(default_factory=dict)

    def finding(
        self,
        check: CheckId,
        audited: AuditedAccount,
        message: Phrase,
        action: Phrase,
        *,
        due: date | None = None,
    ) -> Finding:
        entry = self.entries.get(audited)
        if entry is not None:
            message = phrase(_IN_ENTRY, entry=entry, reason=message)
        return super().finding(check, audited, message, action, due=due)


def with_conflicting(
    accounts: Sequence[AuditedAccount], ctx: CheckContext
) -> tuple[tuple[AuditedAccount, ...], CheckContext]:
    """Every account and its conflicting entries, and a context that names those entries.

    Every password of a login is checked (breached, weak, reused with another
    login…), and each finding about an entry other than the one shown names it.
    """
    entries = {
        copy: entry_name(copy.account.origin, audited.account.origin.path)
        for audited in accounts
        for copy in audited.conflicting
    }
    if not entries:
        return tuple(accounts), ctx
    everyone = tuple(one for audited in accounts for one in (audited, *audited.conflicting))
    return everyone, _EntriesNamed(ctx.policy, ctx.as_of, ctx.sites, entries=entries)


def said_once(findings: Sequence[Finding]) -> list[Finding]:
    """The findings, less those on a conflicting entry that repeat what the account says.

    A login's entries share its MFA and its owners, and often its age: the
    account's finding says it once for all of them.
    """
    if all(f.message.key != _IN_ENTRY for f in findings):
        return list(findings)  # no conflicting entry: nothing to compare (the common case)
    shown = {(f.account, f.check, f.message) for f in findings if f.message.key != _IN_ENTRY}
    kept = []
    for finding in findings:
        if finding.message.key == _IN_ENTRY:
            reason = finding.message.arg("reason")
            if (finding.account, finding.check, reason) in shown:
                continue
        kept.append(finding)
    return kept
