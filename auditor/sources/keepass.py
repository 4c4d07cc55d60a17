"""The KeePass source: ``.kdbx`` databases (KDBX 3 and 4), opened with pykeepass."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from pykeepass import PyKeePass
from pykeepass.exceptions import CredentialsError, HeaderChecksumError, PayloadChecksumError

from auditor.policy import Policy
from auditor.secrets import Secret
from auditor.sources.entries import EntrySource, VaultEntry, local_day
from auditor.sources.interface import (
    LoadResult,
    SourceError,
    Unlock,
)

logger = logging.getLogger(__name__)

# Where KeePass and its plugins keep a one-time-password secret: KeePassXC's
# "otp" field, KeePass 2.47+'s TimeOtp-/HmacOtp- fields, and the TrayTOTP and
# KeeOtp plugins' fields.
_OTP_FIELDS = ("otp", "TOTP Seed", "TOTP Settings", "TimeOtp-Secret", "HmacOtp-Secret")


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
            logger.info("%s: %d entries in the recycle bin are not audited", self.path, skipped)
        return reader.result()

    def _open(self) -> Any:
        key_file = self.options.keepass_key_file
        if key_file is not None and not key_file.is_file():
            raise SourceError(f"{key_file}: no such key file")
        with self.file.open("rb") as head:
            signature = head.read(8)
        if signature == b"\x03\xd9\xa2\x9a\x65\xfb\x4b\xb5":
            raise SourceError(
                f"{self.path}: a KeePass 1 (.kdb) database; open it in KeePass 2 or KeePassXC "
                "and save it as .kdbx"
            )
        password = self.options.ask_secret(Unlock.KEEPASS, self.file)
        try:
            return PyKeePass(
                self.path,
                # A database opened by its key file alone has no password at all.
                password=password if password or key_file is None else None,
                keyfile=str(key_file) if key_file is not None else None,
            )
        except CredentialsError:
            raise SourceError(
                f"{self.path}: wrong master password or key file"
                + ("" if key_file else " (does this database need --keepass-key-file?)")
            ) from None
        except HeaderChecksumError:
            raise SourceError(f"{self.path}: not a KeePass database, or a damaged one") from None
        except PayloadChecksumError:
            raise SourceError(f"{self.path}: the database's contents are damaged") from None
        except Exception as exc:  # noqa: BLE001 - pykeepass raises parser errors of many kinds
            # Never the exception's text: parser errors quote the bytes they read.
            raise SourceError(
                f"{self.path}: cannot read this KeePass database: damaged, truncated or an "
                f"unsupported variant ({type(exc).__name__})"
            ) from None


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
