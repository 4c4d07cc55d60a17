"""Inventory files that cannot be read, said in French under a French locale.

Each error prints one French line on stderr (a practice map's problems, one line
each) with the same exit code as in English; under ``LANG=C`` the lines are the
English ones, byte for byte, that ``str()`` of the error has always given.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.i18n import Lang, catalog
from auditor.sources import SourceError, open_inventory
from auditor.sources.bwcrypto import CostlyKdfError, Kdf
from auditor.sources.kdbxheader import HeaderError, read_header
from tests.sources.vaults import Login, bitwarden_login, encrypt_bitwarden, write_kdbx

RunCli = Callable[..., tuple[int, str, str]]
AUDIT = ("--no-breach-check", "--no-history", "--as-of", "2026-11-22", "--format", "json")


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


@pytest.fixture
def vault(kdbx_template: Path, tmp_path: Path) -> Path:
    login = Login(["Pharmacie du Centre 750056780"], "Viamedis", "jdupont", "Officine2025!")
    return write_kdbx(kdbx_template, tmp_path / "coffre.kdbx", [login], password="correct horse")


@pytest.fixture
def damaged_export(tmp_path: Path) -> Path:
    document = {"encrypted": False, "items": [bitwarden_login("Almerys", "opt", "Xk9#mPq2vL!zW4")]}
    export = tmp_path / "export.json"
    encrypted = encrypt_bitwarden(document, "export pass")
    encrypted["salt"] = ""
    export.write_text(json.dumps(encrypted))
    return export


@pytest.fixture
def bad_map(tmp_path: Path) -> Path:
    mapping = tmp_path / "map.csv"
    mapping.write_text(
        "match;practice_id\nBoutique;123\n;750056780\nComptoir;750056780\ncomptoir;750056780\n"
    )
    return mapping


def _cases(tmp_path: Path, vault: Path, export: Path, mapping: Path) -> list[tuple[str, ...]]:
    return [
        (str(tmp_path / "absent.csv"),),
        (str(tmp_path / "notes.docx"),),
        (str(vault),),
        (str(export), "--bitwarden-password-file", str(tmp_path / "export.txt")),
        (str(vault), "--practice-map", str(mapping)),
    ]


FRENCH = [
    "portal-audit : erreur : {tmp}/absent.csv : aucun fichier de ce nom",
    (
        "portal-audit : erreur : {tmp}/notes.docx : format d'inventaire non pris en charge '.docx' ;"
        " donnez une feuille CSV ou .xlsx, une base KeePass .kdbx, un export Bitwarden .json ou"
        " l'export CSV d'un gestionnaire de mots de passe"
    ),
    (
        "portal-audit : erreur : {tmp}/coffre.kdbx : mot de passe maître ou fichier clé erroné"
        " (cette base demande-t-elle --keepass-key-file ?)"
    ),
    (
        "portal-audit : erreur : {tmp}/export.json : impossible de déchiffrer l'export :"
        " l'export n'a pas de sel"
    ),
    (
        "portal-audit : erreur : table --practice-map invalide :\n"
        "{tmp}/map.csv:2 : practice_id : un numéro FINESS a 9 caractères : 9 chiffres, ou 2A/2B"
        " suivi de 7 chiffres\n"
        "{tmp}/map.csv:3 : match : vide\n"
        "{tmp}/map.csv:5 : match : 'comptoir' est déjà associé à la ligne 4"
    ),
]
ENGLISH = [
    "portal-audit: error: {tmp}/absent.csv: no such file",
    (
        "portal-audit: error: {tmp}/notes.docx: unsupported inventory format '.docx'; give a CSV or"
        " .xlsx sheet, a KeePass .kdbx, a Bitwarden .json, or a password manager's CSV export"
    ),
    (
        "portal-audit: error: {tmp}/coffre.kdbx: wrong master password or key file"
        " (does this database need --keepass-key-file?)"
    ),
    "portal-audit: error: {tmp}/export.json: cannot decrypt the export: the export has no salt",
    (
        "portal-audit: error: bad practice map:\n"
        "{tmp}/map.csv:2: practice_id: FINESS must be 9 characters: 9 digits, or 2A/2B followed by"
        " 7 digits\n"
        "{tmp}/map.csv:3: match: empty\n"
        "{tmp}/map.csv:5: match: 'comptoir' is already mapped on line 4"
    ),
]


@pytest.mark.parametrize(("lang", "expected"), [("fr", FRENCH), ("en", ENGLISH)])
def test_unreadable_inventories_are_said_in_the_locale_s_language(
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    vault: Path,
    damaged_export: Path,
    bad_map: Path,
    lang: str,
    expected: list[str],
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8" if lang == "fr" else "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("PORTAL_AUDIT_KEEPASS_PASSWORD", "wrong")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    secret = tmp_path / "export.txt"
    secret.write_text("export pass\n")
    secret.chmod(0o600)
    cases = _cases(tmp_path, vault, damaged_export, bad_map)
    for args, line in zip(cases, expected, strict=True):
        code, out, err = run_cli("audit", *args, *AUDIT)
        assert (code, out) == (2, ""), err
        assert err == line.format(tmp=tmp_path) + "\n"


def test_str_of_a_source_error_stays_english(tmp_path: Path) -> None:
    (tmp_path / "sheet.ods").write_bytes(b"PK")
    with pytest.raises(SourceError) as raised:
        open_inventory(tmp_path / "sheet.ods")
    assert (
        str(raised.value) == f"{tmp_path}/sheet.ods: a LibreOffice sheet: save it as .xlsx or CSV"
    )
    said = raised.value.phrase
    assert said is not None
    assert catalog(Lang.FR).text(said) == (  # type: ignore[arg-type]
        f"{tmp_path}/sheet.ods : une feuille LibreOffice : enregistrez-la en .xlsx ou en CSV"
    )


def test_a_costly_bitwarden_kdf_is_said_in_french() -> None:
    with pytest.raises(CostlyKdfError) as raised:
        Kdf.of({"kdfType": 0, "kdfIterations": 5_000_000})
    assert str(raised.value) == "5,000,000 PBKDF2 iterations (kdfIterations; limit 2,000,000)"
    said = raised.value.phrase
    assert catalog(Lang.FR).text(said) == (  # type: ignore[arg-type]
        "5\u202f000\u202f000 itérations PBKDF2 (kdfIterations ; limite 2\u202f000\u202f000)"
    )


def test_a_damaged_keepass_header_is_said_in_french(tmp_path: Path) -> None:
    import io

    with pytest.raises(HeaderError) as raised:
        read_header(io.BytesIO(b"not a vault at all"))
    assert str(raised.value) == "not a KeePass database"
    assert catalog(Lang.FR).text(raised.value.phrase) == "ce n'est pas une base KeePass"


@pytest.mark.usefixtures("french")
def test_a_keepass_1_file_is_said_in_french(run_cli: RunCli, tmp_path: Path) -> None:
    old = tmp_path / "ancien.kdbx"
    old.write_bytes(b"\x03\xd9\xa2\x9a\x65\xfb\x4b\xb5" + bytes(200))
    code, _, err = run_cli("audit", str(old), *AUDIT)
    assert code == 2
    assert err == (
        f"portal-audit : erreur : {old} : une base KeePass 1 (.kdb) ; ouvrez-la dans KeePass 2 "
        "ou KeePassXC et enregistrez-la en .kdbx\n"
    )


@pytest.mark.usefixtures("english")
def test_english_lines_are_unchanged_for_a_keepass_1_file(run_cli: RunCli, tmp_path: Path) -> None:
    old = tmp_path / "ancien.kdbx"
    old.write_bytes(b"\x03\xd9\xa2\x9a\x65\xfb\x4b\xb5" + bytes(200))
    code, _, err = run_cli("audit", str(old), *AUDIT)
    assert code == 2
    assert err == (
        f"portal-audit: error: {old}: a KeePass 1 (.kdb) database; open it in KeePass 2 or "
        "KeePassXC and save it as .kdbx\n"
    )
