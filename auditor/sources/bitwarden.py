"""The Bitwarden source: JSON exports, unencrypted or password-protected."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from itertools import accumulate
from typing import Any

from auditor.files.bounded import FileTooLargeError, read_capped
from auditor.i18n import machine_english
from auditor.i18n.failure import failure
from auditor.i18n.logged import logged
from auditor.i18n.phrase import Arg, Phrase, phrase
from auditor.models import RowProblem
from auditor.password.secret import Secret
from auditor.policy import Policy
from auditor.sources.bwcrypto import (
    CostlyKdfError,
    ExportCryptoError,
    Kdf,
    WrongPasswordError,
    decrypt_export,
)
from auditor.sources.entries import EntrySource, VaultEntry, local_day, parse_time
from auditor.sources.interface import LoadResult, SourceError, Unlock

logger = logging.getLogger(__name__)

_LOGIN = 1
_TEXT_FIELD, _BOOLEAN_FIELD = 0, 2  # hidden (1) and linked (3) fields are never read

_LONG_AGO = datetime.min.replace(tzinfo=UTC)

# Limits before the JSON parser runs, so a crafted file cannot exhaust memory or the stack.
MAX_JSON_BYTES = 64 << 20
"""A login item takes 0.3–1 KB of JSON: this is 70,000 to 200,000 items, far above any vault.
Parsed JSON takes several times its size in Python objects: a 64 MiB export of 200,000
logins peaks at 378 MiB while it is read (measured), which is what this cap bounds."""
MAX_JSON_DEPTH = 64
"""An export nests 5 levels deep (document, items, item, login, uris, uri); Python's parser
would fail with a RecursionError near 1,000."""
MAX_NUMBER_DIGITS = 40
"""Numbers in an export are item types and KDF settings (a few digits); Python refuses to
convert integers longer than 4,300 digits, and long ones cost quadratic time."""
_ESCAPES = re.compile(rb"\\.", re.DOTALL)
_STRINGS = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_NESTING = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class _TooDeepError(Exception):
    pass


class _NumberTooLongError(Exception):
    pass


class _NotJsonError(Exception):
    pass


class _MalformedError(Exception):
    """A value of an item has the wrong JSON type; ``field`` names it (never its content)."""

    def __init__(self, field: str, reason: Phrase) -> None:
        super().__init__(f"{field}: {machine_english().text(reason)}")
        self.field = field
        self.reason = reason


class BitwardenInventory(EntrySource):
    """A Bitwarden JSON export (individual vault or organisation): one account per login."""

    def load(self, policy: Policy, as_of: date) -> LoadResult:
        document = self._document()
        folders = self._names(document, "folders", "folder")
        collections = self._names(document, "collections", "collection")
        items = document.get("items")
        if not isinstance(items, list):
            raise failure(SourceError, "source_error.bw_no_items", path=self.path)
        reader = self.reader(policy, as_of)
        other = 0
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise failure(SourceError, "source_error.bw_item_not_object", path=self.path)
            kind = item.get("type")
            if type(kind) is not int:
                # Not silently "not a login": it could be one, and would go unaudited.
                reason = phrase("problem.json.not_number", kind=_kind(kind))
                reader.note(RowProblem(self.path, None, "type", reason, f"item {number}"))
                continue
            # Bitwarden writes null for an item outside the trash; "" or false is no date either.
            if kind != _LOGIN or item.get("deletedDate"):
                other += 1  # cards, notes, identities, and items in the trash
                continue
            try:
                entry = _vault_entry(item, folders, collections)
            except _MalformedError as exc:
                reader.note(RowProblem(self.path, None, exc.field, exc.reason, f"item {number}"))
                continue
            reader.read(entry)
        if other:
            said = logged("log.not_login_items", path=self.path, count=str(other), n=other)
            logger.info("%s", said)
        return reader.result()

    def _document(self) -> dict[str, Any]:
        try:
            data = read_capped(self.file, MAX_JSON_BYTES)
        except FileTooLargeError as exc:
            raise failure(
                SourceError, "source_error.bw_too_large", path=self.path, limit=MAX_JSON_BYTES
            ) from exc
        except OSError as exc:
            raise failure(
                SourceError, "source_error.cannot_read", path=self.path, kind=type(exc).__name__
            ) from exc
        document = self._json(data)
        if document.get("encrypted") is not True:
            return document
        if document.get("passwordProtected") is not True:
            raise failure(SourceError, "source_error.bw_account_restricted", path=self.path)
        try:
            # Checked before the password is asked for, and before any derivation runs.
            kdf = Kdf.of(document, allow_costly=self.options.allow_costly_kdf)
            password = self.options.ask_secret(Unlock.BITWARDEN, self.file)
            return self._json(decrypt_export(document, password, kdf))
        except WrongPasswordError:
            raise failure(SourceError, "source_error.bw_wrong_password", path=self.path) from None
        except CostlyKdfError as exc:
            raise failure(
                SourceError, "source_error.bw_costly", path=self.path, cost=_said(exc)
            ) from None
        except ExportCryptoError as exc:
            raise failure(
                SourceError, "source_error.bw_cannot_decrypt", path=self.path, reason=_said(exc)
            ) from None

    def _json(self, data: bytes) -> dict[str, Any]:
        try:
            text = data.decode("utf-8-sig")
            _check_depth(data)
            document = json.loads(
                text, parse_int=_integer, parse_float=_real, parse_constant=_constant
            )
        except UnicodeDecodeError:
            raise failure(SourceError, "source_error.bw_not_utf8", path=self.path) from None
        except (_TooDeepError, RecursionError):
            raise failure(
                SourceError, "source_error.bw_too_deep", path=self.path, most=MAX_JSON_DEPTH
            ) from None
        except _NumberTooLongError:
            raise failure(
                SourceError, "source_error.bw_long_number", path=self.path, most=MAX_NUMBER_DIGITS
            ) from None
        except _NotJsonError:
            raise failure(SourceError, "source_error.bw_nan", path=self.path) from None
        except json.JSONDecodeError as exc:
            # The position only: the text around it could be a password.
            raise failure(
                SourceError,
                "source_error.bw_bad_json",
                path=self.path,
                line=str(exc.lineno),
                column=str(exc.colno),
            ) from None
        if not isinstance(document, dict) or not ("items" in document or "encrypted" in document):
            raise failure(SourceError, "source_error.bw_not_export", path=self.path)
        return document

    def _names(self, document: Mapping[str, Any], key: str, what: str) -> dict[str, str]:
        """Folder or collection names by id."""
        listed = document.get(key)
        if listed is None:
            return {}
        if not isinstance(listed, list):
            raise failure(SourceError, "source_error.bw_not_list", path=self.path, name=key)
        names = {}
        for number, value in enumerate(listed, start=1):
            try:
                found = _object(value, f"{what} {number}")
                identifier = _text(found, "id", f"{what} {number}: id")
                names[identifier] = _text(found, "name", f"{what} {number}: name")
            except _MalformedError as exc:
                raise failure(
                    SourceError,
                    "source_error.bw_bad_name",
                    path=self.path,
                    field=exc.field,
                    reason=exc.reason,
                ) from None
        return names


def _said(exc: ExportCryptoError) -> Arg:
    """Why an export cannot be decrypted: its phrase, or its English text when it has none."""
    return exc.phrase if isinstance(exc.phrase, Phrase) else str(exc)


def _check_depth(data: bytes) -> None:
    if _depth(data) > MAX_JSON_DEPTH:
        raise _TooDeepError


def _depth(data: bytes) -> int:
    """How deep brackets nest outside JSON strings, in linear time and without recursion.

    Escapes go first (so ``\\"`` cannot end a string), then strings, then all but
    brackets; what is left is summed as +1/-1. A file that is not JSON may count
    wrongly, but the parser rejects it before it recurses that far.
    """
    brackets = _STRINGS.sub(b"", _ESCAPES.sub(b"", data)).translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= MAX_JSON_DEPTH:
        return 0
    return max(accumulate(map(_NESTING.__getitem__, brackets)), default=0)


def _number_digits(text: str) -> int:
    return len(text) - sum(text.count(sign) for sign in "+-.eE")


def _integer(text: str) -> int:
    if _number_digits(text) > MAX_NUMBER_DIGITS:
        raise _NumberTooLongError
    return int(text)


def _real(text: str) -> float:
    if _number_digits(text) > MAX_NUMBER_DIGITS:
        raise _NumberTooLongError
    return float(text)


def _constant(text: str) -> float:
    raise _NotJsonError(text)


def _kind(value: object) -> Phrase:
    """A JSON value's type, to say what was found instead (never the value itself)."""
    if value is None:
        return phrase("problem.json.null")
    if isinstance(value, bool):
        return phrase("problem.json.boolean")
    if isinstance(value, int | float):
        return phrase("problem.json.number")
    if isinstance(value, str):
        return phrase("problem.json.text")
    return phrase("problem.json.list" if isinstance(value, list) else "problem.json.object")


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _MalformedError(field, phrase("problem.json.not_object", kind=_kind(value)))
    return value


def _text(parent: Mapping[str, Any], key: str, field: str) -> str:
    """A text value; missing or null is empty."""
    value = parent.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _MalformedError(field, phrase("problem.json.not_text", kind=_kind(value)))
    return value


def _list(parent: Mapping[str, Any], key: str, field: str) -> list[Any]:
    """A list value; missing or null is empty."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _MalformedError(field, phrase("problem.json.not_list", kind=_kind(value)))
    return value


def _day(parent: Mapping[str, Any], key: str, field: str) -> date | None:
    return local_day(parse_time(_text(parent, key, field)))


def _vault_entry(
    item: Mapping[str, Any], folders: Mapping[str, str], collections: Mapping[str, str]
) -> VaultEntry:
    """The item's login; ``_MalformedError`` when a value it reads has the wrong JSON type."""
    # A login that is not an object reads as an empty one (the entry then has no username,
    # itself a problem), and history records that are not objects are not history: both are
    # "odd but readable" (tests/sources/test_bitwarden.py). Every value read is type-checked.
    login = item.get("login")
    if not isinstance(login, dict):
        login = {}
    name = _text(item, "name", "name")
    folder = folders.get(_text(item, "folderId", "folderId"), "")
    # Nested folders and collections are named "Parent/Child".
    groups = [part for part in folder.split("/") if part]
    for number, collection_id in enumerate(_list(item, "collectionIds", "collectionIds"), 1):
        if not isinstance(collection_id, str):
            raise _MalformedError(
                f"collectionIds[{number}]",
                phrase("problem.json.not_text", kind=_kind(collection_id)),
            )
        groups += [part for part in collections.get(collection_id, "").split("/") if part]
    fields = {}
    for number, value in enumerate(_list(item, "fields", "fields"), start=1):
        where = f"fields[{number}]"
        found = _object(value, where)
        if found.get("type") not in (_TEXT_FIELD, _BOOLEAN_FIELD) or isinstance(
            found.get("type"), bool
        ):
            continue  # hidden and linked fields are never read, whatever they hold
        key = _text(found, "name", f"{where}.name")
        text = found.get("value")
        if text is not None and not isinstance(text, str):
            raise _MalformedError(
                f"{where}.value", phrase("problem.json.not_text", kind=_kind(text))
            )
        if key and text is not None:
            fields[key] = text
    history = []
    for number, value in enumerate(_list(item, "passwordHistory", "passwordHistory"), start=1):
        if not isinstance(value, dict):
            continue
        where = f"passwordHistory[{number}]"
        old = value
        password = _text(old, "password", f"{where}.password")
        if password:
            used = parse_time(_text(old, "lastUsedDate", f"{where}.lastUsedDate"))
            history.append((used or _LONG_AGO, password))
    history.sort(key=lambda old: old[0])
    changed, approximate = _change_date(item, login, history)
    password = _text(login, "password", "login.password")
    urls = []
    for number, uri in enumerate(_list(login, "uris", "login.uris"), start=1):
        if text := _text(_object(uri, f"login.uris[{number}]"), "uri", f"login.uris[{number}].uri"):
            urls.append(text)
    return VaultEntry(
        where="/".join([*groups, name]),
        line=None,
        title=name,
        username=_text(login, "username", "login.username"),
        urls=tuple(urls),
        folders=tuple(groups),
        fields=fields,
        password=Secret(password) if password else None,
        history=tuple(Secret(old) for _, old in history),
        totp=bool(_text(login, "totp", "login.totp")),
        changed=changed,
        changed_approximate=approximate,
    )


def _change_date(
    item: Mapping[str, Any], login: Mapping[str, Any], history: list[tuple[datetime, str]]
) -> tuple[date | None, bool]:
    """When the current password was set, and whether that day is only approximate.

    ``passwordRevisionDate`` is set when a password changes; else the newest
    history item's ``lastUsedDate`` (its password stopped being used when the
    current one was set); else, without history, the password is the item's
    first one: its creation date. Last resort: the item's last revision.
    """
    revised = _day(login, "passwordRevisionDate", "login.passwordRevisionDate")
    created = _day(item, "creationDate", "creationDate")
    revision = _day(item, "revisionDate", "revisionDate")
    if revised is not None:
        return revised, False
    if history and history[-1][0] != _LONG_AGO:
        return local_day(history[-1][0]), False
    if not history and created is not None:
        return created, False
    if revision is not None:
        return revision, True
    return None, False
