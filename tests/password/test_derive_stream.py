"""The scoring workers get their first batch while derive still prepares the others."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import pytest

from auditor.hibp import BreachSource
from auditor.models import Account
from auditor.password import derive as derive_module
from auditor.password.context import ContextKind
from auditor.policy import Policy

WAIT = 30.0
"""Seconds the last account's context waits for the first batch's scores: a batch of
50 short passwords takes milliseconds, and starting the forkserver (zxcvbn loaded) a
second or two, several on a loaded machine, so only a batch that was never sent reaches it."""


def test_the_first_batch_is_scored_before_the_last_context_is_built(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5 s of a 100,000-account audit went by with the workers idle: every context,
    # input list and digest was made before the first batch was sent. Here the
    # last account's context is not built until a worker has scored a batch.
    sent: list[Future[Any]] = []
    first_sent = threading.Event()

    class Recording(ProcessPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            future = super().submit(fn, *args, **kwargs)
            sent.append(future)
            first_sent.set()
            return future

    real_context_words = derive_module.context_words
    scored_first: list[bool] = []

    def context_words(account: Account, *args: Any) -> Mapping[ContextKind, frozenset[str]]:
        if account.username == "last":
            scored_first.append(first_sent.wait(WAIT) and _done(sent[0], WAIT))
        return real_context_words(account, *args)

    monkeypatch.setattr(derive_module, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(derive_module, "context_words", context_words)
    accounts = [
        make_account(username=f"u{i}", password=f"Soleil-{i}-{i * 7919}") for i in range(599)
    ]
    accounts.append(make_account(username="last", password="the last one's own"))
    audited = derive_module.derive(accounts, policy, None, jobs=2)
    assert scored_first == [True], "the last context was built before any batch was scored"
    assert len(sent) > 1 and all(a.facts is not None for a in audited)


def _done(future: Future[Any], timeout: float) -> bool:
    try:
        future.result(timeout)
    except TimeoutError:
        return False
    return True


def test_the_facts_are_put_together_while_the_last_batch_is_scored(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the last score of a 100,000-account audit, putting the facts together
    # took seconds with both workers idle. Here the last batch's scores are held
    # back until that work has begun on the first ones: scored -1 if it never does.
    begun = threading.Event()
    relays: list[threading.Thread] = []

    class HoldingBack(ProcessPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            real = super().submit(fn, *args, **kwargs)
            (batch,) = args
            if not any(password == "the last one's own" for password, _ in batch):
                return real
            held: Future[Any] = Future()

            def relay() -> None:
                held.set_result(real.result() if begun.wait(WAIT) else [-1] * len(batch))

            relays.append(threading.Thread(target=relay, daemon=True))
            relays[-1].start()
            return held

    real_char_classes = derive_module.char_classes

    def char_classes(password: str) -> Any:
        begun.set()
        return real_char_classes(password)

    monkeypatch.setattr(derive_module, "ProcessPoolExecutor", HoldingBack)
    monkeypatch.setattr(derive_module, "char_classes", char_classes)
    accounts = [
        make_account(username=f"u{i}", password=f"Soleil-{i}-{i * 7919}") for i in range(599)
    ]
    accounts.append(make_account(username="last", password="the last one's own"))
    audited = derive_module.derive(accounts, policy, None, jobs=2)
    for relay in relays:
        relay.join(WAIT)
    last = audited[-1].facts
    assert last is not None and last.strength.zxcvbn_score >= 0, "put together after the end"


def test_a_failed_lookup_ends_the_workers_while_batches_still_come(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lookups run while the workers score: one that fails must not leave the
    # helper waiting for batches, nor the workers scoring what nobody will read.
    ended: list[int] = []
    real_end_workers = derive_module._end_workers

    def end_workers(pool: ProcessPoolExecutor) -> None:
        ended.append(len(getattr(pool, "_pending_work_items", {})))
        real_end_workers(pool)

    class Failing(BreachSource):
        def check(self, sha1_hashes: Any, progress: Any = None) -> Any:
            raise RuntimeError("the corpus went away")

    monkeypatch.setattr(derive_module, "_end_workers", end_workers)
    accounts = [
        make_account(username=f"u{i}", password=f"Soleil-{i}-{i * 7919}") for i in range(3000)
    ]
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="went away"):
        derive_module.derive(accounts, policy, Failing(), jobs=2)
    assert ended, "the workers were left to finish"
    assert time.monotonic() - started < WAIT
