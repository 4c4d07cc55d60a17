"""The KeePass source: ``.kdbx`` databases (KDBX 3 and 4), opened with pykeepass."""

from __future__ import annotations

import io
import logging
from datetime import date
from typing import Any

from auditor.files.bounded import FileTooLargeError, read_capped
from auditor.i18n.failure import failure
from auditor.i18n.logged import logged
from auditor.i18n.phrase import Phrase, phrase
from auditor.password.secret import Secret
from auditor.policy import Policy
from auditor.sources.entries import EntrySource, VaultEntry, local_day
from auditor.sources.interface import (
    LoadResult,
    SourceError,
    Unlock,
)
from auditor.sources.kdbxheader import HeaderError, KdfCost, check_kdbx4_blocks, read_header

logger = logging.getLogger(__name__)

# What a header may ask before the key is derived: caps above every real product's defaults and
# their "1 second" calibrations, so that a planted vault cannot hold the audit for hours or take
# gigabytes. Measured on a 2-core VM: pykeepass's AES-KDF (a Python loop) costs 1.6 µs a round;
# Argon2 about 1.3-2 ms per MiB per pass, plus about 15 ms a pass with 64 lanes. Each cap keeps
# a derivation under about 30 s and 1 GiB; --allow-costly-kdf lifts them.
MAX_AES_ROUNDS = 15_000_000
"""About 25 s here. KeePass's help states a default of 6,000 rounds (60,000 later); its and
KeePassXC's "1 second" buttons calibrate with native AES, which on a fast PC can exceed this cap
(such a vault needs --allow-costly-kdf)."""
MAX_ARGON2_ITERATIONS = 1_000
"""KeePassXC (``Argon2Kdf.cpp``) starts from 10 passes over 64 MiB and calibrates to 1 s: some
dozens of passes on a fast PC. 1,000 passes with 64 lanes take about 15 s here."""
MAX_ARGON2_MEMORY_MIB = 1_024
"""KeePassXC's default is 64 MiB (``m_memory(1 << 16)`` KiB)."""
MAX_ARGON2_LANES = 64
"""KeePassXC's default is the machine's logical cores (``QThread::idealThreadCount()``)."""
MAX_ARGON2_WORK = 12_288
"""MiB × passes: 1 GiB × 12 passes takes about 25 s here, 64 MiB × 192 about 16 s."""
_MIB = 1 << 20
MAX_KDBX_BYTES = 256 * _MIB
"""Real vaults weigh kilobytes to a few MiB, attachments included (KeePassXC warns from 10 MiB
per attachment); pykeepass holds the whole file, its decryption and its XML in memory at once."""

# Where KeePass and its plugins keep a one-time-password secret: KeePassXC's
# "otp" field, KeePass 2.47+'s TimeOtp-/HmacOtp- fields, and the TrayTOTP and
# KeeOtp plugins' fields.
_OTP_FIELDS = ("otp", "TOTP Seed", "TOTP Settings", "TimeOtp-Secret", "HmacOtp-Secret")


def _library() -> Any:  # pykeepass has no type hints: its module is Any to mypy
    """pykeepass, imported when a vault is opened: it is a tenth of a second of every start else."""
    import pykeepass  # noqa: PLC0415 - see above
    import pykeepass.exceptions  # noqa: PLC0415

    return pykeepass


class KeePassInventory(EntrySource):
    """A KeePass database: one account per entry of a known portal."""

    def load(self, policy: Policy, as_of: date) -> LoadResult:
        database = self._open()
        reader = self.reader(policy, as_of)
        bin_group = database.recyclebin_group
        skipped = 0
        for entry in database.entries:
            if bin_group is not None and _inside(entry, bin_group):
                skipped += 1
                continue
            reader.read(_vault_entry(entry))
        if skipped:
            said = logged("log.recycle_bin", path=self.path, count=str(skipped), n=skipped)
            logger.info("%s", said)
        return reader.result()

    def _read(self) -> bytes:
        """The whole file, refused unread when it is larger than any real vault."""
        try:
            return read_capped(self.file, MAX_KDBX_BYTES)
        except FileTooLargeError as exc:
            raise failure(
                SourceError,
                "source_error.kp_too_large",
                path=self.path,
                size=exc.size,
                most=MAX_KDBX_BYTES,
            ) from exc
        except OSError as exc:
            raise failure(
                SourceError, "source_error.cannot_read", path=self.path, kind=type(exc).__name__
            ) from exc

    def _open(self) -> Any:
        key_file = self.options.keepass_key_file
        if key_file is not None and not key_file.is_file():
            raise failure(SourceError, "source_error.no_key_file", path=str(key_file))
        data = self._read()
        if data[:8] == b"\x03\xd9\xa2\x9a\x65\xfb\x4b\xb5":
            raise failure(SourceError, "source_error.kdb", path=self.path)
        head = io.BytesIO(data)
        try:
            header = read_header(head)
        except HeaderError as exc:
            raise failure(
                SourceError, "source_error.at", path=self.path, reason=exc.phrase
            ) from None
        if not self.options.allow_costly_kdf and (excess := _excess(header.cost)) is not None:
            raise failure(SourceError, "source_error.kp_costly", path=self.path, cost=excess)
        if header.version == 4:
            # KDBX 3's blocks are inside the encrypted payload, parsed from memory once decrypted
            # (never longer than this file): a lying length there reads only what is there.
            try:
                check_kdbx4_blocks(data, head.tell())
            except HeaderError as exc:
                raise failure(
                    SourceError, "source_error.at", path=self.path, reason=exc.phrase
                ) from None
        password = self.options.ask_secret(Unlock.KEEPASS, self.file)
        pykeepass = _library()
        try:
            # pykeepass reads the bytes checked above: from a file object it would allocate
            # whatever length a block claims before finding the file shorter (finding 13);
            # from memory a lying length reads only what is there.
            return pykeepass.PyKeePass(
                io.BytesIO(data),
                # A database opened by its key file alone has no password at all.
                password=password if password or key_file is None else None,
                keyfile=str(key_file) if key_file is not None else None,
            )
        except pykeepass.exceptions.CredentialsError:
            wrong = "source_error.kp_wrong_with_key_file" if key_file else "source_error.kp_wrong"
            raise failure(SourceError, wrong, path=self.path) from None
        except pykeepass.exceptions.HeaderChecksumError:
            raise failure(SourceError, "source_error.kp_not_keepass", path=self.path) from None
        except pykeepass.exceptions.PayloadChecksumError:
            raise failure(SourceError, "source_error.kp_payload", path=self.path) from None
        except Exception as exc:  # noqa: BLE001 - pykeepass raises parser errors of many kinds
            # Never the exception's text: parser errors quote the bytes they read.
            raise failure(
                SourceError, "source_error.kp_unreadable", path=self.path, kind=type(exc).__name__
            ) from None


def _excess(cost: KdfCost) -> Phrase | None:
    """What the key derivation asks beyond a cap, and the cap; None when it is within them.

    MiB are rounded as ``f"{:,.0f}"`` rounds them (half to even), which ``round`` does too.
    """
    if cost.function == "AES-KDF":
        if cost.rounds > MAX_AES_ROUNDS:
            return phrase("source_error.kdf.aes_rounds", rounds=cost.rounds, most=MAX_AES_ROUNDS)
        return None
    memory = cost.memory / _MIB
    if cost.rounds > MAX_ARGON2_ITERATIONS:
        return phrase(
            "source_error.kdf.argon2_iterations", rounds=cost.rounds, most=MAX_ARGON2_ITERATIONS
        )
    if memory > MAX_ARGON2_MEMORY_MIB:
        return phrase(
            "source_error.kdf.argon2_memory", mib=round(memory), most=MAX_ARGON2_MEMORY_MIB
        )
    if cost.parallelism > MAX_ARGON2_LANES:
        return phrase(
            "source_error.kdf.argon2_lanes", lanes=cost.parallelism, most=MAX_ARGON2_LANES
        )
    if (work := cost.rounds * memory) > MAX_ARGON2_WORK:
        return phrase(
            "source_error.kdf.argon2_work",
            rounds=cost.rounds,
            mib=round(memory),
            work=round(work),
            most=MAX_ARGON2_WORK,
        )
    return None


def _inside(entry: Any, group: Any) -> bool:
    parent = entry.group
    while parent is not None:
        if parent.uuid == group.uuid:
            return True
        parent = parent.parentgroup
    return False


def _vault_entry(entry: Any) -> VaultEntry:
    """The entry's login, its history and what its custom fields say."""
    folders = tuple(name for name in (entry.group.path or []) if name)
    title = entry.title or ""
    fields = {}
    totp = bool(entry.otp)
    for key, value in entry.custom_properties.items():
        if key.startswith(_OTP_FIELDS):
            totp = totp or bool(value)
        elif value and not entry.is_custom_property_protected(key):
            # Protected fields are the ones KeePass hides: they may hold secrets.
            fields[key] = value
    password = entry.deref("password") or ""
    history = sorted(entry.history, key=lambda item: item.mtime)
    changed, approximate = _change_date(entry, password, history)
    return VaultEntry(
        where="/".join([*folders, title]),
        line=None,
        title=title,
        username=entry.deref("username") or "",
        urls=(entry.url,) if entry.url else (),
        folders=folders,
        fields=fields,
        password=Secret(password) if password else None,
        history=tuple(Secret(item.password or "") for item in history),
        totp=totp,
        changed=changed,
        changed_approximate=approximate,
        expires=local_day(entry.expiry_time) if entry.expires else None,
    )


def _change_date(entry: Any, password: str, history: list[Any]) -> tuple[date | None, bool]:
    """When the current password was set, and whether that day is only approximate.

    KeePass snapshots an entry into its history before each edit, so the state
    that follows the newest snapshot with another password is the edit that set
    the current one: its modification time is the change date. Without such a
    snapshot, the entry's modification time is the best guess (approximate).
    """
    states = [*history, entry]
    for position in range(len(history) - 1, -1, -1):
        if (history[position].password or "") != password:
            return local_day(states[position + 1].mtime), False
    return local_day(entry.mtime), True
