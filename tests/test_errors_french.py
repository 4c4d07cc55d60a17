"""The errors of the breach corpus, the history, report writing, PDF, SMTP and FINESS, in French.

Under a French locale each prints one French line on stderr, with the same exit code;
``str()`` of the error stays the English that logs and older tests read.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.finess import FinessFault, finess_fault, finess_problem
from auditor.i18n import Lang, catalog, machine_english
from auditor.i18n.phrase import phrase
from tests.conftest import EXAMPLE_AUDIT, loopback_send
from tests.remind.test_send_hostile import Relay, relay

__all__ = ["relay"]  # the loopback relay fixture, shared with the hostile-relay tests

RunCli = Callable[..., tuple[int, str, str]]
INVENTORY = "examples/inventaire.csv"


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")


@pytest.mark.usefixtures("french")
def test_a_damaged_corpus_is_said_in_french(run_cli: RunCli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("garbage\n")
    code, _, err = run_cli(
        "audit", INVENTORY, "--hibp-offline", str(corpus), "--no-history", "--format", "json"
    )
    assert code == 2
    assert err == (
        f"portal-audit : erreur : {corpus} : la ligne 1 n'est pas de la forme HASH:COUNT avec "
        "40 chiffres hexadécimaux en majuscules ; le fichier SHA-1 de Pwned Passwords est "
        "attendu\n"
    )


@pytest.mark.usefixtures("french")
def test_a_cut_corpus_is_said_incomplete_in_french(run_cli: RunCli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("000004037DB680E362DFCF37889B7AC62F40CA54:1992\n")
    code, _, err = run_cli(
        "audit", INVENTORY, "--hibp-offline", str(corpus), "--no-history", "--format", "json"
    )
    assert code == 2
    assert "le téléchargement semble incomplet" in err, err
    assert "download" not in err


@pytest.mark.usefixtures("french")
def test_an_empty_corpus_is_said_in_french(run_cli: RunCli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, _, err = run_cli("audit", INVENTORY, "--hibp-offline", str(empty), "--no-history")
    assert (code, err) == (2, f"portal-audit : erreur : {empty} : le corpus est vide\n")


@pytest.mark.usefixtures("french")
def test_a_damaged_history_is_said_in_french(run_cli: RunCli, tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    code, _, err = run_cli("audit", *EXAMPLE_AUDIT, "--history", str(database), "--format", "json")
    assert code in (0, 1, 3), err
    with sqlite3.connect(database, isolation_level=None) as db:
        db.execute("DROP TABLE runs")
    code, _, err = run_cli("history", "--history", str(database))
    assert code == 2
    assert err.startswith(
        f"portal-audit : erreur : {database} : la base d'historique est endommagée ("
    ), err
    assert err.endswith("mettez-la de côté ou passez --no-history\n"), err


@pytest.mark.usefixtures("french")
def test_an_unwritable_out_is_said_in_french(run_cli: RunCli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = blocker / "reports"
    code, _, err = run_cli(
        "audit", INVENTORY, "--no-breach-check", "--no-history", "--out", str(out)
    )
    assert code == 2
    assert err == (
        f"portal-audit : erreur : {out} : impossible d'écrire le rapport : "
        "ce n'est pas un dossier\n"
    )


@pytest.mark.usefixtures("french")
def test_a_missing_pdf_library_is_said_in_french(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now fails
    code, _, err = run_cli(
        "audit", INVENTORY, "--no-breach-check", "--no-history", "--out", str(tmp_path / "r"),
        "--format", "pdf",
    )  # fmt: skip
    assert code == 2
    assert err == (
        "portal-audit : erreur : le PDF demande l'extra pdf : pip install "
        "'portal-auditor[pdf]' (et la bibliothèque Pango : apt install libpango-1.0-0 "
        "libpangoft2-1.0-0)\n"
    )


@pytest.mark.usefixtures("french")
def test_a_refused_recipient_is_said_in_french(
    run_cli: RunCli, relay: Callable[..., Relay], tmp_path: Path
) -> None:
    refused = "claire.martin@pharmacie-du-marche.fr"
    server = relay(refuse={refused: "550 5.1.1 no such user"})
    code, _, err = run_cli(
        "remind", *EXAMPLE_AUDIT, "--policy", "examples/politique.toml",
        "--history", str(tmp_path / "h.sqlite3"), *loopback_send(server.port),
    )  # fmt: skip
    assert code == 3, err
    assert f"non envoyé à {refused} : refusé : SMTPRecipientsRefused 550" in err, err
    assert "not sent" not in err and "refused:" not in err


@pytest.mark.usefixtures("french")
def test_an_unreachable_relay_is_said_in_french(
    run_cli: RunCli, relay: Callable[..., Relay], tmp_path: Path
) -> None:
    server = relay(greeting="554 5.7.1 go away")
    code, _, err = run_cli(
        "remind", *EXAMPLE_AUDIT, "--no-history", *loopback_send(server.port),
    )  # fmt: skip
    assert code == 2, err
    assert err.endswith(
        "portal-audit : erreur : impossible de joindre le relais SMTP "
        f"127.0.0.1:{server.port} (none) : SMTPConnectError 554\n"
    ), err


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("750012345", FinessFault.CHECK_DIGIT),
        ("75001234", FinessFault.EIGHT_DIGITS),
        ("75-001", FinessFault.SHAPE),
        ("2A0000000", None),
        ("750012346", None),
    ],
)
def test_finess_fault_names_the_catalogue_words_of_finess_problem(
    value: str, fault: FinessFault | None
) -> None:
    assert finess_fault(value) is fault
    if fault is None:
        assert finess_problem(value) is None
    else:
        assert machine_english().text(phrase(fault.value)) == finess_problem(value)
        assert "FINESS" in catalog(Lang.FR).text(phrase(fault.value))


def test_the_english_lines_are_unchanged(run_cli: RunCli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("garbage\n")
    code, _, err = run_cli("audit", INVENTORY, "--hibp-offline", str(corpus), "--no-history")
    assert (code, err) == (
        2,
        (
            f"portal-audit: error: {corpus}: line 1 is not HASH:COUNT with 40 upper-case hex "
            "digits; expected the Pwned Passwords SHA-1 file\n"
        ),
    )
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = blocker / "reports"
    code, _, err = run_cli(
        "audit", INVENTORY, "--no-breach-check", "--no-history", "--out", str(out)
    )
    assert (code, err) == (2, f"portal-audit: error: {out}: cannot write report: Not a directory\n")
