"""No audited account means no clean run: every inventory file that yields none is an error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.sources.vaults import Login, write_kdbx

Run = Callable[..., tuple[int, str, str]]
AUDIT = ("--no-breach-check", "--no-history", "--as-of", "2026-11-22", "--format", "json")
HEADER = "practice_id,practice_name,portal,username,owner,role,password,password_changed,mfa"
GOOD = (
    "750056780,Pharmacie du Centre,viamedis,jdupont,Jean Dupont,user,Wn5%kRt8!bZq2@,2025-06-01,yes"
)


def audit(run_cli: Run, *paths: Path, skip: bool = False) -> tuple[int, str, str]:
    extra = ("--skip-invalid",) if skip else ()
    return run_cli("audit", *map(str, paths), *AUDIT, *extra)


@pytest.mark.parametrize("skip", [False, True], ids=["strict", "skip-invalid"])
@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("", "the file is empty"),
        (" \n\n", "the file is empty"),
        (";;;\n;;\n", "the file is empty"),
        (HEADER + "\n", "only a header"),
        (HEADER, "only a header"),
        ("practice_id,practice_na", "the header cannot be used"),
        (
            HEADER + "\n750056780,Centre,viamedis,,x,user,p,2025-01-01,maybe\n",
            "every row was invalid",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "separators",
        "header",
        "header-no-newline",
        "cut-header",
        "all-invalid",
    ],
)
def test_a_csv_without_account_is_an_error(
    run_cli: Run, tmp_path: Path, content: str, why: str, skip: bool
) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = audit(run_cli, path, skip=skip)
    assert code == 2
    assert out == ""
    assert f"{path}: no account found ({why}" in err
    assert "Audit complete" not in err


def test_one_file_without_account_fails_the_whole_run(run_cli: Run, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "\n" + GOOD + "\n", encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text(HEADER + "\n", encoding="utf-8")
    code, out, err = audit(run_cli, good, broken, skip=True)
    assert code == 2
    assert out == ""
    assert f"{broken}: no account found (only a header" in err
    assert str(good) + ":" not in err  # the good file is not blamed


def test_an_export_of_non_portal_logins_is_an_error(run_cli: Run, tmp_path: Path) -> None:
    export = tmp_path / "chrome.csv"
    export.write_text(
        "name,url,username,password,note\n"
        "leboncoin.fr,https://www.leboncoin.fr/,jean,Wn5%kRt8!bZq2@,\n"
        "gmail,https://mail.google.com/,jean@gmail.com,Zq8#pLm2!vRt5,\n",
        encoding="utf-8",
    )
    code, _, err = audit(run_cli, export, skip=True)
    assert code == 2
    assert f"{export}: no account found (2 entries match no portal of the policy" in err
    assert "--all-entries" in err


def test_an_export_with_only_its_header_is_an_error(run_cli: Run, tmp_path: Path) -> None:
    export = tmp_path / "chrome.csv"
    export.write_text("name,url,username,password,note\n", encoding="utf-8")
    code, _, err = audit(run_cli, export)
    assert code == 2
    assert f"{export}: no account found (only a header" in err


def test_a_workbook_with_only_a_header_is_an_error(run_cli: Run, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(HEADER.split(","))
    path = tmp_path / "inventaire.xlsx"
    book.save(path)
    code, out, err = audit(run_cli, path, skip=True)
    assert code == 2
    assert out == ""
    assert f"{path}: no account found (only a header" in err


def test_a_vault_of_non_portal_entries_is_an_error(
    run_cli: Run, tmp_path: Path, kdbx_template: Path
) -> None:
    vault = write_kdbx(
        kdbx_template,
        tmp_path / "coffre.kdbx",
        [
            Login(
                ["Perso"],
                "Gmail",
                "jean@gmail.com",
                "Wn5%kRt8!bZq2@",
                url="https://mail.google.com",
            )
        ],
        password="correct horse",
    )
    secret = tmp_path / "master.txt"
    secret.write_text("correct horse\n")
    secret.chmod(0o600)
    code, out, err = run_cli(
        "audit", str(vault), "--keepass-password-file", str(secret), *AUDIT, "--skip-invalid"
    )
    assert code == 2
    assert out == ""
    assert f"{vault}: no account found (1 entry matches no portal of the policy" in err


def test_a_file_with_accounts_still_audits(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(HEADER + "\n" + GOOD + "\n", encoding="utf-8")
    code, out, err = audit(run_cli, path)
    assert code == 0, err
    assert '"practice_id": "750056780"' in out
    assert "no account found" not in err
