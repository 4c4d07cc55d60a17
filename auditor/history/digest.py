"""Digests that identify a run's policy and inventory without holding anything secret."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from auditor.policy import Policy, dump_policy
from auditor.report import Report
from auditor.text import fold

_LENGTH = 16


def policy_digest(policy: Policy) -> str:
    """SHA-256 of the effective policy as ``policy show`` prints it (first 16 hex digits)."""
    return hashlib.sha256(dump_policy(policy).encode()).hexdigest()[:_LENGTH]


def inventory_digest(report: Report, fold_login: Callable[[str], str] = fold) -> str:
    """SHA-256 over the audited accounts' public names (first 16 hex digits).

    Not a digest of the inventory files: they hold passwords, and a hash of a
    file is a hash of its passwords. Practice, portal, login and owner say
    whether the same accounts were audited, which is what a reader compares.
    ``fold_login`` is ``fold``, or one that remembers the logins it folded.
    """
    names = sorted(
        f"{account.practice.id}\x1f{account.portal}\x1f{fold_login(account.username)}"
        f"\x1f{fold(account.owner or '')}"
        for practice in report.practices
        for account in (audited.account for audited in practice.accounts)
    )
    return hashlib.sha256("\x1e".join(names).encode()).hexdigest()[:_LENGTH]
