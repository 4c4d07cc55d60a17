"""Decryption of Bitwarden's password-protected JSON exports.

The format, from Bitwarden's clients and SDK (``export_encrypted_json``,
``derive_kdf_key``, ``stretch_kdf_key``) and its help page on encrypted
exports: the JSON holds ``salt`` (a base64 string whose UTF-8 bytes are the
salt), the KDF (``kdfType`` 0 = PBKDF2-SHA256 with ``kdfIterations``; 1 =
Argon2id with ``kdfIterations``, ``kdfMemory`` in MiB and ``kdfParallelism``,
salted with SHA-256 of the salt), and two "EncStrings" of type 2:
``2.<iv>|<ciphertext>|<mac>`` in base64, AES-256-CBC with PKCS#7 padding and an
HMAC-SHA256 over iv + ciphertext. The 32-byte derived key is stretched with
HKDF-Expand (SHA-256) into an encryption key (info ``enc``) and a MAC key
(info ``mac``). ``encKeyValidation_DO_NOT_EDIT`` decrypts to a random UUID and
proves the password; ``data`` decrypts to the unencrypted export.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from auditor.errors import AuditorError

PBKDF2 = 0
ARGON2ID = 1
_AES_CBC_HMAC = "2"
# Bounds far above Bitwarden's own maximums, so a crafted file cannot make the
# audit compute for hours or allocate terabytes.
_MAX_ITERATIONS = {PBKDF2: 10_000_000, ARGON2ID: 100}
_MAX_MEMORY_MIB = 4096
_MAX_PARALLELISM = 64


class ExportCryptoError(AuditorError):
    """A password-protected export cannot be decrypted; the message says why."""


class WrongPasswordError(ExportCryptoError):
    """The password does not open the export."""


@dataclass(frozen=True)
class Keys:
    """The stretched keys of an export: one encrypts, one authenticates."""

    encryption: bytes
    mac: bytes


@dataclass(frozen=True)
class Kdf:
    """How the export's password becomes a key."""

    kind: int
    iterations: int
    memory_mib: int = 0
    """Argon2id only."""
    parallelism: int = 0
    """Argon2id only."""

    @classmethod
    def of(cls, document: dict[str, Any]) -> Kdf:
        """The KDF a password-protected export names, checked against sane bounds."""
        kind = document.get("kdfType")
        iterations = document.get("kdfIterations")
        if kind not in _MAX_ITERATIONS:
            raise ExportCryptoError(
                f"unsupported key derivation kdfType={kind!r} (PBKDF2 = 0 and Argon2id = 1 are)"
            )
        if not isinstance(iterations, int) or not 1 <= iterations <= _MAX_ITERATIONS[kind]:
            raise ExportCryptoError(f"implausible kdfIterations {iterations!r}")
        if kind == PBKDF2:
            return cls(kind, iterations)
        memory, parallelism = document.get("kdfMemory"), document.get("kdfParallelism")
        if not isinstance(memory, int) or not 1 <= memory <= _MAX_MEMORY_MIB:
            raise ExportCryptoError(f"implausible kdfMemory {memory!r} (MiB)")
        if not isinstance(parallelism, int) or not 1 <= parallelism <= _MAX_PARALLELISM:
            raise ExportCryptoError(f"implausible kdfParallelism {parallelism!r}")
        return cls(kind, iterations, memory, parallelism)

    def derive(self, password: str, salt: str) -> bytes:
        """The 32-byte key before stretching."""
        secret, salt_bytes = password.encode("utf-8"), salt.encode("utf-8")
        if self.kind == PBKDF2:
            return hashlib.pbkdf2_hmac("sha256", secret, salt_bytes, self.iterations, 32)
        return hash_secret_raw(
            secret,
            hashlib.sha256(salt_bytes).digest(),
            time_cost=self.iterations,
            memory_cost=self.memory_mib * 1024,  # argon2-cffi counts KiB
            parallelism=self.parallelism,
            hash_len=32,
            type=Type.ID,
        )


def stretch(key: bytes) -> Keys:
    """HKDF-Expand the derived key into its encryption and MAC halves."""

    def expand(info: bytes) -> bytes:
        return HKDFExpand(algorithm=hashes.SHA256(), length=32, info=info).derive(key)

    return Keys(expand(b"enc"), expand(b"mac"))


def decrypt_string(enc_string: object, keys: Keys) -> bytes:
    """The plaintext of a type-2 EncString; WrongPasswordError when its MAC does not match."""
    if not isinstance(enc_string, str) or "." not in enc_string:
        raise ExportCryptoError("an encrypted value is not a Bitwarden EncString")
    kind, _, body = enc_string.partition(".")
    if kind != _AES_CBC_HMAC:
        raise ExportCryptoError(
            f"unsupported encryption type {kind!r} (only AES-CBC-256 with HMAC-SHA256, type 2)"
        )
    parts = body.split("|")
    if len(parts) != 3:  # iv, ciphertext and MAC
        raise ExportCryptoError("an encrypted value does not have its iv, data and MAC")
    try:
        iv, data, mac = (base64.b64decode(part, validate=True) for part in parts)
    except binascii.Error:
        raise ExportCryptoError("an encrypted value is not valid base64") from None
    expected = hmac.new(keys.mac, iv + data, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, mac):
        raise WrongPasswordError("wrong password (or the file was altered)")
    if len(iv) != 16 or not data or len(data) % 16:  # AES blocks
        raise ExportCryptoError("an encrypted value has a malformed AES block")
    decryptor = Cipher(algorithms.AES(keys.encryption), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise ExportCryptoError("an encrypted value has bad padding") from None


def decrypt_export(document: dict[str, Any], password: str) -> bytes:
    """The unencrypted export (JSON bytes) inside a password-protected one."""
    salt = document.get("salt")
    if not isinstance(salt, str) or not salt:
        raise ExportCryptoError("the export has no salt")
    keys = stretch(Kdf.of(document).derive(password, salt))
    decrypt_string(document.get("encKeyValidation_DO_NOT_EDIT"), keys)
    return decrypt_string(document.get("data"), keys)
