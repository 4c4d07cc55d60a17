"""Log lines on stderr follow the command line's language; other log handlers read English.

Layers log a sentence as a ``Logged`` argument (``auditor/i18n/logged.py``); the
CLI's formatter alone puts it into the reader's words.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.cli.logs import configure_logging
from auditor.hibp import RangeCache
from auditor.i18n import Lang, catalog
from auditor.i18n.logged import logged

RunCli = Callable[..., tuple[int, str, str]]
HEADER = "practice_id,practice_name,portal,username,owner,role,password,password_changed,mfa"
ROW = "750056780,Pharmacie du Marché,kalixia,jdoe,Jeanne Doe,user,V7#qLm2!xR9@wTz4,2025-06-01,yes"
AUDIT = ("--no-breach-check", "--no-history", "--as-of", "2026-11-22", "--format", "json")


def _locale(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8" if lang == "fr" else "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    """A row with a bad MFA cell (skipped), and a practice named otherwise on a later line."""
    path = tmp_path / "inventaire.csv"
    renamed = ROW.replace("Pharmacie du Marché", "Pharmacie du Marche").replace("jdoe", "jdoe2")
    path.write_text(f"{HEADER}\n{ROW}\n{ROW.replace('yes', 'maybe')}\n{renamed}\n")
    return path


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            [
                (
                    "portal-audit : AVERTISSEMENT : {path} : l'établissement 750056780 a un autre nom"
                    " à la ligne 4 qu'à la ligne 2 ; le nom de la ligne 2 est gardé"
                ),
                "portal-audit : AVERTISSEMENT : écarté : {path}:3 : mfa : "
                + catalog(Lang.FR).t("problem.not_yes_no"),
            ],
        ),
        (
            "en",
            [
                (
                    "portal-audit: WARNING: {path}: practice 750056780 has another name on line 4"
                    " than on line 2; using line 2's"
                ),
                (
                    "portal-audit: WARNING: skipped {path}:3: mfa: expected yes/no, oui/non,"
                    " true/false or 1/0"
                ),
            ],
        ),
    ],
)
def test_warnings_follow_the_locale(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, sheet: Path, lang: str, expected: list[str]
) -> None:
    _locale(monkeypatch, lang)
    code, out, err = run_cli("audit", str(sheet), "--skip-invalid", *AUDIT)
    assert code == 1, err  # findings at or above --fail-on, in either language
    assert json.loads(out)["skipped_rows"][0]["reason"] == (
        "expected yes/no, oui/non, true/false or 1/0"  # JSON stays English
    )
    assert err.splitlines() == [line.format(path=sheet) for line in expected]


def test_quiet_hides_the_warnings_and_verbose_adds_french_information(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, sheet: Path
) -> None:
    _locale(monkeypatch, "fr")
    code, _, err = run_cli("-q", "audit", str(sheet), "--skip-invalid", *AUDIT)
    assert (code, err) == (1, "")
    extra = sheet.parent / "extra.csv"
    extra.write_text(HEADER.replace(",mfa", ",mfa,notes") + "\n" + ROW + ",x\n")
    code, _, err = run_cli("-v", "audit", str(extra), *AUDIT)
    assert code == 0, err
    assert f"portal-audit : INFO : {extra} : colonnes ignorées : 'notes'" in err.splitlines()


def test_the_lang_option_decides_over_the_locale(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, sheet: Path
) -> None:
    _locale(monkeypatch, "en")
    code, _, err = run_cli("audit", str(sheet), "--skip-invalid", "--lang", "fr", *AUDIT)
    assert code == 1, err
    assert "portal-audit : AVERTISSEMENT : écarté : " in err


def test_the_range_cache_warns_in_french(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _locale(monkeypatch, "fr")
    configure_logging(0, quiet=False)
    entry = tmp_path / "range" / "21" / "21BD1"
    entry.parent.mkdir(parents=True)
    entry.write_text("{not json")
    assert RangeCache(tmp_path).get("21BD1") is None
    assert capsys.readouterr().err == (
        f"portal-audit : AVERTISSEMENT : cache des plages : {entry} est endommagé ; "
        "cette plage est de nouveau demandée\n"
    )


def test_other_handlers_read_english_and_the_record_is_left_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _locale(monkeypatch, "fr")
    configure_logging(0, quiet=False)
    seen: list[logging.LogRecord] = []
    other = logging.Handler()
    other.emit = seen.append  # type: ignore[method-assign]
    root = logging.getLogger("auditor")
    root.addHandler(other)
    try:
        logging.getLogger("auditor.hibp.cache").warning(
            "%s", logged("log.cache_damaged", path="cache/x")
        )
    finally:
        root.removeHandler(other)
    assert "cache des plages : cache/x est endommagé" in capsys.readouterr().err
    [record] = seen
    assert record.getMessage() == "range cache: cache/x is damaged; fetching that range again"
    assert logging.Formatter().format(record) == record.getMessage()
