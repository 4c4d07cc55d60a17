"""Command-line values at the edges end in exit 2 and one clear line, never an internal error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

EXAMPLE = ("examples/inventaire.csv", "--no-breach-check", "--no-history", "--format", "json")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2200-01-01", "1999-12-31"])
def test_an_as_of_day_near_the_ends_of_the_calendar_is_refused(
    run_cli: Callable[..., tuple[int, str, str]], day: str
) -> None:
    code, out, err = run_cli("audit", *EXAMPLE, "--as-of", day)
    assert code == 2, err
    assert f"'{day}' is outside 2000-01-01…2199-12-31" in err
    assert "internal error" not in err and out == ""


def test_the_last_as_of_day_accepted_audits(run_cli: Callable[..., tuple[int, str, str]]) -> None:
    code, _, err = run_cli("audit", *EXAMPLE, "--as-of", "2199-12-31")
    assert code in (0, 1), err
    assert "internal error" not in err
