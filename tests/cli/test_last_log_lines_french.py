"""The range lookups' summary, the history's and the private folders' lines follow the locale."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.files.private import PrivateFolder
from tests.conftest import free_port

Run = Callable[..., tuple[int, str, str]]
EXAMPLE = ("examples/inventaire.csv", "--as-of", "2026-11-22", "--format", "json")


def test_failed_lookups_are_summed_up_in_french(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    url = f"http://127.0.0.1:{free_port()}"
    history = str(tmp_path / "h.sqlite")
    code, _, err = run_cli(
        "-v", "audit", *EXAMPLE, "--hibp-url", url, "--hibp-deadline", "1s", "--history", history
    )
    assert code == 1
    assert "recherches par plage sur 9 ont échoué" in err
    assert "range lookups failed" not in err
    assert "exécution 1 enregistrée dans" in err


def test_failed_lookups_are_summed_up_in_english_as_before(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "C")
    url = f"http://127.0.0.1:{free_port()}"
    _, _, err = run_cli(
        "audit", *EXAMPLE, "--hibp-url", url, "--hibp-deadline", "1s", "--no-history"
    )
    assert "9 of 9 range lookups failed; those passwords are 'unknown' (first: range " in err


def test_a_loose_folder_is_said_in_english_to_other_handlers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    loose = tmp_path / "out"
    loose.mkdir(mode=0o777)
    loose.chmod(0o777)
    with caplog.at_level(logging.INFO, logger="auditor"), PrivateFolder.open(loose):
        pass
    assert f"{loose}: was mode 0777, now 0700 (reports hold names and logins)" in caplog.text
