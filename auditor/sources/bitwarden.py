"""The Bitwarden source: JSON exports, unencrypted or password-protected."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from auditor.policy import Policy
from auditor.secrets import Secret
from auditor.sources.bwcrypto import ExportCryptoError, WrongPasswordError, decrypt_export
from auditor.sources.entries import EntrySource, VaultEntry, local_day, parse_time
from auditor.sources.interface import (
    LoadResult,
    SourceError,
    Unlock,
)

logger = logging.getLogger(__name__)

_LOGIN = 1
_TEXT_FIELD, _BOOLEAN_FIELD = 0, 2  # hidden (1) and linked (3) fields are never read


_LONG_AGO = datetime.min.replace(tzinfo=UTC)


def _day(value: object) -> date | None:
    return local_day(parse_time(value))


class BitwardenInventory(EntrySource):
    """A Bitwarden JSON export (individual vault or organisation): one account per login."""

    def load(self, policy: Policy, as_of: date) -> LoadResult:
        document = self._document()
        folders = _names(document.get("folders"))
        collections = _names(document.get("collections"))
        items = document.get("items")
        if not isinstance(items, list):
            raise SourceError(f"{self.path}: not a Bitwarden export (no list of items)")
        reader = self.reader(policy, as_of)
        other = 0
        for item in items:
            if not isinstance(item, dict):
                raise SourceError(f"{self.path}: not a Bitwarden export (an item is not an object)")
            if item.get("type") != _LOGIN or item.get("deletedDate"):
                other += 1  # cards, notes, identities, and items in the trash
                continue
            reader.read(_vault_entry(item, folders, collections))
        if other:
            logger.info("%s: %d items are not logins and are not audited", self.path, other)
        return reader.result()

    def _document(self) -> dict[str, Any]:
        document = self._json(self.file.read_bytes())
        if document.get("encrypted") is not True:
            return document
        if document.get("passwordProtected") is not True:
            raise SourceError(
                f"{self.path}: an account-restricted encrypted export, which only the Bitwarden "
                "account that made it can open; export again as 'Password protected' or as "
                "unencrypted .json"
            )
        password = self.options.ask_secret(Unlock.BITWARDEN, self.file)
        try:
            return self._json(decrypt_export(document, password))
        except WrongPasswordError:
            raise SourceError(
                f"{self.path}: wrong export password (or the file was altered)"
            ) from None
        except ExportCryptoError as exc:
            raise SourceError(f"{self.path}: cannot decrypt the export: {exc}") from None

    def _json(self, data: bytes) -> dict[str, Any]:
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise SourceError(f"{self.path}: not UTF-8 text, so not a Bitwarden export") from None
        except json.JSONDecodeError as exc:
            # The position only: the text around it could be a password.
            raise SourceError(
                f"{self.path}: not valid JSON (line {exc.lineno}, column {exc.colno}); "
                "a truncated export?"
            ) from None
        if not isinstance(document, dict) or not ("items" in document or "encrypted" in document):
            raise SourceError(f"{self.path}: not a Bitwarden JSON export")
        return document


def _names(listed: object) -> dict[str, str]:
    """Folder or collection names by id."""
    if not isinstance(listed, list):
        return {}
    return {
        str(item["id"]): str(item.get("name") or "")
        for item in listed
        if isinstance(item, dict) and "id" in item
    }


def _vault_entry(
    item: Mapping[str, Any], folders: Mapping[str, str], collections: Mapping[str, str]
) -> VaultEntry:
    login = item.get("login")
    if not isinstance(login, dict):
        login = {}
    name = str(item.get("name") or "")
    folder = folders.get(str(item.get("folderId")), "")
    # Nested folders and collections are named "Parent/Child".
    groups = [part for part in folder.split("/") if part]
    for collection_id in item.get("collectionIds") or []:
        groups += [part for part in collections.get(str(collection_id), "").split("/") if part]
    fields = {
        str(found.get("name")): str(found.get("value"))
        for found in item.get("fields") or []
        if isinstance(found, dict)
        and found.get("type") in (_TEXT_FIELD, _BOOLEAN_FIELD)
        and found.get("name")
        and found.get("value") is not None
    }
    history = sorted(
        (
            old
            for old in item.get("passwordHistory") or []
            if isinstance(old, dict) and isinstance(old.get("password"), str)
        ),
        key=lambda old: parse_time(old.get("lastUsedDate")) or _LONG_AGO,
    )
    changed, approximate = _change_date(item, login, history)
    password = login.get("password") or ""
    return VaultEntry(
        where="/".join([*groups, name]),
        line=None,
        title=name,
        username=str(login.get("username") or ""),
        urls=tuple(
            str(uri["uri"])
            for uri in login.get("uris") or []
            if isinstance(uri, dict) and uri.get("uri")
        ),
        folders=tuple(groups),
        fields=fields,
        password=Secret(str(password)) if password else None,
        history=tuple(Secret(old["password"]) for old in history),
        totp=bool(login.get("totp")),
        changed=changed,
        changed_approximate=approximate,
    )


def _change_date(
    item: Mapping[str, Any], login: Mapping[str, Any], history: list[dict[str, Any]]
) -> tuple[date | None, bool]:
    """When the current password was set, and whether that day is only approximate.

    ``passwordRevisionDate`` is set when a password changes; else the newest
    history item's ``lastUsedDate`` (its password stopped being used when the
    current one was set); else, without history, the password is the item's
    first one: its creation date. Last resort: the item's last revision.
    """
    if (revised := _day(login.get("passwordRevisionDate"))) is not None:
        return revised, False
    if history and (replaced := _day(history[-1].get("lastUsedDate"))) is not None:
        return replaced, False
    if not history and (created := _day(item.get("creationDate"))) is not None:
        return created, False
    if (revision := _day(item.get("revisionDate"))) is not None:
        return revision, True
    return None, False
