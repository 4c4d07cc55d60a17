"""Browser and password-manager CSV exports, recognised by their header line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from auditor.i18n import machine_english
from auditor.models import Practice
from auditor.policy import Policy
from auditor.sources import CsvInventory, ManagerExport, PracticeRule, SourceOptions, open_inventory

english = machine_english().text

AS_OF = date(2026, 11, 22)
CENTRE = Practice("750056780", "")
FIREFOX_CHANGED = int(datetime(2024, 3, 4, 12, tzinfo=UTC).timestamp() * 1000)

# One export per product, as each writes it: a Viamedis login, and a site that is no portal.
EXPORTS = {
    "Chrome or Edge": (
        "name,url,username,password,note\n"
        "viamedis.net,https://www.viamedis.net/,jdupont,Chrome#Pass1,\n"
        "leboncoin.fr,https://www.leboncoin.fr/,jean,x,\n"
    ),
    "Firefox": (
        '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated","timeLastUsed","timePasswordChanged"\n'
        f'"https://www.viamedis.net","jdupont","Firefox#Pass1",,"https://www.viamedis.net","{{a}}","1","2","{FIREFOX_CHANGED}"\n'
        '"https://www.leboncoin.fr","jean","x",,"","{b}","1","2","3"\n'
    ),
    "Safari": (
        "Title,URL,Username,Password,Notes,OTPAuth\n"
        "Viamedis,https://www.viamedis.net/,jdupont,Safari#Pass1,,otpauth://totp/v?secret=ABC\n"
        "Leboncoin,https://www.leboncoin.fr/,jean,x,,\n"
    ),
    "Dashlane": (
        "username,username2,username3,title,password,note,url,category,otpSecret\n"
        "jdupont,,,Viamedis,Dashlane#Pass1,,https://www.viamedis.net,Pharmacie 750056780,SECRET\n"
        "jean,,,Leboncoin,x,,https://www.leboncoin.fr,Perso,\n"
    ),
    "1Password": (
        "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n"
        "Viamedis,https://www.viamedis.net,jdupont,OnePass#Pass1,,false,false,Officine,\n"
        "Leboncoin,https://www.leboncoin.fr,jean,x,,false,false,,\n"
    ),
    "KeePassXC": (
        '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"\n'
        '"Root/Pharmacie du Centre 750056780","Viamedis","jdupont","Kpxc#Pass1","https://www.viamedis.net","","otpauth://totp/x","0","2024-03-04T12:00:00Z","2020-01-01T00:00:00Z"\n'
        '"Root/Perso","Leboncoin","jean","x","https://www.leboncoin.fr","","","0","2024-03-04T12:00:00Z","2020-01-01T00:00:00Z"\n'
    ),
    "Bitwarden (CSV)": (
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n"
        'Pharmacie,,login,Viamedis,,"FINESS: 750056780\nTitulaire: Jean Dupont",0,https://www.viamedis.net,jdupont,Bw#Pass1,\n'
        ",,note,Carte,,,0,,,,\n"
        ",,login,Leboncoin,,,0,https://www.leboncoin.fr,jean,x,\n"
    ),
}


@pytest.mark.parametrize("product", EXPORTS)
def test_each_export_is_recognised_and_read(product: str, tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORTS[product], encoding="utf-8")
    source = open_inventory(path, SourceOptions(practice=CENTRE))
    assert isinstance(source, ManagerExport)
    assert source.layout.product == product
    result = source.load(policy, AS_OF)
    assert result.problems == ()
    assert result.left_out == 1
    [account] = result.accounts
    assert (account.practice.id, account.portal, account.username) == (
        "750056780",
        "viamedis",
        "jdupont",
    )
    assert account.password is not None
    assert account.password.reveal().endswith("#Pass1")
    assert account.origin.line == 2
    expected_mfa = True if product in {"Safari", "Dashlane", "KeePassXC"} else None
    assert account.mfa is expected_mfa
    if product == "Firefox":
        assert (account.password_changed, account.changed_approximate) == (date(2024, 3, 4), False)
    elif product == "KeePassXC":
        assert (account.password_changed, account.changed_approximate) == (date(2024, 3, 4), True)
    else:
        assert account.password_changed is None
    if product == "Bitwarden (CSV)":
        assert account.owner == "Jean Dupont"


def test_practice_from_the_export_itself_without_option(tmp_path: Path, policy: Policy) -> None:
    for product in ("KeePassXC", "Dashlane", "Bitwarden (CSV)"):
        path = tmp_path / "export.csv"
        path.write_text(EXPORTS[product], encoding="utf-8")
        result = open_inventory(path).load(policy, AS_OF)
        assert [a.practice.id for a in result.accounts] == ["750056780"], product


def test_practice_map_by_file_name_or_tag(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "chrome-centre.csv"
    path.write_text(EXPORTS["Chrome or Edge"], encoding="utf-8")
    without = open_inventory(path).load(policy, AS_OF)
    assert without.accounts == ()
    assert [(p.line, p.column) for p in without.problems] == [(2, "-")]
    assert "--practice-map" in english(without.problems[0].reason)
    rule = PracticeRule("chromecentre", Practice("750056780", "Pharmacie du Centre"))
    result = open_inventory(path, SourceOptions(practice_map=(rule,))).load(policy, AS_OF)
    assert [a.practice for a in result.accounts] == [rule.practice]
    onepass = tmp_path / "1password.csv"
    onepass.write_text(EXPORTS["1Password"], encoding="utf-8")
    tag = PracticeRule("officine", Practice("690034566", "Optique"))
    result = open_inventory(onepass, SourceOptions(practice_map=(tag,))).load(policy, AS_OF)
    assert [a.practice.id for a in result.accounts] == ["690034566"]


def test_a_canonical_inventory_is_not_taken_for_an_export(
    tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    path = write_csv("finess,name,url,username,password\n750056780,x,https://viamedis.net,a,b\n")
    assert isinstance(open_inventory(path), CsvInventory)


def test_misaligned_rows_are_problems_without_their_cells(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "chrome.csv"
    path.write_text("name,url,username,password\nviamedis.net,https://viamedis.net,Secret#Cell1\n")
    result = open_inventory(path, SourceOptions(practice=CENTRE)).load(policy, AS_OF)
    [problem] = result.problems
    assert (problem.line, english(problem.reason)) == (2, "expected 4 fields, found 3")
    assert "Secret" not in str(problem)
