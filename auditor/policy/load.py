"""Reading, validating and layering policy TOML files into one effective ``Policy``."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.files.bounded import FileTooLargeError, read_capped
from auditor.files.packaged import data_dir
from auditor.i18n.oserror import os_reason
from auditor.i18n.phrase import phrase
from auditor.models import CheckId, Severity
from auditor.policy.banned import BannedLayers, add_banned
from auditor.policy.contacts import add_contacts
from auditor.policy.incidents import add_incidents, build_incident
from auditor.policy.limits import MAX_NESTING, MAX_POLICY_BYTES, nesting_depth
from auditor.policy.model import Policy
from auditor.policy.portals import add_portals, build_portal, check_names
from auditor.policy.problems import Problems, at, invalid_policy, policy_error, quoted
from auditor.policy.thresholds import (
    DEFAULT_SEVERITIES,
    TABLES,
    add_deadlines,
    add_severities,
    add_table,
    check_deadlines,
    rotation_rules,
    strength_rules,
)
from auditor.policy.waivers import add_waivers, build_waiver
from auditor.text import fold

BUILTIN_FILES = ("portals.toml", "incidents.toml", "default.toml")
_SECTIONS = (
    "portal",
    "incident",
    "waiver",
    "practice_contacts",
    *TABLES,
    "severity",
    "deadlines",
    "banned",
)


@dataclass
class _Layers:
    """The merged content of policy files, before it becomes a ``Policy``."""

    portals: dict[str, dict[str, Any]] = field(default_factory=dict)
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    severities: dict[CheckId, Severity] = field(default_factory=dict)
    deadlines: dict[Severity, int] = field(default_factory=dict)
    waivers: list[dict[str, Any]] = field(default_factory=list)
    """Each ``[[waiver]]`` as validated fields plus ``_where`` (and its ``_said`` phrase);
    waivers add up, never merge."""
    contacts: dict[str, str] = field(default_factory=dict)
    banned: BannedLayers = field(default_factory=BannedLayers)
    """The ``[banned]`` words of every file, and the word files they name: they add up."""
    files: list[str] = field(default_factory=list)
    errors: Problems = field(default_factory=list)


def _add_file(layers: _Layers, data: Mapping[str, Any], source: str) -> None:
    """Layer one parsed file on top of what is there."""
    layers.files.append(source)
    for key, raw in data.items():
        if key == "portal":
            add_portals(raw, source, layers.portals, layers.errors)
        elif key == "incident":
            add_incidents(raw, source, layers.incidents, layers.errors)
        elif key in TABLES:
            add_table(key, raw, source, layers.tables, layers.errors)
        elif key == "waiver":
            add_waivers(raw, source, layers.waivers, layers.errors)
        elif key == "practice_contacts":
            add_contacts(raw, source, layers.contacts, layers.errors)
        elif key == "severity":
            add_severities(raw, source, layers.severities, layers.errors)
        elif key == "deadlines":
            add_deadlines(raw, source, layers.deadlines, layers.errors)
        elif key == "banned":
            add_banned(raw, source, layers.banned, layers.errors)
        else:
            known = ", ".join(_SECTIONS)
            unknown = phrase("policy.unknown_section", section=quoted(key), known=known)
            layers.errors.append(at(source, unknown))


def _read(path: Path, label: str) -> dict[str, Any]:
    try:
        raw = read_capped(path, MAX_POLICY_BYTES)
    except FileTooLargeError as exc:
        kib = str(MAX_POLICY_BYTES // 1024)
        raise policy_error(phrase("policy.too_large", source=label, kib=kib)) from exc
    except OSError as exc:
        # The system's words, in the catalogue's where it knows them to the byte.
        reason = os_reason(str(exc.strerror), exc.errno)
        raise policy_error(phrase("policy.unreadable", source=label, reason=reason)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise policy_error(phrase("policy.not_utf8", source=label, reason=exc.reason)) from exc
    too_deep = policy_error(phrase("policy.too_deep", source=label, levels=str(MAX_NESTING)))
    if nesting_depth(text) > MAX_NESTING:
        raise too_deep
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's own message, in English: it names the line and the column.
        raise policy_error(phrase("policy.not_toml", source=label, detail=str(exc))) from exc
    except RecursionError as exc:  # invalid TOML the depth count misread; never a traceback
        raise too_deep from exc


def _build(layers: _Layers) -> Policy:
    errors = layers.errors
    portals = [p for p in (build_portal(v, errors) for v in layers.portals.values()) if p]
    check_names(layers.portals, errors)
    portal_ids = {portal.id for portal in portals}
    incidents = [
        i for i in (build_incident(v, portal_ids, errors) for v in layers.incidents.values()) if i
    ]
    waivers = [w for w in (build_waiver(v, portal_ids, errors) for v in layers.waivers) if w]
    check_deadlines(layers.deadlines, errors)
    rules = strength_rules(layers.tables.get("strength", {}), errors)
    rotation = rotation_rules(layers.tables.get("rotation", {}), errors)
    if errors:
        raise invalid_policy(errors)
    return Policy(
        portals=tuple(sorted(portals, key=lambda portal: portal.id)),
        incidents=tuple(sorted(incidents, key=lambda incident: (incident.disclosed, incident.id))),
        strength=rules,
        rotation=rotation,
        generic_owners=frozenset(
            fold(name) for name in layers.tables.get("shared", {}).get("generic_owners", ())
        ),
        mfa_required=layers.tables.get("mfa", {}).get("required", False),
        severities={**DEFAULT_SEVERITIES, **layers.severities},
        deadline_days=dict(layers.deadlines),
        files=tuple(layers.files),
        waivers=tuple(waivers),
        practice_contacts=dict(sorted(layers.contacts.items())),
        banned=layers.banned.built(),
    )


def load_policy(user_files: Iterable[Path] = ()) -> Policy:
    """The built-in policy with each user file layered on top, in order.

    Portals and incidents merge by id (a user file can change one field of a
    built-in portal); tables merge key by key. Every problem is reported at once.
    """
    layers = _Layers()
    builtin = data_dir("policies")
    for name in BUILTIN_FILES:
        resource = builtin.joinpath(name)
        try:
            data = tomllib.loads(resource.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            damaged = phrase("policy.builtin_damaged", name=name, detail=str(exc))
            raise policy_error(damaged) from exc
        _add_file(layers, data, f"built-in:{name}")
    for path in user_files:
        _add_file(layers, _read(path, str(path)), str(path))
    return _build(layers)
