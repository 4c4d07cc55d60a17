"""The command line with copies of one login in a vault, and with a sheet that repeats a row."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import responses

from tests.sources.vaults import Login, write_kdbx

CENTRE = "Pharmacie du Centre 750056780"
CURRENT = "Wn5%kRt8!bZq2@Lp"
OLDER = "Tk$7Lp0@e9qWvB3!"
AS_OF = ["--as-of", "2026-11-22", "--format", "json"]
HEADER = "practice_id,practice_name,portal,username,owner,password,password_changed,mfa"
ROW = f"750056780,Pharmacie du Centre,viamedis,jdupont,Jean Dupont,{CURRENT},2025-03-01,oui"


def viamedis(group: str, password: str, changed: str = "2025-03-01", owner: str = "") -> Login:
    # A recorded change date: a vault's modification date never clears an incident.
    fields = {"MFA": "oui", "password_changed": changed} | ({"Titulaire": owner} if owner else {})
    return Login(
        [CENTRE, group],
        "Viamedis",
        "jdupont",
        password,
        url="https://viamedis.net",
        changed=changed,
        fields=fields,
    )


@pytest.fixture
def vault(kdbx_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_AUDIT_KEEPASS_PASSWORD", "master")

    def write(*logins: Login, name: str = "coffre.kdbx") -> Path:
        return write_kdbx(kdbx_template, tmp_path / name, logins)

    return write


def test_same_password_copies_audit_as_one_account_that_names_them(
    run_cli: Any, vault: Any
) -> None:
    path = vault(
        viamedis("Comptoir", CURRENT, owner="comptoir"),
        viamedis("Archive", CURRENT, owner="comptoir"),
    )
    alone = vault(viamedis("Comptoir", CURRENT, owner="comptoir"), name="seul.kdbx")
    base = ["--no-breach-check", "--fail-on", "medium", *AS_OF]
    code, out, err = run_cli("audit", str(path), *base)
    assert (code, err) == (1, "")  # by its findings: the counter as owner (medium)
    document = json.loads(out)
    assert document["skipped_rows"] == []
    [practice] = document["practices"]
    [account] = practice["accounts"]
    assert account["checks"] == ["shared-account"]
    assert account["origin"] == (
        f"{path} [{CENTRE}/Comptoir/Viamedis] (also in: {path} [{CENTRE}/Archive/Viamedis])"
    )
    # The same findings as the vault without the copy.
    code_alone, out_alone, _ = run_cli("audit", str(alone), *base)
    assert code_alone == code
    assert json.loads(out_alone)["practices"][0]["findings"] == practice["findings"]


@responses.activate
def test_copies_with_different_passwords_are_a_finding_and_both_are_looked_up(
    run_cli: Any, vault: Any
) -> None:
    older = hashlib.sha1(OLDER.encode()).hexdigest().upper()
    asked: list[str] = []

    def range_api(request: responses.PreparedRequest) -> tuple[int, dict[str, str], str]:
        prefix = (request.url or "")[-5:]
        asked.append(prefix)
        body = "0" * 35 + ":0\r\n"
        if prefix == older[:5]:
            body += f"{older[5:]}:3\r\n"
        return 200, {}, body

    responses.add_callback(
        responses.GET, re.compile(r"https://hibp\.test/range/.*"), callback=range_api
    )
    path = vault(viamedis("Comptoir", CURRENT), viamedis("Archive", OLDER, "2025-01-15"))
    code, out, err = run_cli("audit", str(path), "--hibp-url", "https://hibp.test", *AS_OF)
    assert code == 1
    assert "problem" not in err
    assert sorted(asked) == sorted(
        {hashlib.sha1(p.encode()).hexdigest().upper()[:5] for p in (CURRENT, OLDER)}
    )
    [practice] = json.loads(out)["practices"]
    [account] = practice["accounts"]
    assert sorted(account["checks"]) == ["breached", "conflicting-entries"]
    found = {finding["check"]: finding for finding in practice["findings"]}
    assert found["conflicting-entries"]["severity"] == "high"
    message = found["conflicting-entries"]["message"]
    assert f"{CENTRE}/Comptoir/Viamedis" in message
    assert f"{CENTRE}/Archive/Viamedis" in message
    assert found["breached"]["message"].startswith(f"in the entry {CENTRE}/Archive/Viamedis: ")
    assert CURRENT not in out
    assert OLDER not in out


def test_a_repeated_sheet_row_is_still_a_row_problem(run_cli: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "inventaire.csv"
    sheet.write_text(f"{HEADER}\n{ROW}\n{ROW}\n")
    code, out, err = run_cli("audit", str(sheet), "--no-breach-check", *AS_OF)
    assert code == 2
    assert out == ""
    assert f"{sheet}:3: -: same practice, portal, username and owner as line 2" in err
