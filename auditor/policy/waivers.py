"""The ``[[waiver]]`` tables: accepted risks, each scoped, justified and dated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.policy import readers
from auditor.policy.model import Waiver
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


def add_waivers(raw: Any, source: str, into: list[dict[str, Any]], errors: list[str]) -> None:
    """Append one file's valid ``[[waiver]]`` tables to ``into``; waivers add up, never merge."""
    if not isinstance(raw, list):
        errors.append(f"{source}: waiver: expected [[waiver]] tables")
        return
    for index, item in enumerate(raw, start=1):
        where = f"{source}: [[waiver]] #{index}"
        before = len(errors)
        values = readers.fields(item, _FIELDS, where, errors)
        if not isinstance(item, dict):
            continue
        missing = [key for key in _REQUIRED if key not in item]
        if missing:
            errors.append(f"{where}: missing {', '.join(missing)}")
        if not any(key in item for key in _SCOPE):
            # A waiver without a scope would silence every finding of every practice.
            errors.append(
                f"{where}: name at least one of {', '.join(_SCOPE)} "
                "(a waiver without them would waive everything)"
            )
        if len(errors) == before:
            into.append({**values, "_where": where})


def build_waiver(values: dict[str, Any], portal_ids: set[str], errors: list[str]) -> Waiver | None:
    portal = values.get("portal")
    if portal is not None and portal not in portal_ids:
        errors.append(f"{values['_where']}: portal: unknown portal id {portal!r}")
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
