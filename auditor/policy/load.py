"""Reading, validating and layering policy TOML files into one effective ``Policy``."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from auditor.files.bounded import FileTooLargeError, read_capped
from auditor.files.packaged import data_dir
from auditor.finess import finess_problem
from auditor.models import CheckId, Role, Severity
from auditor.policy.errors import PolicyError
from auditor.policy.limits import (
    MAX_BITS,
    MAX_DAYS,
    MAX_NESTING,
    MAX_POLICY_BYTES,
    MAX_SCORE,
    MAX_WINDOW_DAYS,
    nesting_depth,
)
from auditor.policy.model import (
    Incident,
    MfaSupport,
    Policy,
    Portal,
    RotationRules,
    StrengthRules,
    Waiver,
)
from auditor.text import fold, is_email

BUILTIN_FILES = ("portals.toml", "incidents.toml", "default.toml")

DEFAULT_SEVERITIES: Mapping[CheckId, Severity] = {
    CheckId.BREACHED: Severity.CRITICAL,
    CheckId.EMPTY_PASSWORD: Severity.CRITICAL,
    CheckId.INCIDENT_ROTATION: Severity.CRITICAL,
    CheckId.REUSED: Severity.HIGH,
    CheckId.WEAK: Severity.HIGH,
    CheckId.CONTEXTUAL: Severity.HIGH,
    CheckId.ROTATION_OVERDUE: Severity.HIGH,
    CheckId.ROTATION_DUE: Severity.LOW,
    CheckId.AGE_UNKNOWN: Severity.MEDIUM,
    CheckId.NO_MFA: Severity.MEDIUM,
    CheckId.SHARED_ACCOUNT: Severity.MEDIUM,
    CheckId.RECYCLED: Severity.HIGH,
    CheckId.PREDICTABLE_ROTATION: Severity.HIGH,
}

Validator = Callable[[Any], Any]


class _InvalidValueError(Exception):
    """A value does not have the expected type; carries the expectation."""


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _InvalidValueError("expected a string")
    return value


def _nonempty_id(value: Any) -> str:
    text = _string(value).strip()
    if not text or not all(ch.isalnum() or ch in "-_" for ch in text) or text != text.lower():
        raise _InvalidValueError("expected a lower-case id of letters, digits, '-' or '_'")
    return text


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _InvalidValueError("expected true or false")
    return value


def _whole(value: Any, low: int, high: int, what: str) -> int:
    # bool is an int in Python, and TOML's 1.5, inf and nan are floats: all refused.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _InvalidValueError(f"expected {what} from {low} to {high}")
    return value


def _days(value: Any) -> int:
    return _whole(value, 0, MAX_DAYS, "a whole number of days")


def _window(value: Any) -> int:
    return _whole(value, 0, MAX_WINDOW_DAYS, "a whole number of days")


def _max_age(value: Any) -> int:
    return _whole(value, 0, MAX_DAYS, "a whole number of days (0: no periodic renewal)")


def _score(value: Any) -> int:
    return _whole(value, 0, MAX_SCORE, "a zxcvbn score")


def _bits(value: Any) -> int:
    return _whole(value, 0, MAX_BITS, "a number of bits")


def _date(value: Any) -> date:
    # tomllib gives datetime for "2024-02-12T10:00": a bare date is required.
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise _InvalidValueError("expected a date such as 2024-02-12 (unquoted)")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _InvalidValueError("expected a list of strings")
    return tuple(value)


def _domains(value: Any) -> tuple[str, ...]:
    domains = _strings(value)
    for domain in domains:
        if "/" in domain or "." not in domain or domain != domain.strip().lower():
            raise _InvalidValueError(
                f"expected bare lower-case domains such as example.fr, got {domain!r}"
            )
    return domains


def _text(value: Any) -> str:
    text = _string(value).strip()
    if not text:
        raise _InvalidValueError("expected a non-empty string")
    return text


def _check_id(value: Any) -> CheckId:
    try:
        return CheckId(_string(value))
    except ValueError:
        ids = ", ".join(c.value for c in CheckId)
        raise _InvalidValueError(f"unknown check id {value!r} (ids: {ids})") from None


def _finess(value: Any) -> str:
    text = _string(value).strip()
    if (reason := finess_problem(text)) is not None:
        raise _InvalidValueError(f"{text!r}: {reason}")
    return text


def _email(value: Any) -> str:
    text = _string(value).strip()
    if not is_email(text):
        raise _InvalidValueError(f"{text!r} is not an e-mail address")
    return text


def _mfa(value: Any) -> MfaSupport:
    try:
        return MfaSupport(_string(value))
    except ValueError:
        raise _InvalidValueError(
            f"expected one of {', '.join(m.value for m in MfaSupport)}"
        ) from None


def _role_days(value: Any) -> dict[Role, int | None]:
    if not isinstance(value, dict):
        raise _InvalidValueError("expected a table such as { user = 0, admin = 365 }")
    result: dict[Role, int | None] = {}
    for key, days in value.items():
        try:
            role = Role(key)
        except ValueError:
            raise _InvalidValueError(f"unknown role {key!r} (expected user or admin)") from None
        try:
            result[role] = _max_age(days) or None
        except _InvalidValueError as exc:
            raise _InvalidValueError(f"{key}: {exc}") from None
    return result


_PORTAL_FIELDS: Mapping[str, Validator] = {
    "id": _nonempty_id,
    "name": _string,
    "operator": _string,
    "domains": _domains,
    "domains_confirmed": _boolean,
    "max_age_days": _max_age,
    "mfa": _mfa,
    "limits_attempts": _boolean,
    "notes": _string,
    "sources": _strings,
}
_INCIDENT_FIELDS: Mapping[str, Validator] = {
    "id": _nonempty_id,
    "name": _string,
    "name_fr": _string,
    "portals": _strings,
    "disclosed": _date,
    "rotate_before": _date,
    "summary": _string,
    "rationale": _string,
    "sources": _strings,
}
_WAIVER_FIELDS: Mapping[str, Validator] = {
    "check": _check_id,
    "practice": _finess,
    "portal": _nonempty_id,
    "username": _text,
    "reason": _text,
    "accepted_by": _text,
    "expires": _date,
}
_WAIVER_REQUIRED = ("reason", "accepted_by", "expires")
_WAIVER_SCOPE = ("check", "practice", "portal", "username")
_TABLES: Mapping[str, Mapping[str, Validator]] = {
    "strength": {
        "min_zxcvbn_score": _score,
        "min_entropy_bits": _bits,
        "min_entropy_bits_limited": _bits,
        "sources": _strings,
    },
    "rotation": {
        "reminder_window_days": _window,
        "max_age_days": _role_days,
        "sources": _strings,
    },
    "shared": {"generic_owners": _strings},
    "mfa": {"required": _boolean},
}
_SECTIONS = ("portal", "incident", "waiver", "practice_contacts", *_TABLES, "severity", "deadlines")
_PORTAL_REQUIRED = ("name", "domains")
_INCIDENT_REQUIRED = ("portals", "disclosed", "rotate_before")


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


def _fields(
    raw: Any, spec: Mapping[str, Validator], where: str, errors: list[str]
) -> dict[str, Any]:
    """Validate a TOML table against ``spec``, noting every problem in ``errors``."""
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected a table")
        return {}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        validator = spec.get(key)
        if validator is None:
            known = ", ".join(spec)
            errors.append(f"{where}: unknown key {key!r} (known keys: {known})")
            continue
        try:
            values[key] = validator(value)
        except _InvalidValueError as exc:
            errors.append(f"{where}: {key}: {exc}")
    return values


def _entries(
    raw: Any,
    *,
    kind: str,
    spec: Mapping[str, Validator],
    source: str,
    layers: _Layers,
    into: dict[str, dict[str, Any]],
) -> None:
    if not isinstance(raw, list):
        layers.errors.append(f"{source}: {kind}: expected [[{kind}]] tables")
        return
    for index, item in enumerate(raw, start=1):
        label = item.get("id") if isinstance(item, dict) else None
        where = f"{source}: [[{kind}]] #{index}" + (f" ({label!r})" if label else "")
        values = _fields(item, spec, where, layers.errors)
        if "id" not in values:
            if isinstance(item, dict) and "id" not in item:
                layers.errors.append(f"{where}: id is required")
            continue
        merged = into.setdefault(values["id"], {"_file": source, "_set_in": {}})
        merged.update(values)
        # Which file set each field: an error names the layer that wrote the bad
        # value, not the built-in file that first defined the entry.
        merged["_set_in"].update(dict.fromkeys(values, source))


def _add_file(layers: _Layers, data: Mapping[str, Any], source: str) -> None:
    """Layer one parsed file on top of what is there."""
    layers.files.append(source)
    for key, raw in data.items():
        if key == "portal":
            _entries(
                raw,
                kind="portal",
                spec=_PORTAL_FIELDS,
                source=source,
                layers=layers,
                into=layers.portals,
            )
        elif key == "incident":
            _entries(
                raw,
                kind="incident",
                spec=_INCIDENT_FIELDS,
                source=source,
                layers=layers,
                into=layers.incidents,
            )
        elif key in _TABLES:
            values = _fields(raw, _TABLES[key], f"{source}: [{key}]", layers.errors)
            table = layers.tables.setdefault(key, {})
            if isinstance(values.get("max_age_days"), dict):
                values["max_age_days"] = {**table.get("max_age_days", {}), **values["max_age_days"]}
            table.update(values)
        elif key == "waiver":
            _add_waivers(layers, raw, source)
        elif key == "practice_contacts":
            _add_contacts(layers, raw, source)
        elif key == "severity":
            _add_severities(layers, raw, source)
        elif key == "deadlines":
            _add_deadlines(layers, raw, source)
        else:
            known = ", ".join(_SECTIONS)
            layers.errors.append(f"{source}: unknown section {key!r} (known sections: {known})")


def _add_waivers(layers: _Layers, raw: Any, source: str) -> None:
    if not isinstance(raw, list):
        layers.errors.append(f"{source}: waiver: expected [[waiver]] tables")
        return
    for index, item in enumerate(raw, start=1):
        where = f"{source}: [[waiver]] #{index}"
        before = len(layers.errors)
        values = _fields(item, _WAIVER_FIELDS, where, layers.errors)
        if not isinstance(item, dict):
            continue
        missing = [key for key in _WAIVER_REQUIRED if key not in item]
        if missing:
            layers.errors.append(f"{where}: missing {', '.join(missing)}")
        if not any(key in item for key in _WAIVER_SCOPE):
            # A waiver without a scope would silence every finding of every practice.
            layers.errors.append(
                f"{where}: name at least one of {', '.join(_WAIVER_SCOPE)} "
                "(a waiver without them would waive everything)"
            )
        if len(layers.errors) == before:
            layers.waivers.append({**values, "_where": where})


def _add_contacts(layers: _Layers, raw: Any, source: str) -> None:
    if not isinstance(raw, dict):
        layers.errors.append(f"{source}: [practice_contacts]: expected a table of FINESS = e-mail")
        return
    for key, value in raw.items():
        where = f"{source}: [practice_contacts]: {key}"
        try:
            layers.contacts[_finess(key)] = _email(value)
        except _InvalidValueError as exc:
            layers.errors.append(f"{where}: {exc}")


def _build_waiver(values: dict[str, Any], portal_ids: set[str], errors: list[str]) -> Waiver | None:
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


def _add_severities(layers: _Layers, raw: Any, source: str) -> None:
    if not isinstance(raw, dict):
        layers.errors.append(f"{source}: [severity]: expected a table")
        return
    for key, value in raw.items():
        try:
            check = CheckId(key)
        except ValueError:
            ids = ", ".join(c.value for c in CheckId)
            layers.errors.append(f"{source}: [severity]: unknown check id {key!r} (ids: {ids})")
            continue
        try:
            layers.severities[check] = Severity(value)
        except ValueError:
            names = ", ".join(s.value for s in Severity)
            layers.errors.append(f"{source}: [severity]: {key}: expected one of {names}")


def _add_deadlines(layers: _Layers, raw: Any, source: str) -> None:
    if not isinstance(raw, dict):
        layers.errors.append(f"{source}: [deadlines]: expected a table")
        return
    for key, value in raw.items():
        try:
            severity = Severity(key)
        except ValueError:
            names = ", ".join(s.value for s in Severity)
            layers.errors.append(f"{source}: [deadlines]: unknown severity {key!r} ({names})")
            continue
        try:
            layers.deadlines[severity] = _days(value)
        except _InvalidValueError as exc:
            layers.errors.append(f"{source}: [deadlines]: {key}: {exc}")


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


def _build_portal(values: dict[str, Any], errors: list[str]) -> Portal | None:
    where = f"{values['_file']}: portal {values['id']!r}"
    missing = [key for key in _PORTAL_REQUIRED if key not in values]
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


def _build_incident(
    values: dict[str, Any], portal_ids: set[str], errors: list[str]
) -> Incident | None:
    where = f"{values['_file']}: incident {values['id']!r}"
    missing = [key for key in _INCIDENT_REQUIRED if key not in values]
    if missing:
        errors.append(f"{where}: missing {', '.join(missing)}")
        return None
    unknown = [portal for portal in values["portals"] if portal not in portal_ids]
    if unknown:
        errors.append(
            f"{values['_set_in']['portals']}: incident {values['id']!r}: "
            f"portals: unknown portal id(s) {', '.join(unknown)}"
        )
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


def _require(table: Mapping[str, Any], key: str, section: str, errors: list[str]) -> Any:
    if key not in table:
        errors.append(f"policy: [{section}] {key} is not set by any policy file")
    return table.get(key)


def _build(layers: _Layers) -> Policy:
    errors = layers.errors
    portals = [p for p in (_build_portal(v, errors) for v in layers.portals.values()) if p]
    portal_ids = {portal.id for portal in portals}
    incidents = [
        i for i in (_build_incident(v, portal_ids, errors) for v in layers.incidents.values()) if i
    ]
    waivers = [w for w in (_build_waiver(v, portal_ids, errors) for v in layers.waivers) if w]
    strength = layers.tables.get("strength", {})
    rotation = layers.tables.get("rotation", {})
    missing_deadlines = [s.value for s in Severity if s not in layers.deadlines]
    if missing_deadlines:
        errors.append(f"policy: [deadlines] missing {', '.join(missing_deadlines)}")
    rules = StrengthRules(
        min_zxcvbn_score=_require(strength, "min_zxcvbn_score", "strength", errors),
        min_entropy_bits=_require(strength, "min_entropy_bits", "strength", errors),
        min_entropy_bits_limited=_require(strength, "min_entropy_bits_limited", "strength", errors),
        sources=strength.get("sources", ()),
    )
    rotation_rules = RotationRules(
        reminder_window_days=_require(rotation, "reminder_window_days", "rotation", errors),
        max_age_days=rotation.get("max_age_days", {}),
        sources=rotation.get("sources", ()),
    )
    if errors:
        raise PolicyError("invalid policy:\n  " + "\n  ".join(errors))
    return Policy(
        portals=tuple(sorted(portals, key=lambda portal: portal.id)),
        incidents=tuple(sorted(incidents, key=lambda incident: (incident.disclosed, incident.id))),
        strength=rules,
        rotation=rotation_rules,
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
