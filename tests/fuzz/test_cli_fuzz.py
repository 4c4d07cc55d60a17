"""The audit command on generated inventories: exit 0, 1, 2 or 3, never a traceback or an internal error.

Runs ``auditor.cli.main`` in-process (the ``run_cli`` fixture) with
``--no-breach-check --no-history``; time is bounded by the deadline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from tests.fuzz.fuzzing import budget
from tests.fuzz.inventories import Sheet, csv_bytes, echoed, sheets


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-fuzz")


# run_cli is function-scoped, but holds no state between calls: each call reads and
# resets the captured output.
@budget(ci=15, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sheet=sheets(), data=st.data())
def test_audit_of_a_generated_inventory(
    run_cli: Callable[..., tuple[int, str, str]], folder: Path, sheet: Sheet, data: st.DataObject
) -> None:
    path = folder / "inventaire.csv"
    path.write_bytes(data.draw(csv_bytes(sheet)))
    code, out, err = run_cli(
        "audit",
        str(path),
        "--no-breach-check",
        "--no-history",
        "--as-of",
        "2026-11-22",
        "--format",
        "json",
    )
    assert code in {0, 1, 2, 3}, (code, err)
    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert echoed(sheet.passwords, out, err) == [], "the output quotes a password"
    if code == 2:
        assert str(path) in err, err
    else:
        report = json.loads(out)
        audited = sum(len(practice["accounts"]) for practice in report["practices"])
        assert audited > 0, "an audit of no account is never a clean run"
