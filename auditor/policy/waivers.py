"""The ``[[waiver]]`` tables: accepted risks, each scoped, justified and dated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.i18n.phrase import phrase
from auditor.policy import readers
from auditor.policy.model import Waiver
from auditor.policy.problems import Problems, at, english, entry, quoted
from auditor.policy.readers import Validator

_FIELDS: Mapping[str, Validator] = {
    "check": readers.check_id,
    "practice": readers.finess,
    "portal": readers.nonempty_id,
    "username": readers.text,
    "reason": readers.text,
    "accepted_by": readers.text,
    "expires": readers.date,
}
_REQUIRED = ("reason", "accepted_by", "expires")
_SCOPE = ("check", "practice", "portal", "username")


def add_waivers(raw: Any, source: str, into: list[dict[str, Any]], errors: Problems) -> None:
    """Append one file's valid ``[[waiver]]`` tables to ``into``; waivers add up, never merge."""
    if not isinstance(raw, list):
        errors.append(at(source, at("waiver", phrase("policy.expected_tables", kind="waiver"))))
        return
    for index, item in enumerate(raw, start=1):
        where = entry(source, "waiver", index)
        before = len(errors)
        values = readers.fields(item, _FIELDS, where, errors)
        if not isinstance(item, dict):
            continue
        missing = [key for key in _REQUIRED if key not in item]
        if missing:
            missed = phrase("policy.missing", fields=", ".join(missing), n=len(missing))
            errors.append(at(where, missed))
        if not any(key in item for key in _SCOPE):
            # A waiver without a scope would silence every finding of every practice.
            errors.append(at(where, phrase("policy.no_scope", fields=", ".join(_SCOPE))))
        if len(errors) == before:
            # The English label names the waiver in reports (Waiver.where); the phrase, in errors.
            into.append({**values, "_where": english(where), "_said": where})


def build_waiver(values: dict[str, Any], portal_ids: set[str], errors: Problems) -> Waiver | None:
    portal = values.get("portal")
    if portal is not None and portal not in portal_ids:
        unknown = phrase("policy.unknown_portal", portal=quoted(portal))
        errors.append(at(values["_said"], at("portal", unknown)))
        return None
    return Waiver(
        reason=values["reason"],
        accepted_by=values["accepted_by"],
        expires=values["expires"],
        check=values.get("check"),
        practice=values.get("practice"),
        portal=portal,
        username=values.get("username"),
        where=values["_where"],
    )
