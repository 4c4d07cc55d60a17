"""derive makes its facts with the collector off: they hold no cycle, and it is on again after."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest

from auditor.models import Account, Practice
from auditor.password import derive as derive_module
from auditor.policy import Policy


@pytest.mark.parametrize("jobs", [1, 2])
def test_derive_works_with_the_collector_off(
    make_account: Callable[..., Account],
    policy: Policy,
    monkeypatch: pytest.MonkeyPatch,
    jobs: int,
) -> None:
    # At 100,000 accounts the collector's passes over the inventory and the facts
    # piling up were a third to nearly half of derive's own CPU time.
    monkeypatch.setattr(derive_module, "PARALLEL_THRESHOLD", 4)
    collecting: dict[str, list[bool]] = {}
    for step in ("context_words", "context_hits", "char_classes"):  # prepare, facts, merge
        monkeypatch.setattr(derive_module, step, _watched(step, collecting))
    accounts = [
        make_account(
            practice=Practice(f"75{index % 7:07d}", f"Pharmacie {index % 7}"),
            username=f"user{index}",
            password=f"Soleil-{index % 40}",
        )
        for index in range(300)
    ]
    assert gc.isenabled()
    audited = derive_module.derive(accounts, policy, None, jobs=jobs)
    assert all(a.facts is not None for a in audited)
    assert set(collecting) == {"context_words", "context_hits", "char_classes"}
    assert not any(on for seen in collecting.values() for on in seen), "collector on while deriving"
    assert gc.isenabled(), "the collector is not on again after derive"


def _watched(step: str, collecting: dict[str, list[bool]]) -> Callable[..., Any]:
    """``derive``'s ``step``, noting whether the collector is on at each call."""
    real = getattr(derive_module, step)

    def watched(*args: Any) -> Any:
        collecting.setdefault(step, []).append(gc.isenabled())
        return real(*args)

    return watched
