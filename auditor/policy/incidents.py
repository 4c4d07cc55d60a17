"""The ``[[incident]]`` tables: their fields, their merge by id, and the ``Incident`` of each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.i18n.phrase import phrase
from auditor.policy import readers
from auditor.policy.model import Incident
from auditor.policy.problems import Problems, at, quoted
from auditor.policy.readers import Validator

_FIELDS: Mapping[str, Validator] = {
    "id": readers.nonempty_id,
    "name": readers.string,
    "name_fr": readers.string,
    "portals": readers.strings,
    "disclosed": readers.date,
    "rotate_before": readers.date,
    "summary": readers.string,
    "rationale": readers.string,
    "sources": readers.strings,
}
_REQUIRED = ("portals", "disclosed", "rotate_before")


def add_incidents(raw: Any, source: str, into: dict[str, dict[str, Any]], errors: Problems) -> None:
    """Merge one file's ``[[incident]]`` tables into ``into``, by id."""
    readers.entries(raw, kind="incident", spec=_FIELDS, source=source, errors=errors, into=into)


def build_incident(
    values: dict[str, Any], portal_ids: set[str], errors: Problems
) -> Incident | None:
    where = phrase("policy.incident", source=values["_file"], id=quoted(values["id"]))
    missing = [key for key in _REQUIRED if key not in values]
    if missing:
        errors.append(
            at(where, phrase("policy.missing", fields=", ".join(missing), n=len(missing)))
        )
        return None
    unknown = [portal for portal in values["portals"] if portal not in portal_ids]
    if unknown:
        # The file that set the portals is to blame, not the one that declared the incident.
        blamed = phrase(
            "policy.incident", source=values["_set_in"]["portals"], id=quoted(values["id"])
        )
        ids = phrase("policy.unknown_portals", ids=", ".join(unknown), n=len(unknown))
        errors.append(at(blamed, at("portals", ids)))
        return None
    return Incident(
        id=values["id"],
        name=values.get("name", values["id"]),
        name_fr=values.get("name_fr", ""),
        portals=values["portals"],
        disclosed=values["disclosed"],
        rotate_before=values["rotate_before"],
        summary=values.get("summary", ""),
        rationale=values.get("rationale", ""),
        sources=values.get("sources", ()),
    )
