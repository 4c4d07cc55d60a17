"""Builders of the vault files the tests read: KeePass databases and Bitwarden exports."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from construct import Container
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from pykeepass import PyKeePass, create_database

TEMPLATE_PASSWORD = "template"


def when(text: str) -> datetime:
    """A KeePass or Bitwarden time at noon UTC, so the local calendar day is the same."""
    return datetime.fromisoformat(f"{text}T12:00:00+00:00")


@dataclass
class Login:
    """One KeePass entry to write, with its history of earlier passwords."""

    group: Sequence[str]
    title: str
    username: str
    password: str
    url: str | None = None
    changed: str = "2025-03-01"
    history: Sequence[tuple[str, str]] = ()
    """(password, day it was set), oldest first."""
    fields: dict[str, str] = field(default_factory=dict)
    otp: str | None = None
    expires: str | None = None


def blank_kdbx(folder: Path) -> Path:
    """A KDBX 4 database with a cheap Argon2 (1 pass, 16 MiB), to copy for each test."""
    path = folder / "blank.kdbx"
    database = create_database(str(path), password=TEMPLATE_PASSWORD)
    parameters = database.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    parameters["I"].value = 1
    parameters["M"].value = 16 * 1024 * 1024
    database.save()
    return path


def write_kdbx(
    template: Path,
    path: Path,
    logins: Sequence[Login],
    *,
    password: str | None = "master",
    keyfile: Path | None = None,
    version: int = 4,
    trashed: Sequence[Login] = (),
) -> Path:
    """A KeePass database holding ``logins`` (and ``trashed`` ones in its recycle bin)."""
    work = path.with_suffix(".work")
    shutil.copyfile(template, work)
    database = PyKeePass(str(work), password=TEMPLATE_PASSWORD)
    for login in logins:
        _add(database, login)
    for login in trashed:
        database.trash_entry(_add(database, login))
    database.password = password
    database.keyfile = str(keyfile) if keyfile else None
    if version == 3:
        _to_kdbx3(database)
    database.save(str(path))
    work.unlink()
    return path


def _group(database: PyKeePass, names: Sequence[str]) -> Any:
    group = database.root_group
    for name in names:
        found = next((g for g in group.subgroups if g.name == name), None)
        group = found or database.add_group(group, name)
    return group


def _add(database: PyKeePass, login: Login) -> Any:
    entry = database.add_entry(
        _group(database, login.group), login.title, login.username, "", url=login.url or None
    )
    for old, day in login.history:
        entry.password = old
        entry.mtime = when(day)
        entry.save_history()
    entry.password = login.password
    for key, value in login.fields.items():
        entry.set_custom_property(key, value)
    if login.otp:
        entry.otp = login.otp
    if login.expires:
        entry.expires = True
        entry.expiry_time = when(login.expires)
    entry.mtime = when(login.changed)
    return entry


def _to_kdbx3(database: PyKeePass) -> None:
    """Rewrite an open KDBX 4 database as KDBX 3.1 (AES-KDF, Salsa20 inner stream)."""
    # KDBX 4 stores times as base64 seconds, KDBX 3 as ISO 8601 text.
    for element in database.tree.iter():
        parent = element.getparent()
        if parent is not None and parent.tag == "Times" and element.tag.endswith("Time"):
            element.text = database._decode_time(element.text).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = database.kdbx.header.value
    header.major_version, header.minor_version = 3, 1
    old = header.dynamic_header

    def item(name: str, data: object) -> Container:
        return Container(id=name, data=data)

    header.dynamic_header = Container(
        cipher_id=old.cipher_id,
        compression_flags=old.compression_flags,
        master_seed=item("master_seed", os.urandom(32)),
        transform_seed=item("transform_seed", os.urandom(32)),
        transform_rounds=item("transform_rounds", 1000),
        encryption_iv=item("encryption_iv", os.urandom(16)),
        protected_stream_key=item("protected_stream_key", os.urandom(32)),
        stream_start_bytes=item("stream_start_bytes", os.urandom(32)),
        protected_stream_id=item("protected_stream_id", "salsa20"),
        end=item("end", b""),
    )


# --- Bitwarden ------------------------------------------------------------------------------
# Built from Bitwarden's published format (see auditor/sources/bwcrypto.py), with other code
# than the reader's, so a mistake on one side is not mirrored on the other.


def _enc_string(plain: bytes, enc_key: bytes, mac_key: bytes) -> str:
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    data = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    mac = hmac.new(mac_key, iv + data, hashlib.sha256).digest()
    return "2." + "|".join(base64.b64encode(part).decode() for part in (iv, data, mac))


def encrypt_bitwarden(
    document: dict[str, Any], password: str, *, kdf: str = "pbkdf2", iterations: int = 1000
) -> dict[str, Any]:
    """A password-protected export of ``document``, as Bitwarden writes one."""
    salt = base64.b64encode(os.urandom(16)).decode()
    extra: dict[str, Any]
    if kdf == "pbkdf2":
        key = PBKDF2HMAC(hashes.SHA256(), 32, salt.encode(), iterations).derive(password.encode())
        extra = {"kdfType": 0, "kdfIterations": iterations}
    else:
        memory, parallelism, passes = 16, 2, 2
        key = hash_secret_raw(
            password.encode(),
            hashlib.sha256(salt.encode()).digest(),
            time_cost=passes,
            memory_cost=memory * 1024,
            parallelism=parallelism,
            hash_len=32,
            type=Type.ID,
        )
        extra = {
            "kdfType": 1,
            "kdfIterations": passes,
            "kdfMemory": memory,
            "kdfParallelism": parallelism,
        }
    enc_key = HKDFExpand(hashes.SHA256(), 32, b"enc").derive(key)
    mac_key = HKDFExpand(hashes.SHA256(), 32, b"mac").derive(key)
    return {
        "encrypted": True,
        "passwordProtected": True,
        "salt": salt,
        **extra,
        "encKeyValidation_DO_NOT_EDIT": _enc_string(b"0b9e0a6c-ffa3-4d3d", enc_key, mac_key),
        "data": _enc_string(json.dumps(document).encode(), enc_key, mac_key),
    }


def bitwarden_login(
    name: str,
    username: str,
    password: str,
    *,
    uri: str | None = None,
    folder_id: str | None = None,
    collections: Sequence[str] = (),
    fields: dict[str, str] | None = None,
    hidden: dict[str, str] | None = None,
    totp: str | None = None,
    revised: str | None = None,
    created: str = "2024-01-10",
    history: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """A login item as Bitwarden's JSON export holds it; history is (password, last used day)."""
    return {
        "id": os.urandom(8).hex(),
        "organizationId": None,
        "folderId": folder_id,
        "type": 1,
        "reprompt": 0,
        "name": name,
        "notes": None,
        "favorite": False,
        "fields": [
            {"name": k, "value": v, "type": 0, "linkedId": None} for k, v in (fields or {}).items()
        ]
        + [{"name": k, "value": v, "type": 1, "linkedId": None} for k, v in (hidden or {}).items()],
        "login": {
            "uris": [{"match": None, "uri": uri}] if uri else [],
            "username": username,
            "password": password,
            "totp": totp,
            "passwordRevisionDate": when(revised).isoformat().replace("+00:00", "Z")
            if revised
            else None,
        },
        "collectionIds": list(collections),
        "passwordHistory": [
            {"lastUsedDate": when(day).isoformat().replace("+00:00", "Z"), "password": old}
            for old, day in history
        ]
        or None,
        "revisionDate": when("2025-06-01").isoformat().replace("+00:00", "Z"),
        "creationDate": when(created).isoformat().replace("+00:00", "Z"),
        "deletedDate": None,
    }


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


# --- Hostile KeePass headers -----------------------------------------------------------------
# Written byte by byte from the KDBX layout (keepass.info/help/kb/kdbx_4.html), so a test can ask
# for any key derivation cost without ever computing it.

KDBX_SIGNATURE = struct.pack("<II", 0x9AA2D903, 0xB54BFB67)
AES_KDF = uuid.UUID("c9d9f39a-628a-4460-bf74-0d08c18a4fea").bytes
ARGON2D = uuid.UUID("ef636ddf-8c29-444b-91f7-a9a403e30a0c").bytes
ARGON2ID = uuid.UUID("9e298b19-56db-4773-b23d-fc3ec6f0a1e6").bytes
_AES256_CIPHER = uuid.UUID("31c1f2e6-bf71-4350-be58-05216afc5aff").bytes
UINT32, UINT64, BYTES = 0x04, 0x05, 0x42


def variant_dictionary(items: dict[str, tuple[int, bytes]]) -> bytes:
    """A KDBX 4 VariantDictionary: version 1.0, then typed, named values, then a zero byte."""
    out = struct.pack("<H", 0x0100)
    for name, (kind, value) in items.items():
        key = name.encode()
        out += struct.pack("<Bi", kind, len(key)) + key + struct.pack("<i", len(value)) + value
    return out + b"\x00"


def argon2_parameters(
    iterations: int = 2,
    memory: int = 64 << 20,
    parallelism: int = 2,
    kdf: bytes = ARGON2D,
) -> dict[str, tuple[int, bytes]]:
    """Argon2 parameters as KeePass writes them (memory in bytes)."""
    return {
        "$UUID": (BYTES, kdf),
        "S": (BYTES, os.urandom(32)),
        "P": (UINT32, struct.pack("<I", parallelism)),
        "M": (UINT64, struct.pack("<Q", memory)),
        "I": (UINT64, struct.pack("<Q", iterations)),
        "V": (UINT32, struct.pack("<I", 0x13)),
    }


def aes_parameters(rounds: int) -> dict[str, tuple[int, bytes]]:
    return {
        "$UUID": (BYTES, AES_KDF),
        "R": (UINT64, struct.pack("<Q", rounds)),
        "S": (BYTES, os.urandom(32)),
    }


def kdbx4_file(kdf: dict[str, tuple[int, bytes]] | bytes) -> bytes:
    """A KDBX 4 file: its header (with a valid SHA-256, so readers go on to the KDF), then junk."""

    def field(number: int, data: bytes) -> bytes:
        return struct.pack("<BI", number, len(data)) + data

    parameters = kdf if isinstance(kdf, bytes) else variant_dictionary(kdf)
    header = (
        KDBX_SIGNATURE
        + struct.pack("<HH", 0, 4)
        + field(2, _AES256_CIPHER)
        + field(3, struct.pack("<I", 1))
        + field(4, os.urandom(32))
        + field(7, os.urandom(16))
        + field(11, parameters)
        + field(0, b"\r\n\r\n")
    )
    return header + hashlib.sha256(header).digest() + os.urandom(32) + os.urandom(256)


def kdbx3_file(rounds: int) -> bytes:
    """A KDBX 3.1 file asking for ``rounds`` AES-KDF rounds, then junk."""

    def field(number: int, data: bytes) -> bytes:
        return struct.pack("<BH", number, len(data)) + data

    header = (
        KDBX_SIGNATURE
        + struct.pack("<HH", 1, 3)
        + field(2, _AES256_CIPHER)
        + field(3, struct.pack("<I", 1))
        + field(4, os.urandom(32))
        + field(5, os.urandom(32))
        + field(6, struct.pack("<Q", rounds))
        + field(7, os.urandom(16))
        + field(8, os.urandom(32))
        + field(9, os.urandom(32))
        + field(10, struct.pack("<I", 2))
        + field(0, b"\r\n\r\n")
    )
    return header + os.urandom(256)
