from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from auditor.i18n import machine_english
from auditor.models import Role
from auditor.policy import Policy
from auditor.sources import CsvInventory, LoadResult, SourceError, open_inventory

english = machine_english().text

AS_OF = date(2026, 11, 22)
HEADER = "practice_id,practice_name,portal,url,username,owner,owner_email,role,password,password_changed,mfa"
ROW = "750056780,Pharmacie du Marché,viamedis,,jdupont,Jean Dupont,j.dupont@example.fr,admin,S3cret!pass,2024-02-12,yes"


def load(path: Path, policy: Policy) -> LoadResult:
    return CsvInventory(path).load(policy, AS_OF)


def test_canonical_columns(write_csv: Callable[..., Path], policy: Policy) -> None:
    result = load(write_csv(f"{HEADER}\n{ROW}\n"), policy)
    assert result.problems == ()
    (account,) = result.accounts
    assert account.practice.id == "750056780"
    assert account.practice.name == "Pharmacie du Marché"
    assert (account.portal, account.username, account.owner) == (
        "viamedis",
        "jdupont",
        "Jean Dupont",
    )
    assert account.owner_email == "j.dupont@example.fr"
    assert account.role is Role.ADMIN
    assert account.password_changed == date(2024, 2, 12)
    assert account.mfa is True
    assert account.password is not None and account.password.reveal() == "S3cret!pass"
    assert str(account.origin).endswith("inventory.csv:2")


@pytest.mark.parametrize(
    "header",
    [
        "FINESS;Officine;Portail;Adresse;Identifiant;Titulaire;Courriel;Rôle;Mot de passe;Dernier changement;Double authentification",
        "finess;ETABLISSEMENT;PORTAIL;adresse;LOGIN;Utilisateur;email;role;MOT_DE_PASSE;date_changement;2FA",
        "Finess;Magasin;portail;Adresse;identifiant;titulaire;e-mail;Role;mot-de-passe;Date Changement;MFA",
    ],
)
def test_french_headers_any_case_accent_space_underscore(
    header: str, write_csv: Callable[..., Path], policy: Policy
) -> None:
    row = "750056780;Pharmacie du Marché;Almerys;;jdupont;Jean Dupont;j@example.fr;administrateur;pw;12/02/2024;oui"
    result = load(write_csv(f"{header}\n{row}\n"), policy)
    assert result.problems == ()
    (account,) = result.accounts
    assert account.portal == "almerys"
    assert account.role is Role.ADMIN
    assert account.password_changed == date(2024, 2, 12)
    assert account.mfa is True
    assert account.owner == "Jean Dupont"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(
    delimiter: str, write_csv: Callable[..., Path], policy: Policy
) -> None:
    text = "\n".join(line.replace(",", delimiter) for line in (HEADER, ROW)) + "\n"
    assert len(load(write_csv(text), policy).accounts) == 1


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b"")],
)
def test_encodings(
    encoding: str, prefix: bytes, write_csv: Callable[..., Path], policy: Policy
) -> None:
    text = f"{HEADER}\n{ROW.replace('jdupont', 'jérôme')}\n"
    result = load(write_csv(prefix + text.encode(encoding)), policy)
    assert result.problems == ()
    assert result.accounts[0].username == "jérôme"
    assert result.accounts[0].practice.name == "Pharmacie du Marché"


def test_undecodable_file_is_a_source_error(write_csv: Callable[..., Path], policy: Policy) -> None:
    with pytest.raises(SourceError, match="cannot decode"):
        load(write_csv(f"{HEADER}\n".encode() + b"\x81\x8d\x90\n"), policy)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-02-12", date(2024, 2, 12)),
        ("12/02/2024", date(2024, 2, 12)),
        ("1/2/2024", date(2024, 2, 1)),
        ("12.02.2024", date(2024, 2, 12)),
        ("2024-02-12 00:00:00", date(2024, 2, 12)),
        ("", None),
    ],
)
def test_dates(
    cell: str, expected: date | None, write_csv: Callable[..., Path], policy: Policy
) -> None:
    result = load(write_csv(f"{HEADER}\n{ROW.replace('2024-02-12', cell)}\n"), policy)
    assert result.problems == ()
    assert result.accounts[0].password_changed == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True),
        ("Oui", True),
        ("TRUE", True),
        ("1", True),
        ("no", False),
        ("NON", False),
        ("false", False),
        ("0", False),
        ("", None),
    ],
)
def test_booleans(
    cell: str, expected: bool | None, write_csv: Callable[..., Path], policy: Policy
) -> None:
    result = load(write_csv(f"{HEADER}\n{ROW[: ROW.rindex(',') + 1]}{cell}\n"), policy)
    assert result.problems == ()
    assert result.accounts[0].mfa is expected


@pytest.mark.parametrize(
    ("portal", "url", "expected"),
    [
        ("viamedis", "", "viamedis"),
        ("SANTÉCLAIR", "", "santeclair"),
        ("Santeclair", "", "santeclair"),
        ("Carte Blanche Partenaires (CBPEC)", "", "cbpec"),
        ("https://pro.be-almerys.com/login", "", "almerys"),
        ("", "https://www.kalixia.fr/espace-pro", "kalixia"),
        ("", "espacepro.ameli.fr", "amelipro"),
    ],
)
def test_portal_by_id_name_or_url(
    portal: str, url: str, expected: str, write_csv: Callable[..., Path], policy: Policy
) -> None:
    row = (
        f"750056780,Pharmacie du Marché,{portal},{url},jdupont,Jean Dupont,,user,pw,2024-02-12,yes"
    )
    result = load(write_csv(f"{HEADER}\n{row}\n"), policy)
    assert result.problems == ()
    assert result.accounts[0].portal == expected


def test_unknown_portal_suggests_and_explains(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    result = load(write_csv(f"{HEADER}\n{ROW.replace('viamedis', 'viamedi')}\n"), policy)
    (problem,) = result.problems
    assert problem.line == 2
    assert problem.column == "portal"
    assert "did you mean 'viamedis'" in english(problem.reason)
    assert "--policy" in english(problem.reason) and "[[portal]]" in english(problem.reason)


def test_url_that_contradicts_the_portal(write_csv: Callable[..., Path], policy: Policy) -> None:
    row = ROW.replace("viamedis,", "viamedis,https://www.almerys.com/", 1)
    (problem,) = load(write_csv(f"{HEADER}\n{row}\n"), policy).problems
    assert problem.column == "url"
    assert "almerys" in english(problem.reason)


def test_portal_from_an_unknown_url(write_csv: Callable[..., Path], policy: Policy) -> None:
    row = ROW.replace("viamedis,", ",https://example.org/", 1)
    (problem,) = load(write_csv(f"{HEADER}\n{row}\n"), policy).problems
    assert problem.column == "url"
    assert "no known portal" in english(problem.reason)


def test_every_problem_of_every_row_at_once(write_csv: Callable[..., Path], policy: Policy) -> None:
    rows = [
        ROW,
        ROW.replace("750056780", "75005678"),  # Excel dropped a zero
        ROW.replace("750056780", "750056781").replace("2024-02-12", "31/02/2024"),
        ROW.replace("yes", "maybe").replace("admin", "boss").replace("j.dupont@example.fr", "nope"),
        ROW.replace("jdupont", ""),
    ]
    result = load(write_csv(HEADER + "\n" + "\n".join(rows) + "\n"), policy)
    found = {(p.line, p.column) for p in result.problems}
    assert found == {
        (3, "practice_id"),
        (4, "practice_id"),
        (4, "password_changed"),
        (5, "mfa"),
        (5, "role"),
        (5, "owner_email"),
        (6, "username"),
    }
    assert len(result.accounts) == 1
    text = [str(p) for p in result.problems]
    assert any("leading zero" in line for line in text)
    assert all(line.startswith(str(result.problems[0].path)) for line in text)


def test_problem_format_is_file_line_column_reason(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    path = write_csv(f"{HEADER}\n{ROW.replace('yes', 'maybe')}\n")
    (problem,) = load(path, policy).problems
    assert str(problem) == f"{path}:2: mfa: expected yes/no, oui/non, true/false or 1/0"


def test_misaligned_row_never_quotes_its_cells(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    row = ROW.replace("S3cret!pass", "Secret,Split")
    (problem,) = load(write_csv(f"{HEADER}\n{row}\n"), policy).problems
    assert problem.column == "-"
    assert "expected 11 fields, found 12" in english(problem.reason)
    assert "Secret" not in str(problem) and "Split" not in str(problem)


def test_trailing_empty_cells_from_excel_are_fine(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    assert load(write_csv(f"{HEADER}\n{ROW},,,\n"), policy).problems == ()


def test_quoted_multiline_cells_keep_line_numbers(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    multiline = ROW.replace("Jean Dupont", '"Jean\nDupont"')
    bad = ROW.replace("yes", "maybe")
    result = load(write_csv(f"{HEADER}\n{multiline}\n{bad}\n"), policy)
    assert [p.line for p in result.problems] == [4]


def test_blank_rows_are_not_accounts(write_csv: Callable[..., Path], policy: Policy) -> None:
    result = load(write_csv(f"{HEADER}\n\n{ROW}\n,,,,,,,,,,\n"), policy)
    assert result.problems == () and len(result.accounts) == 1


def test_future_change_date_is_an_error(write_csv: Callable[..., Path], policy: Policy) -> None:
    (problem,) = load(
        write_csv(f"{HEADER}\n{ROW.replace('2024-02-12', '2027-01-01')}\n"), policy
    ).problems
    assert "after the audit date" in english(problem.reason)


def test_duplicate_rows_are_reported(write_csv: Callable[..., Path], policy: Policy) -> None:
    (problem,) = load(write_csv(f"{HEADER}\n{ROW}\n{ROW}\n"), policy).problems
    assert problem.line == 3
    assert "same practice, portal, username and owner as line 2" in english(problem.reason)


def test_logins_that_differ_by_a_dot_are_two_accounts(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    result = load(write_csv(f"{HEADER}\n{ROW}\n{ROW.replace('jdupont', 'j.dupont')}\n"), policy)
    assert result.problems == ()
    assert [a.username for a in result.accounts] == ["jdupont", "j.dupont"]


def test_passwords_are_kept_exactly_and_empty_means_not_recorded(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    rows = [
        ROW.replace("S3cret!pass", '" spaced pass "'),
        ROW.replace("S3cret!pass", "").replace("jdupont", "other"),
    ]
    accounts = load(write_csv(HEADER + "\n" + "\n".join(rows) + "\n"), policy).accounts
    assert accounts[0].password is not None and accounts[0].password.reveal() == " spaced pass "
    assert accounts[1].password is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("just one column\n", "separator"),
        ("practice_id,portal,password\n", "missing column username"),
        ("practice_id,username,password\n", "missing column portal"),
        ("finess,identifiant,portail,portal\n", "second column for portal"),
    ],
)
def test_file_level_problems(
    text: str, expected: str, write_csv: Callable[..., Path], policy: Policy
) -> None:
    (problem,) = load(write_csv(text), policy).problems
    assert problem.line == 1
    assert expected in english(problem.reason)


def test_open_inventory_rejects_unknown_formats(tmp_path: Path) -> None:
    (tmp_path / "vault.pdf").write_bytes(b"x")
    with pytest.raises(SourceError, match=r"unsupported inventory format '\.pdf'"):
        open_inventory(tmp_path / "vault.pdf")
    (tmp_path / "old.xls").write_bytes(b"x")
    with pytest.raises(SourceError, match=r"old.xls: an Excel 97-2003 workbook: save it as .xlsx"):
        open_inventory(tmp_path / "old.xls")
    with pytest.raises(SourceError, match="no such file"):
        open_inventory(tmp_path / "missing.csv")
