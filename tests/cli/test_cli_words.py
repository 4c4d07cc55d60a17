"""The command line in the reader's language: help, Click's words, stderr lines, history, reminders."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from auditor.cli.words import choose, error_text
from auditor.errors import AuditorError, UsageError
from auditor.i18n import Lang, catalog
from auditor.i18n.failure import failure
from auditor.models import AccountRef, Practice, Severity
from auditor.remind.messages import draft
from auditor.remind.plan import Audience, Item, Reminder

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ENGLISH_HELP = HERE / "help" / "en.txt"
"""Every command's English --help as it was before the help moved into the catalogues
(plus `history --lang`, added since), rendered by help/render.py at 80 columns."""
EXAMPLE = ["examples/inventaire.csv", "--hibp-offline", "examples/pwned-passwords-SYNTHETIC.txt"]
Run = Callable[..., tuple[int, str, str]]


def _helps(lang: str, *extra: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/nonexistent",
        "XDG_DATA_HOME": "/data",  # --history's default path is part of the text
        "COLUMNS": "80",
        "LANG": lang,
    }
    done = subprocess.run(
        [sys.executable, str(HERE / "help" / "render.py"), *extra],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


def _section(helps: str, command: str) -> str:
    return helps.split(f"=== {command}\n")[1].split("\n=== ", maxsplit=1)[0]


def test_english_help_of_every_command_is_unchanged() -> None:
    assert _helps("C.UTF-8") == ENGLISH_HELP.read_text(encoding="utf-8")


def test_help_is_french_under_a_french_locale() -> None:
    helps = _helps("fr_FR.UTF-8")
    audit = _section(helps, "audit")
    assert audit.startswith("Utilisation : portal-audit audit [OPTIONS] INVENTORIES...")
    assert "Audite les fichiers INVENTAIRE et dit quels mots de passe" in audit
    assert "Codes de sortie :" in audit and "Options :" in audit
    assert "Affiche ce message et quitte." in audit and "[par défaut : 64; 1<=x<=64]" in audit
    for english in ("Usage:", "Show this message", "default:", "Exit codes", "Write DIR/"):
        assert english not in helps, english
    assert "Commandes :" in _section(helps, "portal-audit")
    assert "Langue de la sortie terminal" in _section(helps, "history")


def test_lang_written_before_help_chooses_the_help_language(run_cli: Run) -> None:
    code, out, _ = run_cli("audit", "--lang", "fr", "--help")
    assert code == 0 and "Audite les fichiers INVENTAIRE" in out
    code, out, _ = run_cli("history", "--lang", "fr", "--help")
    assert code == 0 and "Liste les audits enregistrés" in out
    code, out, _ = run_cli("audit", "--help")  # the next run is back to the locale (C)
    assert code == 0 and out.startswith("Usage: portal-audit audit")


def test_click_and_usage_errors_are_french(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    code, _, err = run_cli("audit", "--bogus")
    assert code == 2
    assert (
        "Erreur : Option inconnue : '--bogus'." in err
        and "Essayez 'portal-audit audit --help'" in err
    )
    code, _, err = run_cli("audit", "examples/inventaire.csv", "--format", "json,csv")
    assert code == 2
    assert err == (
        "portal-audit : erreur : plusieurs formats demandent --out DIR "
        "(la sortie standard n'en prend qu'un)\n"
    )
    code, _, err = run_cli("audit", *EXAMPLE, "--no-breach-check", "--lang", "en")
    assert (
        code == 2
        and err == "portal-audit: error: choose one of --hibp-offline and --no-breach-check\n"
    )


def test_an_error_with_a_phrase_is_said_in_the_readers_language() -> None:
    said = failure(UsageError, "cli.fail.url_port", port="70000")
    assert str(said) == "--hibp-url: port 70000 is not between 1 and 65535"  # logs, tests
    choose(Lang.FR)
    try:
        assert error_text(said) == "--hibp-url : le port 70000 n'est pas entre 1 et 65535"
        assert error_text(AuditorError("plain English")) == "plain English"  # no phrase: as is
    finally:
        choose(None)


def test_remind_warnings_are_french_with_plurals(run_cli: Run) -> None:
    words = catalog(Lang.FR)
    one, two = (
        words.t(
            "remind.status.unreachable",
            practice="750056780",
            audience=words.t("remind.status.audience.practice"),
            n=n,
            fix=words.t("remind.status.add_address"),
        )
        for n in (1, 2)
    )
    assert "750056780 établissement : 1 compte sans adresse e-mail : ajoutez" in one
    assert ": 2 comptes sans adresse e-mail :" in two
    assert catalog(Lang.EN).t("remind.status.sent", n=1, failed=0) == "sent 1 reminder, 0 failed"
    code, _, err = run_cli("remind", *EXAMPLE, "--as-of", "2026-11-22", "--lang", "fr")
    assert code == 0
    assert "portal-audit : AVERTISSEMENT : " in err and "sans adresse e-mail" in err
    assert "portal-audit : essai à blanc : " in err and "aucun envoyé" in err


def _reminder(due: date) -> Reminder:
    ref = AccountRef("750056780", "viamedis", "jdoe", "Jeanne Doe")
    item = Item(ref, "Viamedis", (), due, Severity.CRITICAL, 0)
    return Reminder(Practice("750056780", "Pharmacie"), Audience.OWNER, "Jeanne", "j@x.fr", (item,))


@pytest.mark.parametrize(
    ("lang", "days", "expected"),
    [
        (Lang.FR, 0, "Mot de passe à changer aujourd'hui : 1 compte de portail"),
        (Lang.EN, 0, "Password to change today: 1 portal account"),
        (Lang.FR, 1, "Mot de passe à changer d'ici demain : 1 compte de portail"),
        (Lang.FR, 7, "Mot de passe à changer avant le 8 décembre 2026 : 1 compte de portail"),
        (Lang.EN, 7, "Password to change by 8 December 2026: 1 portal account"),
    ],
)
def test_a_subject_on_the_deadline_day_says_today(lang: Lang, days: int, expected: str) -> None:
    as_of = date(2026, 12, 1)
    written = draft(catalog(lang), _reminder(as_of.fromordinal(as_of.toordinal() + days)), as_of)
    assert written.subject == expected
    if days == 0:
        assert ("aujourd'hui (critique)" if lang is Lang.FR else "today (critical)") in written.body


def test_history_is_french_under_a_french_locale(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "h.sqlite3")
    run_cli("audit", *EXAMPLE, "--as-of", "2026-11-22", "--history", db, "--format", "json")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    code, out, _ = run_cli("history", "--history", db)
    assert code == 0
    assert "Historique : " in out and "#1  au 22/11/2026" in out
    assert "constats ouverts par exécution (#1) : " in out and "premier audit enregistré" in out
    code, out, _ = run_cli("history", "--history", db, "--lang", "en")
    assert "#1  as of 2026-11-22" in out and "is its first recorded audit" in out
    code, out, _ = run_cli("history", "--history", db, "--format", "json")
    assert '"as_of": "2026-11-22"' in out  # JSON stays as it was
