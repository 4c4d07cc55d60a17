"""The similar-password check on 100,000 accounts, against 10,000: linear, not quadratic."""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
import os
import time
from datetime import date
from typing import Any

from auditor.checks import CheckContext, check_for
from auditor.models import Account, CheckId, Origin, Practice, Role
from auditor.password.derive import AuditedAccount, NotChecked, PasswordFacts, Strength
from auditor.password.fold import similarity_stem
from auditor.policy import load_policy
from benchmarks.data import PORTALS, finess_ids

ACCOUNTS = 100_000
BASELINE = 10_000
"""A tenth of the accounts: linear work takes about 10× as long for 10× the accounts."""
VARIANTS = 4
"""Accounts per folded stem: "Stem0042a2024!", "stem0042a2025?"… (each a distinct password)."""
LARGE_GROUP = 0.05
"""A twentieth of the accounts share one stem too (one practice's "Pharmacie2024!", rotated
by year and symbol for years): the group whose naming a quadratic pattern would blow up."""
_REPEATS = 3
"""Best of a few runs: the machine is shared."""
_AS_OF = date(2026, 11, 22)


def _password(index: int, accounts: int) -> str:
    if index < accounts * LARGE_GROUP:
        return f"Pharmacie{index}!"
    return f"{'Stem' if index % 2 else 'stem'}{index // VARIANTS:06d}x{index % 97}?"


def _accounts(accounts: int) -> list[AuditedAccount]:
    """Audited accounts with the facts derive would give them (no zxcvbn: not measured)."""
    run_key = os.urandom(32)
    practices = finess_ids(max(1, accounts // 20))
    built = []
    for index in range(accounts):
        password = _password(index, accounts)
        stem = similarity_stem(password)
        assert stem is not None
        facts = PasswordFacts(
            empty=False,
            strength=Strength(4, 100.0),
            breach=NotChecked(),
            context=frozenset(),
            reuse_key=hmac.new(run_key, password.encode(), hashlib.sha256).digest(),
            similar_key=hmac.new(run_key, stem.encode(), hashlib.sha256).digest(),
        )
        practice = practices[index // 20 % len(practices)]
        account = Account(
            practice=Practice(practice, f"Pharmacie {practice[-4:]}"),
            portal=PORTALS[index % len(PORTALS)],
            username=f"user{index:06d}",
            owner=f"Personne {index:06d}",
            owner_email=None,
            role=Role.USER,
            password_changed=_AS_OF,
            mfa=True,
            origin=Origin("benchmark.csv", index + 2),
        )
        built.append(AuditedAccount(account, facts))
    return built


def _fold_seconds(accounts: int) -> float:
    """Folding and fingerprinting every password, as derive does once per distinct one."""
    key = os.urandom(32)
    passwords = [_password(index, accounts) for index in range(accounts)]
    begin = time.perf_counter()
    for password in passwords:
        stem = similarity_stem(password) or ""
        hmac.new(key, stem.encode(), hashlib.sha256).digest()
    return time.perf_counter() - begin


def _check_seconds(accounts: int) -> tuple[float, int]:
    """Best time of the similar-password check alone, and how many findings it gives."""
    audited = _accounts(accounts)
    context = CheckContext(load_policy(()), _AS_OF)
    check = check_for(CheckId.SIMILAR_PASSWORD)
    best, found = float("inf"), 0
    for _ in range(_REPEATS):
        gc.collect()
        begin = time.perf_counter()
        found = sum(1 for _ in check.run(audited, context))
        best = min(best, time.perf_counter() - begin)
    return best, found


def run(accounts: int = ACCOUNTS, baseline: int = BASELINE) -> dict[str, Any]:
    """The check and the folding on ``accounts``, and their ratios to ``baseline``."""
    check, findings = _check_seconds(accounts)
    check_small, _ = _check_seconds(baseline)
    fold, fold_small = _fold_seconds(accounts), _fold_seconds(baseline)
    result = {
        "accounts": accounts,
        "baseline_accounts": baseline,
        "check_seconds": round(check, 3),
        "baseline_check_seconds": round(check_small, 4),
        "check_ratio_to_baseline": round(check / check_small, 1),
        "fold_seconds": round(fold, 3),
        "fold_ratio_to_baseline": round(fold / fold_small, 1),
        "similar_findings": findings,
    }
    print(
        f"  similar-password on {accounts:,} accounts: check {check:.3f} s "
        f"({result['check_ratio_to_baseline']}× {baseline:,}), folding {fold:.3f} s "
        f"({result['fold_ratio_to_baseline']}× {baseline:,}), {findings:,} findings",
        flush=True,
    )
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
