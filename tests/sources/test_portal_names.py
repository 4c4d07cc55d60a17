"""Portals named as people write them: aliases in CSV cells and vault titles, and near misses."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from auditor.i18n import machine_english
from auditor.policy import Policy
from auditor.sources import CsvInventory, SourceOptions, Unlock, open_inventory
from tests.sources.vaults import Login, write_kdbx

english = machine_english().text

AS_OF = date(2026, 11, 22)
HEADER = "practice_id,practice_name,portal,url,username,owner,owner_email,role,password,password_changed,mfa"
ROW = "750056780,Pharmacie du Marché,{portal},,jdupont,Jean Dupont,,user,Wn5%kRt8!bZq2@,2025-06-01,yes"
CENTRE = "Pharmacie du Centre (750056780)"
AUDIT = ["--no-breach-check", "--no-history", "--as-of", "2026-11-22"]


def _unlock(kind: Unlock, path: Path) -> str:
    return "master"


def _load_vault(path: Path, policy: Policy):  # type: ignore[no-untyped-def]
    return open_inventory(path, SourceOptions(ask_secret=_unlock)).load(policy, AS_OF)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Carte Blanche", "cbpec"),
        ("Carte Blanche Partenaires", "cbpec"),
        ("carte-blanche partenaires", "cbpec"),
        ("CARTE BLANCHE PARTENAIRES (CBPEC)", "cbpec"),
        ("CBP", "cbpec"),
        ("CB Partenaires", "cbpec"),
        ("Sante Clair", "santeclair"),
        ("Santé-Clair", "santeclair"),
        ("Harmonie Mutuelle", "harmonie"),
        ("ameli pro", "amelipro"),
        ("SP Sante", "spsante"),
        ("i-Santé", "isante"),
    ],
)
def test_a_csv_portal_cell_takes_aliases(
    cell: str, expected: str, write_csv: Callable[..., Path], policy: Policy
) -> None:
    result = CsvInventory(write_csv(f"{HEADER}\n{ROW.format(portal=cell)}\n")).load(policy, AS_OF)
    assert result.problems == ()
    assert [account.portal for account in result.accounts] == [expected]


def test_carte_blanche_in_the_portal_column_audits_as_cbpec(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    inventory = tmp_path / "inventaire.csv"
    rows = [ROW.format(portal="Carte Blanche"), ROW.format(portal="Carte Blanche Partenaires")]
    rows[1] = rows[1].replace("jdupont", "mdurand").replace("Jean Dupont", "Marie Durand")
    inventory.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run_cli("audit", str(inventory), *AUDIT, "--format", "json")
    assert code != 2, err
    [practice] = json.loads(out)["practices"]
    assert [account["portal"] for account in practice["accounts"]] == ["cbpec", "cbpec"]


def test_a_typo_in_a_csv_cell_is_a_row_problem_that_suggests_the_portal(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    result = CsvInventory(write_csv(f"{HEADER}\n{ROW.format(portal='Carte Blance')}\n")).load(
        policy, AS_OF
    )
    (problem,) = result.problems
    assert problem.column == "portal"
    assert "unknown portal 'Carte Blance' (did you mean 'cbpec'?)" in english(problem.reason)


def test_a_password_shaped_cell_near_a_portal_is_not_quoted(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    cell = "Carte-Blance2025!"
    result = CsvInventory(write_csv(f"{HEADER}\n{ROW.format(portal=cell)}\n")).load(policy, AS_OF)
    (problem,) = result.problems
    assert "Blance" not in english(problem.reason) and "2025" not in english(problem.reason)
    assert "value not shown" in english(problem.reason)


def test_a_vault_entry_titled_carte_blanche_without_address_is_cbpec(
    kdbx_template: Path, tmp_path: Path, policy: Policy
) -> None:
    logins = [
        Login([CENTRE], "Carte Blanche", "cdupont", "Wn5%kRt8!bZq2@"),
        Login([CENTRE], "Sante Clair optique", "sdupont", "Wn5%kRt8!bZq3@"),
        Login([CENTRE], "CarteBlanche Partenaires", "pdupont", "Wn5%kRt8!bZq4@"),
    ]
    result = _load_vault(write_kdbx(kdbx_template, tmp_path / "v.kdbx", logins), policy)
    assert result.problems == ()
    assert result.left_out == 0
    portals = {account.username: account.portal for account in result.accounts}
    assert portals == {"cdupont": "cbpec", "sdupont": "santeclair", "pdupont": "cbpec"}


@pytest.fixture
def near_vault(kdbx_template: Path, tmp_path: Path) -> Path:
    return write_kdbx(
        kdbx_template,
        tmp_path / "coffre.kdbx",
        [
            Login([CENTRE], "Viamedis", "jdupont", "Wn5%kRt8!bZq2@", url="https://viamedis.net"),
            Login([CENTRE], "Carte Blance", "cdupont", "Wn5%kRt8!bZq3@"),
            # A title shaped like a password: reported, never quoted.
            Login([CENTRE], "Almerys2024!x", "adupont", "Wn5%kRt8!bZq4@"),
            Login([CENTRE], "Banque", "bdupont", "Wn5%kRt8!bZq5@"),
        ],
    )


def test_a_near_miss_is_left_out_and_named_in_the_terminal_report(
    run_cli: Callable[..., tuple[int, str, str]], near_vault: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "master.txt"
    secret.write_text("master\n")
    secret.chmod(0o600)
    args = ("audit", str(near_vault), "--keepass-password-file", str(secret), *AUDIT)
    code, out, err = run_cli(*args, "--format", "terminal")
    assert code in (0, 1), err
    text = " ".join(out.split())  # the terminal wraps long lines
    assert "3 password-manager entries matched no portal" in text
    assert "'Carte Blance' looks like Carte Blanche Partenaires (CBPEC)" in text
    assert "1 entry whose title is not shown looks like Almerys" in text
    assert "Almerys2024" not in out + err
    assert "Banque" not in out  # far from every portal: counted, not named

    code, out, err = run_cli(*args, "--format", "json")
    [left] = json.loads(out)["left_out"]
    assert left == {
        "file": str(near_vault),
        "entries": 3,
        "near": [
            {"title": "Carte Blance", "portal": "cbpec"},
            {"title": None, "portal": "almerys"},
        ],
    }
    assert "Almerys2024" not in out + err


def test_near_misses_in_french(
    run_cli: Callable[..., tuple[int, str, str]], near_vault: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "master.txt"
    secret.write_text("master\n")
    secret.chmod(0o600)
    code, out, err = run_cli(
        "audit",
        str(near_vault),
        "--keepass-password-file",
        str(secret),
        *AUDIT,
        "--lang",
        "fr",
        "--format",
        "terminal",
    )
    assert code in (0, 1), err
    text = " ".join(out.split())
    assert "« Carte Blance » ressemble à Carte Blanche Partenaires (CBPEC)" in text
    assert "1 entrée dont le titre n'est pas montré ressemble à Almerys" in text


def test_an_anonymised_report_counts_near_misses_without_their_titles(
    run_cli: Callable[..., tuple[int, str, str]], near_vault: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "master.txt"
    secret.write_text("master\n")
    secret.chmod(0o600)
    args = ("audit", str(near_vault), "--keepass-password-file", str(secret), *AUDIT)
    code, out, err = run_cli(*args, "--anonymize", "--format", "json")
    assert code in (0, 1), err
    [left] = json.loads(out)["left_out"]
    assert left["near"] == [
        {"title": None, "portal": "cbpec"},
        {"title": None, "portal": "almerys"},
    ]
    assert "Blance" not in out
