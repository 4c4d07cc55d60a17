"""The Bitwarden source: JSON exports, plain and password-protected (PBKDF2 and Argon2id)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.i18n import machine_english
from auditor.models import Practice
from auditor.policy import Policy
from auditor.sources import BitwardenInventory, SourceError, SourceOptions, Unlock, open_inventory
from auditor.sources.bwcrypto import stretch
from tests.sources.vaults import bitwarden_login, encrypt_bitwarden

AS_OF = date(2026, 11, 22)


def export() -> dict[str, Any]:
    """An organisation export: a folder and a collection name the practices."""
    return {
        "encrypted": False,
        "folders": [{"id": "f1", "name": "Officines/Pharmacie du Centre 750056780"}],
        "collections": [{"id": "c1", "organizationId": "o", "name": "Optique Lumière 690034566"}],
        "items": [
            bitwarden_login(
                "Viamedis",
                "jdupont",
                "Officine2025!",
                uri="https://www.viamedis.net",
                folder_id="f1",
                fields={"Titulaire": "Jean Dupont", "Courriel": "jean@centre.fr"},
                hidden={"Code PIN": "4242"},
                totp="otpauth://totp/x?secret=JBSWY3DP",
                revised="2025-02-03",
                history=[("Officine2024!", "2025-02-03"), ("Officine2023!", "2024-02-01")],
            ),
            bitwarden_login(
                "Santéclair", "optique", "Lumiere#2019", collections=["c1"], created="2019-05-05"
            ),
            bitwarden_login("Netflix", "jean", "x", uri="https://netflix.com", folder_id="f1"),
            {"id": "n1", "type": 2, "name": "Note", "secureNote": {"type": 0}},
        ],
    }


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "bitwarden_export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def load(path: Path, policy: Policy, password: str = "export-pw", **extra: object):  # type: ignore[no-untyped-def]
    asked: list[Unlock] = []

    def ask(kind: Unlock, file: Path) -> str:
        asked.append(kind)
        return password

    return open_inventory(path, SourceOptions(ask_secret=ask, **extra)).load(policy, AS_OF)  # type: ignore[arg-type]


def check_accounts(result: Any) -> None:
    assert result.problems == ()
    assert result.left_out == 1  # Netflix; the note is not a login
    by_portal = {account.portal: account for account in result.accounts}
    viamedis, santeclair = by_portal["viamedis"], by_portal["santeclair"]
    assert viamedis.practice == Practice("750056780", "Pharmacie du Centre")
    assert viamedis.owner == "Jean Dupont"
    assert viamedis.owner_email == "jean@centre.fr"
    assert viamedis.mfa is True
    assert viamedis.password_changed == date(2025, 2, 3)
    assert viamedis.changed_approximate is False
    assert [old.reveal() for old in viamedis.history] == ["Officine2023!", "Officine2024!"]
    assert viamedis.origin.entry == "Officines/Pharmacie du Centre 750056780/Viamedis"
    assert santeclair.practice == Practice("690034566", "Optique Lumière")
    # Never revised: the password is the item's first, set when it was created.
    assert santeclair.password_changed == date(2019, 5, 5)
    assert santeclair.mfa is None


def test_plain_export(tmp_path: Path, policy: Policy) -> None:
    path = write(tmp_path, export())
    assert isinstance(open_inventory(path), BitwardenInventory)
    check_accounts(load(path, policy))


@pytest.mark.parametrize("kdf", ["pbkdf2", "argon2id"])
def test_password_protected_export(kdf: str, tmp_path: Path, policy: Policy) -> None:
    path = write(tmp_path, encrypt_bitwarden(export(), "export-pw", kdf=kdf))
    check_accounts(load(path, policy))


def test_wrong_password(tmp_path: Path, policy: Policy) -> None:
    path = write(tmp_path, encrypt_bitwarden(export(), "export-pw"))
    with pytest.raises(SourceError, match="wrong export password"):
        load(path, policy, password="guess")


def test_altered_ciphertext_is_refused(tmp_path: Path, policy: Policy) -> None:
    document = encrypt_bitwarden(export(), "export-pw")
    iv, data, mac = document["data"][2:].split("|")
    document["data"] = "2." + "|".join([iv, data[:-8] + "AAAAAAA=", mac])
    with pytest.raises(SourceError, match="wrong export password \\(or the file was altered\\)"):
        load(write(tmp_path, document), policy)


def test_account_restricted_export_is_unsupported(tmp_path: Path, policy: Policy) -> None:
    document = {
        "encrypted": True,
        "encKeyValidation_DO_NOT_EDIT": "2.a|b|c",
        "folders": [],
        "items": [],
    }
    with pytest.raises(
        SourceError, match=r"account-restricted encrypted export.*'Password protected'"
    ):
        load(write(tmp_path, document), policy)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kdfType": 7}, r"unsupported key derivation kdfType \(7;"),
        ({"kdfType": "Hunter2-secret"}, r"unsupported key derivation kdfType \(not 0 or 1;"),
        ({"kdfIterations": 10**9}, "implausible kdfIterations"),
        ({"data": "0.abc|def"}, r"unsupported encryption type \(0;"),
        ({"data": "Hunter2-secret.abc|def"}, r"unsupported encryption type \(not a number;"),
        ({"salt": ""}, "the export has no salt"),
    ],
)
def test_unsupported_or_malformed_encryption(
    change: dict[str, Any], message: str, tmp_path: Path, policy: Policy
) -> None:
    document = encrypt_bitwarden(export(), "export-pw") | change
    with pytest.raises(SourceError, match=message) as raised:
        load(write(tmp_path, document), policy)
    assert "Hunter2" not in str(raised.value)  # a hostile value is never echoed


def test_truncated_or_foreign_json(tmp_path: Path, policy: Policy) -> None:
    path = write(tmp_path, export())
    path.write_text(path.read_text()[:300])
    with pytest.raises(
        SourceError, match=r"not valid JSON \(line 1, column \d+\); a truncated export\?"
    ):
        load(path, policy)
    path.write_text('{"name": "package.json"}')
    with pytest.raises(SourceError, match="not a Bitwarden JSON export"):
        load(path, policy)


def test_stretch_matches_bitwarden_sdk_vector() -> None:
    # bitwarden_crypto's own test of stretch_kdf_key (HKDF-Expand "enc" and "mac").
    key = bytes(
        [
            31,
            79,
            104,
            226,
            150,
            71,
            177,
            90,
            194,
            80,
            172,
            209,
            17,
            129,
            132,
            81,
            138,
            167,
            69,
            167,
            254,
            149,
            2,
            27,
            39,
            197,
            64,
            42,
            22,
            195,
            86,
            75,
        ]
    )
    keys = stretch(key)
    assert list(keys.encryption) == [
        111,
        31,
        178,
        45,
        238,
        152,
        37,
        114,
        143,
        215,
        124,
        83,
        135,
        173,
        195,
        23,
        142,
        134,
        120,
        249,
        61,
        132,
        163,
        182,
        113,
        197,
        189,
        204,
        188,
        21,
        237,
        96,
    ]
    assert list(keys.mac) == [
        221,
        127,
        206,
        234,
        101,
        27,
        202,
        38,
        86,
        52,
        34,
        28,
        78,
        28,
        185,
        16,
        48,
        61,
        127,
        166,
        209,
        247,
        194,
        87,
        232,
        26,
        48,
        85,
        193,
        249,
        179,
        155,
    ]


def test_odd_but_readable_items(tmp_path: Path, policy: Policy) -> None:
    item = bitwarden_login(
        "Viamedis", "a", "Officine2025!", uri="https://viamedis.net", fields={"FINESS": "750056780"}
    )
    item["passwordHistory"] = [
        {"lastUsedDate": "2024-02-01T10:00:00", "password": "Officine2024!"},  # no time zone
        {"lastUsedDate": "2023-02-01T10:00:00Z", "password": "Officine2023!"},
        {"lastUsedDate": None, "password": "Officine2022!"},
        "not an object",
    ]
    item["login"]["passwordRevisionDate"] = None
    broken = {"id": "x", "type": 1, "name": "Almerys", "login": "not an object"}
    result = load(write(tmp_path, {"encrypted": False, "items": [item, broken]}), policy)
    [account] = result.accounts
    assert [old.reveal() for old in account.history] == [
        "Officine2022!",
        "Officine2023!",
        "Officine2024!",
    ]
    assert account.password_changed == date(2024, 2, 1)  # the newest history item's last use
    # A login that is not an object is read as an empty one: its title names a portal.
    found = [(p.entry, machine_english().text(p.reason)) for p in result.problems]
    assert ("Almerys", "the entry has no username") in found
