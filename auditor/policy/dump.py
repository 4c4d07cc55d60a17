"""Rendering the effective policy back to TOML, for ``portal-audit policy show``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date

from auditor.policy.model import Policy

# JSON escapes C0 but leaves DEL, C1, the line and paragraph separators and the
# bidi controls raw: TOML forbids DEL unescaped, and the others would reach the
# terminal that runs `policy show` (a waiver's reason is free text).
_RAW_CONTROLS = re.compile("[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | date):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, str):
        # JSON string escapes are a subset of TOML basic-string escapes.
        text = json.dumps(value, ensure_ascii=False)
        return _RAW_CONTROLS.sub(lambda found: f"\\u{ord(found[0]):04x}", text)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot render {type(value).__name__} as TOML")


def _lines(pairs: Iterable[tuple[str, object]]) -> list[str]:
    return [f"{key} = {_value(value)}" for key, value in pairs]


def dump_policy(policy: Policy) -> str:
    """The effective policy as a TOML document that ``--policy`` accepts back."""
    out = ["# Effective policy, layered from: " + ", ".join(policy.files), ""]
    strength = policy.strength
    out += [
        "[strength]",
        *_lines(
            [
                ("min_entropy_bits", strength.min_entropy_bits),
                ("min_entropy_bits_limited", strength.min_entropy_bits_limited),
                ("min_zxcvbn_score", strength.min_zxcvbn_score),
                ("sources", strength.sources),
            ]
        ),
    ]
    rotation = policy.rotation
    ages = ", ".join(
        f"{role.value} = {days or 0}"
        for role, days in sorted(rotation.max_age_days.items(), key=lambda item: item[0].value)
    )
    out += ["", "[rotation]", *_lines([("reminder_window_days", rotation.reminder_window_days)])]
    out += [f"max_age_days = {{ {ages} }}", *_lines([("sources", rotation.sources)])]
    out += ["", "[shared]", *_lines([("generic_owners", sorted(policy.generic_owners))])]
    out += ["", "[mfa]", *_lines([("required", policy.mfa_required)])]
    out += [
        "",
        "[deadlines]",
        *_lines((severity.value, days) for severity, days in policy.deadline_days.items()),
    ]
    out += [
        "",
        "[severity]",
        *_lines((check.value, severity.value) for check, severity in policy.severities.items()),
    ]
    for portal in policy.portals:
        pairs: list[tuple[str, object]] = [
            ("id", portal.id),
            ("name", portal.name),
            ("aliases", portal.aliases),
            ("operator", portal.operator),
            ("domains", portal.domains),
            ("domains_confirmed", portal.domains_confirmed),
        ]
        if portal.max_age_days is not None:
            pairs.append(("max_age_days", portal.max_age_days))
        pairs += [
            ("mfa", portal.mfa.value),
            ("limits_attempts", portal.limits_attempts),
            ("notes", portal.notes),
            ("sources", portal.sources),
        ]
        out += ["", "[[portal]]", *_lines(pairs)]
    for incident in policy.incidents:
        out += [
            "",
            "[[incident]]",
            *_lines(
                [
                    ("id", incident.id),
                    ("name", incident.name),
                    ("name_fr", incident.name_fr),
                    ("portals", incident.portals),
                    ("disclosed", incident.disclosed),
                    ("rotate_before", incident.rotate_before),
                    ("summary", incident.summary),
                    ("rationale", incident.rationale),
                    ("sources", incident.sources),
                ]
            ),
        ]
    if policy.practice_contacts:
        out += ["", "[practice_contacts]"]
        out += _lines((f'"{finess}"', email) for finess, email in policy.practice_contacts.items())
    if policy.banned.words:
        # Files are read already: their words are shown inline, which --policy reads back.
        out += ["", "[banned]"]
        out += [f"# from: {', '.join(policy.banned.files)}"] if policy.banned.files else []
        out += _lines([("words", sorted(policy.banned.words))])
    for waiver in policy.waivers:
        scope: list[tuple[str, object]] = [
            (key, value)
            for key, value in (
                ("check", waiver.check.value if waiver.check else None),
                ("practice", waiver.practice),
                ("portal", waiver.portal),
                ("username", waiver.username),
            )
            if value is not None
        ]
        scope += [
            ("reason", waiver.reason),
            ("accepted_by", waiver.accepted_by),
            ("expires", waiver.expires),
        ]
        out += ["", f"# {waiver.where}", "[[waiver]]", *_lines(scope)]
    return "\n".join(out) + "\n"
