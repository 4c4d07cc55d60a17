"""Digests that identify a run's policy and inventory without holding anything secret."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from auditor.policy import Policy, dump_policy
from auditor.report import Report
from auditor.text import Folded, fold

_LENGTH = 16


def policy_digest(policy: Policy) -> str:
    """SHA-256 of the effective policy as ``policy show`` prints it (first 16 hex digits)."""
    return hashlib.sha256(dump_policy(policy).encode()).hexdigest()[:_LENGTH]


def inventory_digest(report: Report, folded_logins: Mapping[str, str] | None = None) -> str:
    """SHA-256 over the audited accounts' public names (first 16 hex digits).

    Not a digest of the inventory files: they hold passwords, and a hash of a
    file is a hash of its passwords. Practice, portal, login and owner say
    whether the same accounts were audited, which is what a reader compares.
    ``folded_logins`` gives each login folded (``Folded``, which remembers them).
    """
    folded = Folded() if folded_logins is None else folded_logins
    names = []
    for practice in report.practices:
        practice_id = practice.practice.id
        for audited in practice.accounts:
            account = audited.account
            # Owners are mostly one per account: folded, not remembered as logins are.
            owner = fold(account.owner) if account.owner else ""
            names.append(
                f"{practice_id}\x1f{account.portal}\x1f{folded[account.username]}\x1f{owner}"
            )
    names.sort()
    return hashlib.sha256("\x1e".join(names).encode()).hexdigest()[:_LENGTH]
