from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator

import pytest
from rich.console import Console

from auditor.models import Account
from auditor.password.derive import derive
from auditor.policy import Policy
from auditor.progress import Advance, BarDisplay, ProgressDisplay
from tests.conftest import FakeBreach


class Recorder(ProgressDisplay):
    """Keeps each stage's total and the sum of its advances."""

    def __init__(self) -> None:
        self.stages: dict[str, list[int]] = {}

    @contextlib.contextmanager
    def stage(self, description: str, total: int) -> Iterator[Advance]:
        counts = self.stages.setdefault(description, [total, 0])

        def advance(done: int) -> None:
            counts[1] += done

        yield advance


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_stage_advances_to_its_total(
    policy: Policy, make_account: Callable[..., Account], jobs: int
) -> None:
    # 260 distinct passwords: above the threshold where scoring goes parallel.
    accounts = [make_account(username=f"u{n}", password=f"Secret-{n % 260}!") for n in range(300)]
    recorder = Recorder()
    derive(accounts, policy, FakeBreach(), jobs=jobs, progress=recorder)
    assert recorder.stages == {"Scoring passwords": [260, 260], "Breach lookups": [260, 260]}


def test_bars_show_fixed_texts_and_counts_only(
    policy: Policy, make_account: Callable[..., Account]
) -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    accounts = [make_account(username=f"u{n}", password=f"Marker-ZQX-{n}") for n in range(40)]
    with BarDisplay(console) as bars:
        derive(accounts, policy, FakeBreach(), progress=bars)
    shown = stream.getvalue()
    assert "Scoring passwords" in shown
    assert "Breach lookups" in shown
    assert "ZQX" not in shown and "u1" not in shown
