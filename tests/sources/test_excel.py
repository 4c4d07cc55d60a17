"""The Excel source: workbooks the tests write with openpyxl."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from auditor.i18n import machine_english
from auditor.policy import Policy
from auditor.sources import ExcelInventory, SourceError, open_inventory

english = machine_english().text

AS_OF = date(2026, 11, 22)
FRENCH = [
    "FINESS",
    "Officine",
    "Portail",
    "Identifiant",
    "Titulaire",
    "Mot de passe",
    "Dernier changement",
    "2FA",
]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_french_columns_typed_cells_and_a_dropped_leading_zero(
    tmp_path: Path, policy: Policy
) -> None:
    path = workbook(
        tmp_path / "inventaire.xlsx",
        {
            "Comptes": [
                FRENCH,
                [
                    750056780,
                    "Pharmacie du Centre",
                    "Viamedis",
                    "jdupont",
                    "Jean",
                    "Xk9#mPq2vL!z",
                    datetime(2024, 3, 4),
                    True,
                ],
                # Typed as a number, FINESS 010010007 lost its leading zero.
                [
                    10010007,
                    "Pharmacie de l'Ain",
                    "Almerys",
                    "ain",
                    None,
                    123456,
                    "12/02/2024",
                    "non",
                ],
                [None, None, None, None, None, None, None, None],
            ]
        },
    )
    source = open_inventory(path)
    assert isinstance(source, ExcelInventory)
    result = source.load(policy, AS_OF)
    assert result.problems == ()
    first, second = result.accounts
    assert (first.practice.id, first.portal, first.password_changed, first.mfa) == (
        "750056780",
        "viamedis",
        date(2024, 3, 4),
        True,
    )
    assert first.password is not None
    assert first.password.reveal() == "Xk9#mPq2vL!z"
    assert str(first.origin) == f"{path}:2"
    assert (second.practice.id, second.password_changed, second.mfa) == (
        "010010007",
        date(2024, 2, 12),
        False,
    )
    assert second.password is not None
    assert second.password.reveal() == "123456"


def test_bad_cells_are_problems_with_row_and_column(tmp_path: Path, policy: Policy) -> None:
    path = workbook(
        tmp_path / "inventaire.xlsx",
        {
            "Comptes": [
                FRENCH,
                [750056781, "X", "Viamedis", "a", None, "pw", "31/13/2024", "peut-être"],
            ]
        },
    )
    result = open_inventory(path).load(policy, AS_OF)
    assert result.accounts == ()
    assert {(p.line, p.column) for p in result.problems} == {
        (2, "FINESS"),
        (2, "Dernier changement"),
        (2, "2FA"),
    }


def test_every_sheet_with_the_columns_is_read(tmp_path: Path, policy: Policy) -> None:
    row = [750056780, "Centre", "Viamedis", "a", None, "pw-a-123456", "2024-01-01", "oui"]
    path = workbook(
        tmp_path / "groupe.xlsx",
        {
            "Notes": [["Lisez-moi"], ["rien ici"]],
            "Centre": [FRENCH, row],
            "Lyon": [FRENCH, [690034566, *row[1:3], "b", *row[4:]]],
        },
    )
    result = open_inventory(path).load(policy, AS_OF)
    assert result.problems == ()
    assert [str(a.origin) for a in result.accounts] == [f"{path} (Centre):2", f"{path} (Lyon):2"]


def test_a_workbook_without_the_columns_lists_what_is_missing(
    tmp_path: Path, policy: Policy
) -> None:
    path = workbook(tmp_path / "x.xlsx", {"Feuil1": [["Nom", "Téléphone"], ["a", "b"]]})
    result = open_inventory(path).load(policy, AS_OF)
    assert any("missing column practice_id" in english(p.reason) for p in result.problems)


def test_not_a_workbook(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "faux.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(
        SourceError, match=r"faux.xlsx: not an Excel workbook \(.xlsx\), or a damaged one"
    ):
        open_inventory(path).load(policy, AS_OF)


def test_a_workbook_with_damaged_sheet_xml(tmp_path: Path, policy: Policy) -> None:
    import zipfile

    good = workbook(
        tmp_path / "ok.xlsx",
        {"Comptes": [FRENCH, [750056780, "X", "Viamedis", "a", None, "Secret#Cell1", None, None]]},
    )
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            target.writestr(info, data)
    with pytest.raises(
        SourceError, match=r"damaged.xlsx: not an Excel workbook \(.xlsx\), or a damaged one"
    ) as caught:
        open_inventory(damaged).load(policy, AS_OF)
    assert "Secret" not in str(caught.value)
