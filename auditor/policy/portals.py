"""The ``[[portal]]`` tables: their fields, their merge by id, and the ``Portal`` of each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.policy import readers
from auditor.policy.model import MfaSupport, Portal
from auditor.policy.readers import Validator

_FIELDS: Mapping[str, Validator] = {
    "id": readers.nonempty_id,
    "name": readers.string,
    "operator": readers.string,
    "domains": readers.domains,
    "domains_confirmed": readers.boolean,
    "max_age_days": readers.max_age,
    "mfa": readers.mfa,
    "limits_attempts": readers.boolean,
    "notes": readers.string,
    "sources": readers.strings,
}
_REQUIRED = ("name", "domains")


def add_portals(raw: Any, source: str, into: dict[str, dict[str, Any]], errors: list[str]) -> None:
    """Merge one file's ``[[portal]]`` tables into ``into``, by id."""
    readers.entries(raw, kind="portal", spec=_FIELDS, source=source, errors=errors, into=into)


def build_portal(values: dict[str, Any], errors: list[str]) -> Portal | None:
    where = f"{values['_file']}: portal {values['id']!r}"
    missing = [key for key in _REQUIRED if key not in values]
    if missing:
        errors.append(f"{where}: missing {', '.join(missing)} (required for a new portal)")
        return None
    return Portal(
        id=values["id"],
        name=values["name"],
        operator=values.get("operator", ""),
        domains=values["domains"],
        domains_confirmed=values.get("domains_confirmed", False),
        max_age_days=values.get("max_age_days") or None,
        mfa=values.get("mfa", MfaSupport.UNKNOWN),
        limits_attempts=values.get("limits_attempts", False),
        notes=values.get("notes", ""),
        sources=values.get("sources", ()),
    )
