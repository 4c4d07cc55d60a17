"""The KeePass source: databases the tests write with pykeepass, in KDBX 3 and 4."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from auditor.i18n import machine_english
from auditor.models import Practice, Role
from auditor.policy import Policy
from auditor.sources import KeePassInventory, SourceError, SourceOptions, Unlock, open_inventory
from tests.sources.vaults import Login, write_kdbx

english = machine_english().text

AS_OF = date(2026, 11, 22)
CENTRE = "Pharmacie du Centre (750056780)"


def options(password: str = "master", **extra: object) -> SourceOptions:
    def ask(kind: Unlock, path: Path) -> str:
        assert kind is Unlock.KEEPASS
        return password

    return SourceOptions(ask_secret=ask, **extra)  # type: ignore[arg-type]


def load(path: Path, policy: Policy, **extra: object):  # type: ignore[no-untyped-def]
    return open_inventory(path, options(**extra)).load(policy, AS_OF)


VIAMEDIS = Login(
    ["Officines", CENTRE],
    "Viamedis comptoir",
    "jdupont",
    "Officine2025!",
    url="https://www.viamedis.net/pro",
    history=[("Officine2023!", "2023-02-01"), ("Officine2024!", "2024-02-01")],
    changed="2025-02-03",
    fields={"Titulaire": "Jean Dupont", "Rôle": "admin"},
    otp="otpauth://totp/viamedis?secret=JBSWY3DPEHPK3PXP",
    expires="2026-12-01",
)


@pytest.mark.parametrize("version", [3, 4])
def test_reads_entries_with_history_totp_expiry_and_fields(
    version: int, kdbx_template: Path, tmp_path: Path, policy: Policy
) -> None:
    almerys = Login(["Officines", CENTRE], "Almerys", "centre.almerys", "Xk9#mPq2vL!z")
    gmail = Login(
        ["Personnel"], "Gmail", "jean@gmail.com", "whatever", url="https://mail.google.com"
    )
    path = write_kdbx(
        kdbx_template,
        tmp_path / "coffre.kdbx",
        [VIAMEDIS, almerys, gmail],
        version=version,
        trashed=[Login([CENTRE], "Kalixia", "old", "gone", url="https://kalixia.fr")],
    )
    source = open_inventory(path, options())
    assert isinstance(source, KeePassInventory)
    result = source.load(policy, AS_OF)
    assert result.problems == ()
    assert result.left_out == 1  # Gmail; the trashed Kalixia entry is not counted
    by_portal = {account.portal: account for account in result.accounts}
    assert set(by_portal) == {"viamedis", "almerys"}
    viamedis = by_portal["viamedis"]
    assert viamedis.practice == Practice("750056780", "Pharmacie du Centre")
    assert viamedis.username == "jdupont"
    assert viamedis.owner == "Jean Dupont"
    assert viamedis.role is Role.ADMIN
    assert viamedis.mfa is True
    # The newest snapshot with another password was taken before the edit of 2025-02-03.
    assert viamedis.password_changed == date(2025, 2, 3)
    assert viamedis.changed_approximate is False
    assert viamedis.expires == date(2026, 12, 1)
    assert viamedis.origin.entry == f"Officines/{CENTRE}/Viamedis comptoir"
    assert str(viamedis.origin) == f"{path} [Officines/{CENTRE}/Viamedis comptoir]"
    assert viamedis.password is not None
    assert viamedis.password.reveal() == "Officine2025!"
    assert [old.reveal() for old in viamedis.history] == ["Officine2023!", "Officine2024!"]
    # No history: the entry's modification day, marked approximate; no TOTP: MFA unknown.
    assert by_portal["almerys"].password_changed == date(2025, 3, 1)
    assert by_portal["almerys"].changed_approximate is True
    assert by_portal["almerys"].mfa is None


def test_history_snapshots_of_other_edits_do_not_move_the_change_date(
    kdbx_template: Path, tmp_path: Path, policy: Policy
) -> None:
    # Password set on 2024-05-01, then the entry was edited (URL, notes) twice.
    login = Login(
        [CENTRE],
        "Viamedis",
        "jdupont",
        "Current#Pass9",
        url="https://viamedis.net",
        history=[
            ("Older#Pass1", "2023-01-01"),
            ("Current#Pass9", "2024-05-01"),
            ("Current#Pass9", "2024-09-09"),
        ],
        changed="2025-01-20",
    )
    [account] = load(write_kdbx(kdbx_template, tmp_path / "v.kdbx", [login]), policy).accounts
    assert account.password_changed == date(2024, 5, 1)
    assert account.changed_approximate is False


def test_practice_from_a_finess_field_the_map_or_the_option(
    kdbx_template: Path, tmp_path: Path, policy: Policy
) -> None:
    logins = [
        Login(
            ["Divers"],
            "Viamedis",
            "a",
            "pw-a-123456",
            url="https://viamedis.net",
            fields={"FINESS": "690034566"},
        ),
        Login(["Boutique Lyon"], "Almerys", "b", "pw-b-123456"),
        Login([], "Santéclair", "c", "pw-c-123456"),
    ]
    path = write_kdbx(kdbx_template, tmp_path / "v.kdbx", logins)
    result = load(path, policy)
    assert [a.practice.id for a in result.accounts] == ["690034566"]
    assert [p.entry for p in result.problems] == ["Boutique Lyon/Almerys", "Santéclair"]
    assert all("--practice FINESS" in english(p.reason) for p in result.problems)

    from auditor.sources import PracticeRule

    rule = PracticeRule("boutiquelyon", Practice("750056780", "Optique Lyon"))
    result = load(path, policy, practice_map=(rule,), practice=Practice("690034566", ""))
    assert result.problems == ()
    assert {(a.portal, a.practice) for a in result.accounts} == {
        ("viamedis", Practice("690034566", "")),
        ("almerys", Practice("750056780", "Optique Lyon")),
        ("santeclair", Practice("690034566", "")),
    }


def test_bad_fields_are_problems_naming_the_entry(
    kdbx_template: Path, tmp_path: Path, policy: Policy
) -> None:
    login = Login(
        [CENTRE],
        "Viamedis",
        "",
        "pw",
        url="https://viamedis.net",
        fields={"MFA": "peut-être", "FINESS": "750056781"},
    )
    result = load(write_kdbx(kdbx_template, tmp_path / "v.kdbx", [login]), policy)
    assert result.accounts == ()
    assert {(p.entry, p.column) for p in result.problems} == {
        (f"{CENTRE}/Viamedis", "FINESS"),
        (f"{CENTRE}/Viamedis", "username"),
        (f"{CENTRE}/Viamedis", "mfa"),
    }
    assert all(p.line is None for p in result.problems)


def test_all_entries_audits_other_sites_under_their_host(
    kdbx_template: Path, tmp_path: Path, policy: Policy
) -> None:
    logins = [
        Login(
            [CENTRE],
            "Messagerie",
            "contact@centre.fr",
            "pw-1-abcdef",
            url="https://www.ovh.com/manager",
        ),
        Login([CENTRE], "Logiciel LGO", "admin", "pw-2-abcdef"),
    ]
    path = write_kdbx(kdbx_template, tmp_path / "v.kdbx", logins)
    assert load(path, policy).left_out == 2
    result = load(path, policy, all_entries=True)
    assert result.left_out == 0
    assert sorted(a.portal for a in result.accounts) == ["logiciellgo", "ovh.com"]
    assert {p.id: p.domains for p in result.portals} == {"ovh.com": ("ovh.com",), "logiciellgo": ()}


def test_key_file_and_wrong_credentials(
    kdbx_template: Path, tmp_path: Path, policy: Policy
) -> None:
    key = tmp_path / "cle.key"
    key.write_bytes(b"0123456789abcdef" * 4)
    path = write_kdbx(kdbx_template, tmp_path / "v.kdbx", [VIAMEDIS], keyfile=key)
    assert len(load(path, policy, keepass_key_file=key).accounts) == 1
    with pytest.raises(
        SourceError,
        match=r"wrong master password or key file \(does this database need --keepass-key-file\?\)",
    ):
        load(path, policy)
    with pytest.raises(SourceError, match=r"wrong master password or key file$"):
        load(path, policy, password="nope", keepass_key_file=key)
    with pytest.raises(SourceError, match="no such key file"):
        load(path, policy, keepass_key_file=tmp_path / "missing.key")


def test_key_file_alone(kdbx_template: Path, tmp_path: Path, policy: Policy) -> None:
    key = tmp_path / "cle.key"
    key.write_bytes(b"fedcba9876543210" * 4)
    path = write_kdbx(kdbx_template, tmp_path / "v.kdbx", [VIAMEDIS], password=None, keyfile=key)
    assert len(load(path, policy, password="", keepass_key_file=key).accounts) == 1


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[: len(data) // 2], "the KeePass file is damaged"),
        (lambda data: data[:200] + bytes(b ^ 0x5A for b in data[200:260]) + data[260:], "damaged"),
        (lambda data: b"not a keepass file at all" * 10, "not a KeePass database"),
        (lambda data: b"\x03\xd9\xa2\x9a\x65\xfb\x4b\xb5" + data[8:], r"KeePass 1 \(\.kdb\)"),
        (lambda data: b"", "not a KeePass database|damaged"),
    ],
)
def test_damaged_files_give_one_clear_error(
    damage,
    message: str,
    kdbx_template: Path,
    tmp_path: Path,
    policy: Policy,  # type: ignore[no-untyped-def]
) -> None:
    path = write_kdbx(kdbx_template, tmp_path / "v.kdbx", [VIAMEDIS])
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(SourceError, match=message) as caught:
        load(path, policy)
    assert str(caught.value).startswith(str(path))
    assert "Officine" not in str(caught.value)
