"""``audit --anonymize``: no real name, login, address or practice in anything written or printed."""

from __future__ import annotations

import csv
import html
import importlib.util
import re
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.formats import OutputFormat
from auditor.policy import load_policy
from auditor.text import fold, words
from tests.conftest import EXAMPLE_AUDIT, REPO

RunCli = Callable[..., tuple[int, str, str]]
TEXT_FORMATS = ("json", "markdown", "csv", "junit", "html")
PDF = (
    "pdf" in {f.value for f in OutputFormat}
    and shutil.which("pdftotext") is not None
    and importlib.util.find_spec("weasyprint") is not None
)
"""The PDF is searched too where it can be made and read (the pdf extra and poppler-utils)."""


def _example_values() -> dict[str, set[str]]:
    """Every person, login, address and practice of the example, read from the sheet itself."""
    with (REPO / "examples/inventaire.csv").open(encoding="utf-8-sig", newline="") as sheet:
        rows = list(csv.DictReader(sheet, delimiter=";"))
    generic = load_policy().generic_owners
    owners = {row["Titulaire"] for row in rows if row["Titulaire"]}
    return {
        "owner": {owner for owner in owners if not words(owner, 1) <= generic},
        "generic": {owner for owner in owners if words(owner, 1) <= generic},
        "login": {row["Identifiant"] for row in rows},
        "address": {row["Courriel"] for row in rows if row["Courriel"]},
        "practice": {row["Officine"] for row in rows} | {row["FINESS"] for row in rows},
    }


def _readable(path: Path) -> str:
    """What a reader of the file sees: the PDF's words, entities and Markdown escapes undone."""
    if path.suffix == ".pdf":
        pdf = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, timeout=30
        )
        return pdf.stdout.decode()
    text = html.unescape(path.read_text(encoding="utf-8"))
    return re.sub(r"\\(.)", r"\1", text)


def _leaks(text: str, values: dict[str, set[str]]) -> list[str]:
    shown = fold(text)
    real = values["owner"] | values["login"] | values["address"] | values["practice"]
    return sorted(value for value in real if fold(value) in shown)


def test_the_example_sheet_gives_the_test_something_to_find() -> None:
    values = _example_values()
    assert values["generic"] == {"Comptoir", "Accueil"}  # kept: they name no one
    assert {"Claire Martin", "Marc Petit", "Sophie Durand", "Lucas Bernard"} == values["owner"]
    assert len(values["login"]) == 8
    assert len(values["address"]) == 4
    assert "Pharmacie du Marché" in values["practice"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_file_written_is_anonymised(run_cli: RunCli, tmp_path: Path, lang: str) -> None:
    values = _example_values()
    out = tmp_path / "out"
    chosen = ",".join((*TEXT_FORMATS, *(("pdf",) if PDF else ())))
    code, stdout, _ = run_cli(
        "audit",
        *EXAMPLE_AUDIT,
        "--lang",
        lang,
        "--anonymize",
        "--out",
        str(out),
        "--format",
        chosen,
    )
    assert code == 1
    files = sorted(path for path in out.rglob("*") if path.is_file())
    assert len(files) == 3 * len(chosen.split(","))  # two practices and the summary
    for path in files:
        assert _leaks(str(path.relative_to(out)), values) == [], path  # folders are not FINESS
        assert _leaks(_readable(path), values) == [], path
    person = "Personne 1" if lang == "fr" else "Person 1"
    assert person in (out / "summary.md").read_text(encoding="utf-8")
    assert "Comptoir" in (out / "summary.md").read_text(encoding="utf-8")
    assert _leaks(stdout, values) == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_terminal_report_is_anonymised(run_cli: RunCli, lang: str) -> None:
    code, stdout, stderr = run_cli(
        "audit", *EXAMPLE_AUDIT, "--lang", lang, "--anonymize", "--format", "terminal"
    )
    assert code == 1
    assert "identifiant 1" in stdout if lang == "fr" else "login 1" in stdout
    assert _leaks(stdout, _example_values()) == []
    assert _leaks(stderr, _example_values()) == []


def test_the_map_holds_every_real_value_and_is_private(run_cli: RunCli, tmp_path: Path) -> None:
    mapping = tmp_path / "secret" / "map.csv"
    code, stdout, _ = run_cli(
        "audit", *EXAMPLE_AUDIT, "--anonymize", "--anonymize-map", str(mapping), "--format", "json"
    )
    assert code == 1
    assert stat.S_IMODE(mapping.stat().st_mode) == 0o600
    with mapping.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    real = {row["real"] for row in rows}
    values = _example_values()
    assert values["owner"] | values["login"] | values["address"] | values["practice"] <= real
    assert not values["generic"] & real
    assert {"kind": "person", "pseudonym": "Person 1", "real": "Marc Petit"} in rows
    assert _leaks(stdout, values) == []


def test_without_the_option_no_map_is_written(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, _ = run_cli("audit", *EXAMPLE_AUDIT, "--anonymize", "--out", str(out))
    assert code == 1
    assert not [p for p in tmp_path.rglob("*") if "map" in p.name or p.suffix == ".tmp"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--anonymize", "--out", "{out}", "--anonymize-map", "{out}/map.csv"), "outside --out"),
        (("--anonymize", "--out", "{out}", "--anonymize-map", "{out}/a/map.csv"), "outside --out"),
        (("--anonymize-map", "{out}.csv"), "need --anonymize"),
        (("--anonymize-keep-practices",), "need --anonymize"),
    ],
)
def test_contradictory_options_are_refused_before_the_audit(
    run_cli: RunCli, tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "out"
    given = [option.replace("{out}", str(out)) for option in options]
    code, _, stderr = run_cli("audit", *EXAMPLE_AUDIT, *given)
    assert code == 2
    assert message in stderr
    assert not out.exists()
    assert not (tmp_path / "xdg-data").exists()  # nothing audited, nothing recorded


def test_practices_can_be_kept(run_cli: RunCli) -> None:
    code, stdout, _ = run_cli(
        "audit", *EXAMPLE_AUDIT, "--anonymize", "--anonymize-keep-practices", "--format", "json"
    )
    assert code == 1
    assert "Pharmacie du Marché" in stdout
    assert '"practice_id": "750056780"' in stdout
    assert "Claire Martin" not in stdout


def test_two_runs_write_the_same_bytes(run_cli: RunCli, tmp_path: Path) -> None:
    written = []
    for name in ("one", "two"):
        out = tmp_path / name
        code, _, _ = run_cli(
            "audit",
            *EXAMPLE_AUDIT,
            "--no-history",
            "--anonymize",
            "--out",
            str(out),
            "--lang",
            "fr",
        )
        assert code == 1
        written.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert written[0] == written[1]


def test_the_history_records_the_real_report(run_cli: RunCli) -> None:
    code, _, _ = run_cli("audit", *EXAMPLE_AUDIT, "--anonymize", "--format", "json")
    assert code == 1
    code, stdout, _ = run_cli("audit", *EXAMPLE_AUDIT, "--format", "json")
    assert code == 1
    # Compared with the recorded run, nothing is new: it held the real logins.
    assert '"new": []' in stdout
    assert '"fixed": []' in stdout
    assert "claire.martin" in stdout


def test_remind_does_not_offer_it(run_cli: RunCli) -> None:
    code, _, stderr = run_cli("remind", *EXAMPLE_AUDIT, "--anonymize")
    assert code == 2
    assert "--anonymize" in stderr


def test_vault_entries_and_their_copies_are_anonymised(
    run_cli: RunCli, kdbx_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.sources.vaults import Login, write_kdbx

    monkeypatch.setenv("PORTAL_AUDIT_KEEPASS_PASSWORD", "master")
    practice = "Pharmacie des Tilleuls 750056780"
    fields = {"MFA": "oui", "password_changed": "2025-03-01", "Titulaire": "Bernadette Leroux"}

    def entry(folder: str, password: str) -> Login:
        return Login([practice, folder], "Viamedis", "bleroux", password, fields=fields)

    # Folders named after someone the audit does not list, and copies that disagree.
    vault = write_kdbx(
        kdbx_template,
        tmp_path / "coffre.kdbx",
        [
            entry("Poste de Gaston", "Wn5%kRt8!bZq2@Lp"),
            entry("Archive de Gaston", "Wn5%kRt8!bZq2@Lp"),
            entry("Ancien poste de Gaston", "Tk$7Lp0@e9qWvB3!"),
        ],
    )
    code, stdout, stderr = run_cli(
        "audit",
        str(vault),
        "--no-breach-check",
        "--as-of",
        "2026-11-22",
        "--lang",
        "fr",
        "--anonymize",
        "--format",
        "markdown",
    )
    assert code == 1, stderr
    assert "(entrée 1, entrée 2 et entrée 3)" in stdout  # the conflicting entries, by pseudonym
    shown = fold(html.unescape(re.sub(r"\\(.)", r"\1", stdout)))
    for real in ("Gaston", "Tilleuls", "Bernadette", "Leroux", "bleroux", "750056780"):
        assert fold(real) not in shown, real
