"""Row problems on stderr are said in the command line's language, like every other line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., tuple[int, str, str]]

HEADER = "practice_id,practice_name,portal,username,owner,role,password,password_changed,mfa"


def test_a_bad_row_is_said_in_french_on_stderr(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    inventory = tmp_path / "inventaire.csv"
    inventory.write_text(
        f"{HEADER}\n750056780,Pharmacie,viamedis,jdoe,Jean,user,V7#qLm2!xR9@wTz4,31/02/2025,no\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    code, _, err = run_cli("audit", str(inventory), "--no-breach-check", "--no-history")
    assert code == 2
    assert err.splitlines()[0] == (
        f"{inventory}:2 : password_changed : cette date n'existe pas dans le calendrier"
    )
    monkeypatch.setenv("LANG", "C")
    _, _, english = run_cli("audit", str(inventory), "--no-breach-check", "--no-history")
    assert english.splitlines()[0] == f"{inventory}:2: password_changed: not a real calendar date"
