"""Equal pieces of facts are one object in memory, shared by every account that has them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditor.models import Account
from auditor.password.derive import derive
from auditor.policy import Policy


def test_equal_kinds_outcomes_and_strengths_are_kept_once(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    # 100,000 accounts had 340,000 sets of kinds of their own, most of them empty
    # (Python makes a new empty frozenset each time), 75,000 equal "clean" outcomes
    # and as many strengths: 150 MB more at derive's peak, and a million objects for
    # the collector's first pass after it.
    accounts = [
        make_account(username=f"u{index}", owner=f"Owner {index}", password=f"Zq{index}#w9x!Lp")
        for index in range(40)
    ]
    facts = [a.facts for a in derive(accounts, policy, fake_breach())]
    assert all(f is not None for f in facts)
    for name in ("context", "banned", "earlier_keys", "breach"):
        values = {id(getattr(f, name)) for f in facts if f is not None}
        assert len(values) == 1, f"{name}: {len(values)} copies of one value"
    strengths = {(f.strength.zxcvbn_score, f.strength.entropy_bits) for f in facts if f}
    assert len({id(f.strength) for f in facts if f}) == len(strengths)
