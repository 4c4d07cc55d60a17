"""``--practice`` says why a FINESS number is refused in the command line's language."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Run = Callable[..., tuple[int, str, str]]


def test_a_bad_practice_number_is_refused_in_french(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    code, _, err = run_cli("audit", "examples/inventaire.csv", "--practice", "75005678")
    assert code == 2
    assert "un numéro FINESS a 9 caractères, celui-ci a 8 chiffres" in err
    assert "found 8 digits" not in err


def test_a_bad_practice_number_is_refused_in_english(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "C")
    code, _, err = run_cli("audit", "examples/inventaire.csv", "--practice", "750056781")
    assert code == 2
    assert "'750056781': FINESS check digit (Luhn key) does not match" in err
