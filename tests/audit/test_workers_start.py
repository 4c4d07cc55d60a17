"""The scoring workers' forkserver starts before the inventories are read, so its loading overlaps."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import pipeline
from auditor.audit.request import AuditRequest
from auditor.password import derive

CSV = (
    "practice_id,practice_name,portal,username,owner,password,password_changed,mfa\n"
    "750056780,Pharmacie du Marché,viamedis,jdupont,Jeanne Dupont,Xk9#mq2!Lp0v,2025-01-10,oui\n"
)


def test_the_workers_start_before_the_inventories_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = tmp_path / "inventaire.csv"
    inventory.write_text(CSV, encoding="utf-8")
    events: list[str] = []
    real_read = pipeline.read_inventories

    def read(*args: Any, **kwargs: Any) -> Any:
        events.append("read")
        return real_read(*args, **kwargs)

    monkeypatch.setattr(pipeline, "start_workers", lambda jobs: events.append(f"start {jobs}"))
    monkeypatch.setattr(pipeline, "read_inventories", read)
    request = AuditRequest((inventory,), no_breach_check=True, jobs=2, no_history=True)
    pipeline.audited(request, ask_secret=lambda *_: "")
    assert events == ["start 2", "read"]


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_the_forkserver_starts_with_ctrl_c_blocked_and_only_for_several_jobs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from multiprocessing import forkserver

    masks: list[bool] = []

    def ensure_running() -> None:
        masks.append(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set()))

    monkeypatch.setattr(forkserver, "ensure_running", ensure_running)
    derive.start_workers(1)
    assert masks == []
    derive.start_workers(2)
    # The server and the workers it forks inherit the mask: Ctrl-C is the parent's.
    assert masks == [True]
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_a_started_server_scores_as_the_sequential_path(
    make_account: Callable[..., Any], policy: Any
) -> None:
    derive.start_workers(2)
    accounts = [make_account(username=f"u{i}", password=f"Officine{i}!x") for i in range(240)]
    parallel = derive.derive(accounts, policy, None, jobs=2)
    sequential = derive.derive(accounts, policy, None, jobs=1)
    assert [a.facts.strength for a in parallel if a.facts] == [
        a.facts.strength for a in sequential if a.facts
    ]
