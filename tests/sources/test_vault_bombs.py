"""Hostile vaults: KDF bombs in KeePass headers and Bitwarden exports, wrong JSON types, deep JSON."""

from __future__ import annotations

import json
import re
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.i18n import machine_english
from auditor.policy import Policy
from auditor.sources import SourceError, SourceOptions, Unlock, bitwarden, bwcrypto, keepass
from auditor.sources import open_inventory as open_source
from tests.sources.vaults import (
    AES_KDF,
    ARGON2ID,
    BYTES,
    KDBX_SIGNATURE,
    UINT64,
    Login,
    aes_parameters,
    argon2_parameters,
    bitwarden_login,
    encrypt_bitwarden,
    kdbx3_file,
    kdbx4_file,
    variant_dictionary,
    write_kdbx,
)

AS_OF = date(2026, 11, 22)
english = machine_english().text
EXAMPLE_KDBX = Path(__file__).resolve().parents[2] / "examples" / "coffre.kdbx"
GIB = 1 << 30
FAST = 1.0
"""Seconds: a refusal reads a header, it never runs a key derivation."""


class Asked:
    """A secret asker that records whether it was asked."""

    def __init__(self, password: str = "master") -> None:
        self.password = password
        self.kinds: list[Unlock] = []

    def __call__(self, kind: Unlock, path: Path) -> str:
        self.kinds.append(kind)
        return self.password


def load(path: Path, policy: Policy, asked: Asked | None = None, **extra: Any) -> Any:
    options = SourceOptions(ask_secret=asked or Asked(), **extra)
    return open_source(path, options).load(policy, AS_OF)


@contextmanager
def quickly(limit: float = FAST) -> Iterator[None]:
    start = time.monotonic()
    yield
    assert time.monotonic() - start < limit


# --- KeePass -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            kdbx4_file(aes_parameters(10**9)),
            r"asks for 1,000,000,000 AES-KDF rounds \(limit 15,000,000\)",
        ),
        (kdbx3_file(10**9), r"asks for 1,000,000,000 AES-KDF rounds \(limit 15,000,000\)"),
        (
            kdbx4_file(argon2_parameters(iterations=10**9)),
            r"asks for 1,000,000,000 Argon2 iterations \(limit 1,000\)",
        ),
        (
            kdbx4_file(argon2_parameters(memory=8 * GIB, kdf=ARGON2ID)),
            r"asks for 8,192 MiB of Argon2 memory \(limit 1,024 MiB\)",
        ),
        (
            kdbx4_file(argon2_parameters(parallelism=(1 << 24) - 1)),
            r"asks for 16,777,215 Argon2 lanes \(parallelism; limit 64\)",
        ),
        (
            kdbx4_file(argon2_parameters(iterations=64, memory=GIB)),
            r"asks for 64 Argon2 iterations over 1,024 MiB \(65,536 MiB-passes; limit 12,288\)",
        ),
    ],
    ids=["aes-kdbx4", "aes-kdbx3", "argon2-iterations", "argon2-memory", "lanes", "work"],
)
def test_costly_keepass_kdf_is_refused_before_any_derivation(
    content: bytes, message: str, tmp_path: Path, policy: Policy
) -> None:
    path = tmp_path / "coffre.kdbx"
    path.write_bytes(content)
    asked = Asked()
    with quickly(), pytest.raises(SourceError) as raised:
        load(path, policy, asked)
    text = str(raised.value)
    assert text.startswith(f"{path}: the KeePass key derivation ")
    assert text.endswith("if this is really your vault, pass --allow-costly-kdf")
    assert re.search(message, text), text
    assert asked.kinds == []  # refused before the master password is even asked for


def _damaged() -> list[tuple[bytes, str]]:
    good = kdbx4_file(argon2_parameters())
    truncated_dictionary = variant_dictionary(argon2_parameters())[:20]
    no_iterations = argon2_parameters()
    del no_iterations["I"]
    return [
        (KDBX_SIGNATURE + b"\x00", "the header is cut short"),
        (good[:40], "the header is cut short"),
        (KDBX_SIGNATURE + struct.pack("<HH", 0, 9), "KDBX version 9.0 is not supported"),
        (kdbx4_file(truncated_dictionary), "its key derivation parameters are damaged"),
        (kdbx4_file(no_iterations), "its key derivation parameters are damaged"),
        (
            kdbx4_file({"$UUID": (BYTES, b"\x01" * 16), "R": (UINT64, b"\x00" * 8)}),
            "unknown key derivation",
        ),
        (
            kdbx4_file({"$UUID": (BYTES, AES_KDF), "R": (BYTES, b"\x00" * 3)}),
            "its key derivation parameters are damaged",
        ),
        (good.replace(b"\x0b", b"\x0c", 1)[:200], "cut short|damaged|key derivation"),
        (b"PK\x03\x04" + b"\x00" * 60, "not a KeePass database"),
    ]


@pytest.mark.parametrize(("content", "message"), _damaged())
def test_damaged_keepass_header_is_a_clear_error_before_the_password(
    content: bytes, message: str, tmp_path: Path, policy: Policy
) -> None:
    path = tmp_path / "coffre.kdbx"
    path.write_bytes(content)
    asked = Asked()
    with quickly(), pytest.raises(SourceError, match=message):
        load(path, policy, asked)
    assert asked.kinds == []


def test_allow_costly_kdf_opens_a_vault_above_the_caps(
    kdbx_template: Path, tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The template's Argon2 asks for 16 MiB: lower the cap under it instead of waiting on a
    # really costly derivation.
    monkeypatch.setattr(keepass, "MAX_ARGON2_MEMORY_MIB", 8)
    login = Login(["Pharmacie du Centre (750056780)"], "Almerys", "centre", "Xk9#mPq2vL!z")
    path = write_kdbx(kdbx_template, tmp_path / "coffre.kdbx", [login])
    with pytest.raises(SourceError, match=r"16 MiB of Argon2 memory \(limit 8 MiB\)"):
        load(path, policy)
    result = load(path, policy, allow_costly_kdf=True)
    assert [account.portal for account in result.accounts] == ["almerys"]


def test_cli_refuses_a_keepass_bomb_with_exit_2(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    path = tmp_path / "coffre.kdbx"
    path.write_bytes(kdbx4_file(argon2_parameters(iterations=10**9)))
    (tmp_path / "pw").write_text("master\n")
    with quickly(10):  # the CLI loads the policy too
        code, _, err = run_cli(
            "audit", str(path), "--keepass-password-file", str(tmp_path / "pw"),
            "--no-breach-check", "--no-history", "--as-of", "2026-11-22",
        )  # fmt: skip
    assert code == 2
    assert "internal error" not in err
    assert "pass --allow-costly-kdf" in err
    code, out, _ = run_cli("audit", "--help")
    assert "--allow-costly-kdf" in out


def _blocks(data: bytes) -> list[int]:
    """Where each HMAC block of a KDBX 4 file starts (after the header, its SHA-256 and HMAC)."""
    position = 12
    while True:
        kind = data[position]
        (size,) = struct.unpack_from("<I", data, position + 1)
        position += 5 + size
        if kind == 0:
            break
    starts = [position + 64]
    while (length := struct.unpack_from("<I", data, starts[-1] + 32)[0]) != 0:
        starts.append(starts[-1] + 36 + length)
    return starts


def _with_length(data: bytes, block: int, length: int) -> bytes:
    at = _blocks(data)[block] + 32
    return data[:at] + struct.pack("<I", length) + data[at + 4 :]


def _damaged_payloads() -> list[tuple[bytes, str]]:
    vault = EXAMPLE_KDBX.read_bytes()
    first, end = _blocks(vault)
    remaining = len(vault) - first - 36
    return [
        # Fuzz finding 13: a duplicated stretch of payload put 2,332,812,513 where the first
        # block's length was; pykeepass allocated it before checking anything.
        (
            _with_length(vault, 0, 2_332_812_513),
            rf"payload block 1 claims 2,332,812,513 bytes, only {remaining:,} remain",
        ),
        (
            _with_length(vault, 0, remaining + 1),
            rf"payload block 1 claims {remaining + 1:,} bytes, only {remaining:,} remain",
        ),
        (_with_length(vault, 1, 2**32 - 1), r"payload block 2 claims 4,294,967,295 bytes"),
        (vault[: first + 20], r"cut short in payload block 1"),
        (vault[:end], r"cut short in payload block 2"),
        (vault[: first - 10], r"cut short before its payload"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    _damaged_payloads(),
    ids=["finding-13", "one-byte-over", "end-block", "cut-in-block", "no-end-block", "no-hmac"],
)
def test_kdbx4_block_lengths_are_checked_before_pykeepass_reads_them(
    content: bytes, message: str, tmp_path: Path, policy: Policy
) -> None:
    path = tmp_path / "coffre.kdbx"
    path.write_bytes(content)
    asked = Asked("exemple")
    with quickly(), pytest.raises(SourceError) as raised:
        load(path, policy, asked)
    text = str(raised.value)
    assert text.startswith(f"{path}: the KeePass file is damaged ("), text
    assert re.search(message, text), text
    assert asked.kinds == []  # no key derivation for a file that cannot be whole


def test_kdbx_file_over_the_size_cap_is_refused_before_it_is_read(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "coffre.kdbx"
    path.write_bytes(EXAMPLE_KDBX.read_bytes())
    monkeypatch.setattr(keepass, "MAX_KDBX_BYTES", 1024)
    asked = Asked("exemple")
    with quickly(), pytest.raises(SourceError) as raised:
        load(path, policy, asked)
    assert str(raised.value) == (
        f"{path}: the KeePass file is too large (2,053 bytes; limit 1,024): not a real vault"
    )
    assert asked.kinds == []
    monkeypatch.setattr(keepass, "MAX_KDBX_BYTES", 2053)
    assert len(load(path, policy, Asked("exemple")).accounts) == 3


# --- Bitwarden: key derivation ---------------------------------------------------------------


def _export() -> dict[str, Any]:
    return {
        "encrypted": False,
        "folders": [{"id": "f1", "name": "Pharmacie du Centre 750056780"}],
        "items": [bitwarden_login("Almerys", "centre", "Xk9#mPq2vL!z", folder_id="f1")],
    }


def write_json(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "bitwarden_export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


ARGON2 = {"kdfType": 1, "kdfIterations": 3, "kdfMemory": 64, "kdfParallelism": 4}


@pytest.mark.parametrize(
    ("kdf", "message"),
    [
        (
            ARGON2 | {"kdfMemory": 4096, "kdfIterations": 50},
            r"asks for 50 Argon2id iterations \(kdfIterations; limit 10\)",
        ),
        (
            ARGON2 | {"kdfMemory": 4096},
            r"asks for 4,096 MiB of Argon2id memory \(kdfMemory; limit 1,024\)",
        ),
        (
            ARGON2 | {"kdfParallelism": 17},
            r"asks for 17 Argon2id lanes \(kdfParallelism; limit 16\)",
        ),
        (
            {"kdfType": 0, "kdfIterations": 2_000_001},
            r"asks for 2,000,001 PBKDF2 iterations \(kdfIterations; limit 2,000,000\)",
        ),
    ],
    ids=["4GiB-x50", "memory", "lanes", "pbkdf2"],
)
def test_costly_bitwarden_kdf_is_refused_before_any_derivation(
    kdf: dict[str, int], message: str, tmp_path: Path, policy: Policy
) -> None:
    document = encrypt_bitwarden(_export(), "export-pw") | kdf
    path = write_json(tmp_path, document)
    asked = Asked("export-pw")
    with quickly(), pytest.raises(SourceError) as raised:
        load(path, policy, asked)
    text = str(raised.value)
    assert text.startswith(f"{path}: the Bitwarden export's key derivation ")
    assert re.search(message, text), text
    assert text.endswith("if this is really your export, pass --allow-costly-kdf")
    assert asked.kinds == []


def test_allow_costly_kdf_opens_a_bitwarden_export_above_the_caps(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(bwcrypto.MAX_ITERATIONS, bwcrypto.PBKDF2, 500)
    path = write_json(tmp_path, encrypt_bitwarden(_export(), "export-pw", iterations=1000))
    with pytest.raises(SourceError, match=r"1,000 PBKDF2 iterations \(kdfIterations; limit 500\)"):
        load(path, policy, Asked("export-pw"))
    result = load(path, policy, Asked("export-pw"), allow_costly_kdf=True)
    assert [account.portal for account in result.accounts] == ["almerys"]


# --- Bitwarden: wrong JSON types -------------------------------------------------------------


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(item: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = item
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


ITEM_TYPES = [
    ("login.uris", True, "login.uris"),
    ("login.uris", [True], "login.uris[1]"),
    ("login.uris.0.uri", 5, "login.uris[1].uri"),
    ("login.username", 5, "login.username"),
    ("login.password", ["x"], "login.password"),
    ("login.totp", {"a": 1}, "login.totp"),
    ("login.passwordRevisionDate", 5, "login.passwordRevisionDate"),
    ("passwordHistory", True, "passwordHistory"),
    ("passwordHistory.0.password", 5, "passwordHistory[1].password"),
    ("passwordHistory.0.lastUsedDate", 5, "passwordHistory[1].lastUsedDate"),
    ("fields", True, "fields"),
    ("fields", [5], "fields[1]"),
    ("fields.0.name", 5, "fields[1].name"),
    ("fields.0.value", {"a": 1}, "fields[1].value"),
    ("collectionIds", True, "collectionIds"),
    ("collectionIds", [5], "collectionIds[1]"),
    ("folderId", 5, "folderId"),
    ("name", {"a": 1}, "name"),
    ("creationDate", 5, "creationDate"),
    ("revisionDate", [], "revisionDate"),
    ("type", "1", "type"),
    ("type", None, "type"),
]


def test_a_missing_item_type_is_said_to_be_missing(tmp_path: Path, policy: Policy) -> None:
    document = _export()
    del document["items"][0]["type"]
    (problem,) = load(write_json(tmp_path, document), policy).problems
    assert (problem.column, english(problem.reason)) == (
        "type",
        "is not a number (null or missing)",
    )


@pytest.mark.parametrize("deleted", ["", False, None])
def test_an_item_with_no_deletion_date_is_audited(
    deleted: object, tmp_path: Path, policy: Policy
) -> None:
    # Only a date puts an item in the trash: "" or false must not drop a login unaudited.
    document = _export()
    document["items"][0]["deletedDate"] = deleted
    assert len(load(write_json(tmp_path, document), policy).accounts) == 1


@pytest.mark.parametrize(("field", "value", "column"), ITEM_TYPES)
def test_wrong_json_type_in_an_item_is_an_item_problem(
    field: str, value: object, column: str, tmp_path: Path, policy: Policy
) -> None:
    document = _export()
    item = bitwarden_login(
        "Almerys",
        "centre",
        "Xk9#mPq2vL!z",
        uri="https://www.almerys.com",
        folder_id="f1",
        fields={"Titulaire": "Jean"},
        history=[("Old2024!", "2024-02-01")],
    )
    _set(field, value)(item)
    document["items"] = [_export()["items"][0], item]
    result = load(write_json(tmp_path, document), policy)
    assert len(result.accounts) == 1  # the other item is still read
    (problem,) = result.problems
    assert (problem.entry, problem.line) == ("item 2", None)
    assert problem.column == column
    assert english(problem.reason).startswith(
        ("is not text (", "is not a list (", "is not an object (", "is not a number (")
    )
    assert "Xk9#mPq2vL!z" not in str(problem) and "Old2024!" not in str(problem)
    assert str(problem).startswith(f"{tmp_path / 'bitwarden_export.json'} [item 2]: ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"folders": True}, "folders is not a list"),
        ({"folders": [5]}, "folder 1 is not an object"),
        ({"folders": [{"id": "f1", "name": 5}]}, "folder 1: name is not text"),
        ({"folders": [{"id": ["f1"], "name": "x"}]}, "folder 1: id is not text"),
        ({"collections": "c1"}, "collections is not a list"),
        ({"collections": [{"id": "c1", "name": []}]}, "collection 1: name is not text"),
    ],
)
def test_wrong_json_type_in_folders_or_collections_is_a_clear_error(
    change: dict[str, Any], message: str, tmp_path: Path, policy: Policy
) -> None:
    with pytest.raises(SourceError, match=message):
        load(write_json(tmp_path, _export() | change), policy)


# --- JSON depth, numbers and size --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"items": ' + "[" * 100_000 + "]" * 100_000 + "}", "JSON nested deeper than 64 levels"),
        ('{"items": [' * 70_000, "JSON nested deeper than 64 levels"),
        ('{"items": [], "x": ' + "9" * 5000 + "}", "a number with more than 40 digits"),
        ('{"items": [], "x": 1.' + "5" * 5000 + "}", "a number with more than 40 digits"),
        ('{"items": [], "x": NaN}', "not valid JSON"),
    ],
    ids=["deep", "deep-truncated", "long-integer", "long-float", "nan"],
)
def test_deep_json_and_huge_numbers_are_refused(
    text: str, message: str, tmp_path: Path, policy: Policy
) -> None:
    path = tmp_path / "bitwarden_export.json"
    path.write_text(text)
    with quickly(), pytest.raises(SourceError, match=f"^{path}: {message}"):
        load(path, policy)


def test_deep_json_inside_an_encrypted_export_is_refused(tmp_path: Path, policy: Policy) -> None:
    inner = json.loads(json.dumps(_export()))
    deep: Any = []
    for _ in range(200):
        deep = [deep]
    inner["x"] = deep
    path = write_json(tmp_path, encrypt_bitwarden(inner, "export-pw"))
    with pytest.raises(SourceError, match="JSON nested deeper than 64 levels"):
        load(path, policy, Asked("export-pw"))


def test_escaped_quotes_and_brackets_in_strings_do_not_count_as_nesting(
    tmp_path: Path, policy: Policy
) -> None:
    document = _export()
    document["items"][0]["notes"] = '\\"[[[[' * 200 + "{{{{" * 100
    result = load(write_json(tmp_path, document), policy)
    assert [account.portal for account in result.accounts] == ["almerys"]


def test_a_json_file_too_large_is_refused_before_it_is_read(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_json(tmp_path, _export())
    monkeypatch.setattr(bitwarden, "MAX_JSON_BYTES", 100)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read"))
    with pytest.raises(SourceError, match=r"larger than 100 bytes; not a Bitwarden export"):
        load(path, policy)


@pytest.mark.parametrize("field", ["encKeyValidation_DO_NOT_EDIT", "data"])
@pytest.mark.parametrize("character", ["\x85", "é", "\u2028"])
def test_non_ascii_in_an_enc_string_is_a_clear_error(
    field: str, character: str, tmp_path: Path, policy: Policy
) -> None:
    # Fuzz (deep): U+0085 inserted after "2." in the bundled export's encKeyValidation made
    # base64 raise ValueError (not binascii.Error) from bwcrypto.decrypt_string.
    document = encrypt_bitwarden(_export(), "export-pw")
    document[field] = document[field][:2] + character + document[field][2:]
    path = write_json(tmp_path, document)
    with pytest.raises(SourceError) as raised:
        load(path, policy, Asked("export-pw"))
    assert str(raised.value).startswith(str(path))
    assert "an encrypted value is not valid base64" in str(raised.value)
