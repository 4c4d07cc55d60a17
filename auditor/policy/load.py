"""Reading, validating and layering policy TOML files into one effective ``Policy``."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.files.bounded import FileTooLargeError, read_capped
from auditor.files.packaged import data_dir
from auditor.models import CheckId, Severity
from auditor.policy.contacts import add_contacts
from auditor.policy.errors import PolicyError
from auditor.policy.incidents import add_incidents, build_incident
from auditor.policy.limits import MAX_NESTING, MAX_POLICY_BYTES, nesting_depth
from auditor.policy.model import Policy
from auditor.policy.portals import add_portals, build_portal, check_names
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
_SECTIONS = ("portal", "incident", "waiver", "practice_contacts", *TABLES, "severity", "deadlines")


@dataclass
class _Layers:
    """The merged content of policy files, before it becomes a ``Policy``."""

    portals: dict[str, dict[str, Any]] = field(default_factory=dict)
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    severities: dict[CheckId, Severity] = field(default_factory=dict)
    deadlines: dict[Severity, int] = field(default_factory=dict)
    waivers: list[dict[str, Any]] = field(default_factory=list)
    """Each ``[[waiver]]`` as validated fields plus ``_where``; waivers add up, never merge."""
    contacts: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


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
        else:
            known = ", ".join(_SECTIONS)
            layers.errors.append(f"{source}: unknown section {key!r} (known sections: {known})")


def _read(path: Path, label: str) -> dict[str, Any]:
    try:
        raw = read_capped(path, MAX_POLICY_BYTES)
    except FileTooLargeError as exc:
        raise PolicyError(
            f"{label}: larger than {MAX_POLICY_BYTES // 1024} KiB, not a policy file "
            "(see README, Known limits)"
        ) from exc
    except OSError as exc:
        raise PolicyError(f"{label}: cannot read policy file: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{label}: policy files must be UTF-8 ({exc.reason})") from exc
    too_deep = PolicyError(f"{label}: nested deeper than {MAX_NESTING} levels")
    if nesting_depth(text) > MAX_NESTING:
        raise too_deep
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{label}: not valid TOML: {exc}") from exc
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
        raise PolicyError("invalid policy:\n  " + "\n  ".join(errors))
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
            raise PolicyError(f"built-in policy {name} is damaged: {exc}") from exc
        _add_file(layers, data, f"built-in:{name}")
    for path in user_files:
        _add_file(layers, _read(path, str(path)), str(path))
    return _build(layers)
