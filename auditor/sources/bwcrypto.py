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
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from auditor.errors import AuditorError
from auditor.i18n.failure import failure
from auditor.i18n.phrase import Arg, phrase

PBKDF2 = 0
ARGON2ID = 1
_AES_CBC_HMAC = "2"
# Bitwarden's own maxima (clients, ``libs/key-management`` ``kdf-config.ts``:
# PBKDF2 600,000 by default, 2,000,000 at most; Argon2id memory 16-1024 MiB,
# default 64; iterations 2-10, default 3; parallelism 1-16, default 4). No
# Bitwarden client writes more, so more is refused unless --allow-costly-kdf:
# the worst allowed, 1 GiB x 10 passes, takes about 20 s and 1 GiB.
MAX_ITERATIONS = {PBKDF2: 2_000_000, ARGON2ID: 10}
MAX_MEMORY_MIB = 1024
MAX_PARALLELISM = 16
# Even with --allow-costly-kdf: values no Bitwarden can make, that would
# compute for hours or allocate terabytes.
_IMPLAUSIBLE_ITERATIONS = {PBKDF2: 10_000_000, ARGON2ID: 100}
_IMPLAUSIBLE_MEMORY_MIB = 4096
_IMPLAUSIBLE_PARALLELISM = 64


class ExportCryptoError(AuditorError):
    """A password-protected export cannot be decrypted; the message says why."""


class WrongPasswordError(ExportCryptoError):
    """The password does not open the export."""


class CostlyKdfError(ExportCryptoError):
    """The export's key derivation exceeds Bitwarden's maxima; the message says what and the cap."""


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
    def of(cls, document: dict[str, Any], *, allow_costly: bool = False) -> Kdf:
        """The KDF a password-protected export names, checked against Bitwarden's maxima.

        Raises ``CostlyKdfError`` above them (unless ``allow_costly``), and
        ``ExportCryptoError`` for values no Bitwarden export can hold.
        """
        kind = document.get("kdfType")
        if type(kind) is not int or kind not in MAX_ITERATIONS:  # a list would not hash
            # Only a small number is quoted: text in a hostile export could be anything.
            shown: Arg = (
                str(kind)
                if type(kind) is int and 0 <= kind < 100
                else phrase("source_error.crypto.kdf_type_other")
            )
            raise failure(ExportCryptoError, "source_error.crypto.kdf_type", shown=shown)
        what = (
            "source_error.crypto.pbkdf2_iterations"
            if kind == PBKDF2
            else "source_error.crypto.argon2_iterations"
        )
        iterations = _bounded(document, "kdfIterations", _IMPLAUSIBLE_ITERATIONS[kind])
        checks = [(iterations, MAX_ITERATIONS[kind], what, "kdfIterations")]
        memory = parallelism = 0
        if kind == ARGON2ID:
            memory = _bounded(document, "kdfMemory", _IMPLAUSIBLE_MEMORY_MIB)
            parallelism = _bounded(document, "kdfParallelism", _IMPLAUSIBLE_PARALLELISM)
            checks += [
                (memory, MAX_MEMORY_MIB, "source_error.crypto.argon2_memory", "kdfMemory"),
                (
                    parallelism,
                    MAX_PARALLELISM,
                    "source_error.crypto.argon2_lanes",
                    "kdfParallelism",
                ),
            ]
        for value, cap, what, key in checks:
            if value > cap and not allow_costly:
                raise failure(
                    CostlyKdfError,
                    "source_error.crypto.cost",
                    value=value,
                    what=phrase(what),
                    name=key,
                    cap=cap,
                )
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


def _bounded(document: dict[str, Any], key: str, most: int) -> int:
    value = document.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        # The value only if it is a small number: an altered file could hold anything.
        shown = f" {value!r}" if isinstance(value, int) and abs(value) < 10**30 else ""
        raise failure(ExportCryptoError, "source_error.crypto.implausible", name=key, shown=shown)
    return value


def stretch(key: bytes) -> Keys:
    """HKDF-Expand the derived key into its encryption and MAC halves."""

    def expand(info: bytes) -> bytes:
        return HKDFExpand(algorithm=hashes.SHA256(), length=32, info=info).derive(key)

    return Keys(expand(b"enc"), expand(b"mac"))


def decrypt_string(enc_string: object, keys: Keys) -> bytes:
    """The plaintext of a type-2 EncString; WrongPasswordError when its MAC does not match."""
    if not isinstance(enc_string, str) or "." not in enc_string:
        raise failure(ExportCryptoError, "source_error.crypto.not_enc_string")
    kind, _, body = enc_string.partition(".")
    if kind != _AES_CBC_HMAC:
        shown: Arg = (
            kind
            if kind.isascii() and kind.isdigit() and len(kind) <= 2
            else phrase("source_error.crypto.enc_type_other")
        )
        raise failure(ExportCryptoError, "source_error.crypto.enc_type", shown=shown)
    parts = body.split("|")
    if len(parts) != 3:  # iv, ciphertext and MAC
        raise failure(ExportCryptoError, "source_error.crypto.no_parts")
    try:
        iv, data, mac = (base64.b64decode(part, validate=True) for part in parts)
    except ValueError:  # binascii.Error, or a character outside ASCII (base64 refuses those)
        raise failure(ExportCryptoError, "source_error.crypto.not_base64") from None
    expected = hmac.new(keys.mac, iv + data, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, mac):
        raise failure(WrongPasswordError, "source_error.crypto.wrong_password")
    if len(iv) != 16 or not data or len(data) % 16:  # AES blocks
        raise failure(ExportCryptoError, "source_error.crypto.aes_block")
    decryptor = Cipher(algorithms.AES(keys.encryption), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise failure(ExportCryptoError, "source_error.crypto.padding") from None


def decrypt_export(document: dict[str, Any], password: str, kdf: Kdf | None = None) -> bytes:
    """The unencrypted export (JSON bytes) inside a password-protected one.

    ``kdf`` is the export's, already checked with ``Kdf.of``; without it, the caps apply.
    """
    salt = document.get("salt")
    if not isinstance(salt, str) or not salt:
        raise failure(ExportCryptoError, "source_error.crypto.no_salt")
    keys = stretch((kdf or Kdf.of(document)).derive(password, salt))
    decrypt_string(document.get("encKeyValidation_DO_NOT_EDIT"), keys)
    return decrypt_string(document.get("data"), keys)
