"""The ``[[portal]]`` tables: their fields, their merge by id, and the ``Portal`` of each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.i18n.phrase import phrase
from auditor.policy import readers
from auditor.policy.model import MfaSupport, Portal
from auditor.policy.names import plain_key
from auditor.policy.problems import Problems, at, quoted
from auditor.policy.readers import InvalidValueError, Validator

MAX_ALIASES = 32
"""Aliases per portal: the built-in ones have at most five; every name is compared with each
left-out vault entry's title, so a list without end would slow every audit."""
MAX_ALIAS_LENGTH = 80
"""Characters in an alias: longer than any operator's name, shorter than a sentence."""


def aliases(value: Any) -> tuple[str, ...]:
    """Other names of a portal: non-empty strings, each with a letter or digit to match on."""
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise InvalidValueError(phrase("policy.expected.aliases"))
    if len(value) > MAX_ALIASES:
        raise InvalidValueError(phrase("policy.expected.few_aliases", limit=str(MAX_ALIASES)))
    for alias in value:
        if len(alias) > MAX_ALIAS_LENGTH:
            limit = str(MAX_ALIAS_LENGTH)
            raise InvalidValueError(phrase("policy.expected.short_aliases", limit=limit))
        if not plain_key(alias):
            raise InvalidValueError(phrase("policy.expected.no_letter", alias=quoted(alias)))
    return tuple(alias.strip() for alias in value)


_FIELDS: Mapping[str, Validator] = {
    "id": readers.nonempty_id,
    "name": readers.string,
    "aliases": aliases,
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


def add_portals(raw: Any, source: str, into: dict[str, dict[str, Any]], errors: Problems) -> None:
    """Merge one file's ``[[portal]]`` tables into ``into``, by id."""
    readers.entries(raw, kind="portal", spec=_FIELDS, source=source, errors=errors, into=into)


def build_portal(values: dict[str, Any], errors: Problems) -> Portal | None:
    where = phrase("policy.portal", source=values["_file"], id=quoted(values["id"]))
    missing = [key for key in _REQUIRED if key not in values]
    if missing:
        fields = ", ".join(missing)
        errors.append(at(where, phrase("policy.missing_for_portal", fields=fields, n=len(missing))))
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
        aliases=values.get("aliases", ()),
        # portals.toml lists the domain people type first (viamedis.net, then viamedis.fr).
        address=values["domains"][0] if values["domains"] else "",
    )


def check_names(portals: Mapping[str, Mapping[str, Any]], errors: Problems) -> None:
    """Note every id, display name or alias that names two portals, naming both and their files.

    Names are compared as ``find_portal`` compares them (``plain_key``). Ids and
    display names are claimed first, so a clash is blamed on the alias that
    makes it. A name without its parentheses is no claim: it only serves when
    nothing else claims it (``PortalNames.of``).
    """
    claimed: dict[str, tuple[str, str, str, str]] = {}

    def claim(portal_id: str, values: Mapping[str, Any], field: str, name: str) -> None:
        key = plain_key(name)
        if not key:
            return
        # The file that wrote this field; an id belongs to the file that declared the portal.
        set_in = values["_file"] if field == "id" else values["_set_in"].get(field, values["_file"])
        owner = claimed.setdefault(key, (portal_id, field, name, set_in))
        if owner[0] != portal_id:
            other, other_field, other_name, other_file = owner
            clash = phrase(
                "policy.alias_clash",
                claim=phrase(_FIELD_WORDS[field][0]),
                name=quoted(name),
                other=quoted(other),
                other_claim=phrase(_FIELD_WORDS[other_field][1]),
                other_name=quoted(other_name),
                other_file=other_file,
            )
            errors.append(at(phrase("policy.portal", source=set_in, id=quoted(portal_id)), clash))

    for portal_id, values in portals.items():
        claim(portal_id, values, "id", portal_id)
        if isinstance(values.get("name"), str):
            claim(portal_id, values, "name", values["name"])
    for portal_id, values in portals.items():
        for alias in values.get("aliases", ()):
            claim(portal_id, values, "aliases", alias)


_FIELD_WORDS = {
    "id": ("policy.claim.id", "policy.its.id"),
    "name": ("policy.claim.name", "policy.its.name"),
    "aliases": ("policy.claim.alias", "policy.its.alias"),
}
"""Each field that claims a name, as the subject of a clash and as the other portal's."""
