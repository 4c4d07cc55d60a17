from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pytest

from auditor.hibp import Clean, Pwned, Unknown
from auditor.models import Account
from auditor.password import derive as derive_module
from auditor.password.context import ContextKind
from auditor.password.derive import NotChecked, derive
from auditor.password.secret import Secret
from auditor.policy import Policy


def test_secret_never_shows_itself() -> None:
    secret = Secret("hunter2-canary")
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret} {secret!r} {secret:>20}"
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_derive_drops_passwords_and_keeps_facts(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    accounts = [
        make_account(username="a", password="soleil"),
        make_account(username="b", password="V7#qLm2!xR9@wTz4"),
        make_account(username="c"),
        make_account(username="d", password=""),
    ]
    audited = derive(accounts, policy, fake_breach({"soleil": 42}))
    assert all(a.account.password is None for a in audited)
    soleil, strong, unrecorded, empty = (a.facts for a in audited)
    assert soleil is not None and soleil.breach == Pwned(42) and soleil.strength.zxcvbn_score <= 1
    assert strong is not None and strong.breach == Clean() and strong.strength.zxcvbn_score == 4
    assert unrecorded is None
    assert empty is not None and empty.empty and empty.breach == NotChecked()


def test_each_distinct_password_is_scored_and_looked_up_once(
    make_account: Callable[..., Account],
    policy: Policy,
    fake_breach: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scored: list[int] = []
    real = derive_module._score_batch

    def counting(batch: Any) -> list[int]:
        scored.append(len(batch))
        return real(batch)

    monkeypatch.setattr(derive_module, "_score_batch", counting)
    accounts = [make_account(username=f"u{i}", password=f"pw{i % 3}") for i in range(9)]
    breach = fake_breach()
    audited = derive(accounts, policy, breach)
    assert sum(scored) == 3
    assert len(breach.asked) == 1 and len(breach.asked[0]) == 3
    keys = {a.facts.reuse_key for a in audited if a.facts}
    assert len(keys) == 3


def test_reuse_keys_differ_between_runs(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    account = make_account(password="same")
    first = derive([account], policy, None)[0].facts
    second = derive([account], policy, None)[0].facts
    assert first is not None and second is not None
    assert first.reuse_key != second.reuse_key
    assert hashlib.sha256(b"same").digest() not in (first.reuse_key, second.reuse_key)


def test_context_is_per_account(make_account: Callable[..., Account], policy: Policy) -> None:
    accounts = [
        make_account(username="lumiere", password="Lumiere2024"),
        make_account(username="other", owner="Marc Petit", password="Lumiere2024"),
    ]
    first, second = (a.facts for a in derive(accounts, policy, None))
    assert first is not None and ContextKind.USERNAME in first.context
    assert second is not None and ContextKind.USERNAME not in second.context


def test_failed_lookup_is_unknown(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    (audited,) = derive([make_account(password="x")], policy, fake_breach(unknown=["x"]))
    assert audited.facts is not None and isinstance(audited.facts.breach, Unknown)


def test_parallel_scoring_matches_sequential(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = [
        make_account(username=f"u{i}", password=f"Passw0rd-{i}-{i * 7919}") for i in range(24)
    ]
    sequential = [a.facts.strength for a in derive(accounts, policy, None, jobs=1) if a.facts]
    monkeypatch.setattr(derive_module, "PARALLEL_THRESHOLD", 4)
    parallel = [a.facts.strength for a in derive(accounts, policy, None, jobs=2) if a.facts]
    assert parallel == sequential


def test_the_facts_that_need_no_score_are_found_while_the_workers_score(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scoring keeps both cores busy for most of a large audit: the banned words,
    # fingerprints and context of every password are worked out meanwhile, in the
    # main thread, not after the last score.
    found = threading.Event()
    real_banned = derive_module.banned_kinds
    real_score_all = derive_module._score_all

    def banned(*args: Any) -> Any:
        found.set()
        return real_banned(*args)

    def score_all(*args: Any, **kwargs: Any) -> list[int]:
        scores = real_score_all(*args, **kwargs)
        assert found.wait(timeout=5), "nothing else was done while scoring"
        return scores

    monkeypatch.setattr(derive_module, "banned_kinds", banned)
    monkeypatch.setattr(derive_module, "_score_all", score_all)
    accounts = [make_account(username=f"u{i}", password=f"Pharmacie{i}!") for i in range(3)]
    audited = derive(accounts, policy, None)
    assert all(a.facts is not None and a.facts.banned for a in audited)
