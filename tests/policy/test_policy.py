from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from auditor.models import CheckId, Role, Severity
from auditor.policy import MfaSupport, Policy, PolicyError, dump_policy, load_policy

REQUIRED_PORTALS = {
    "viamedis",
    "almerys",
    "cbpec",
    "oxantis",
    "generation",
    "itelis",
    "kalixia",
    "santeclair",
    "seveane",
    "isante",
    "spsante",
    "harmonie",
    "amelipro",
}


def test_builtin_portals_and_sources(policy: Policy) -> None:
    assert {portal.id for portal in policy.portals} == REQUIRED_PORTALS
    for portal in policy.portals:
        assert portal.sources, f"{portal.id} has no source"
        assert portal.domains
    assert policy.portal("almerys").domains == ("almerys.com", "be-almerys.com")


def test_builtin_incidents(policy: Policy) -> None:
    by_id = {incident.id: incident for incident in policy.incidents}
    viamedis = by_id["viamedis-2024-01"]
    assert viamedis.disclosed == date(2024, 2, 1)
    assert viamedis.rotate_before == date(2024, 2, 12)
    assert by_id["almerys-2024-02"].disclosed == date(2024, 2, 5)
    assert by_id["oxantis-2024-02"].rotate_before == date(2024, 2, 12)
    assert by_id["amelipro-2022-03"].rotate_before == date(2022, 3, 22)
    assert "cbpec" in by_id["cbpec-2024-02"].portals
    for incident in policy.incidents:
        assert incident.sources and incident.rationale


def test_builtin_thresholds(policy: Policy) -> None:
    assert policy.strength.min_entropy_bits == 80
    assert policy.strength.min_entropy_bits_limited == 50
    assert policy.strength.min_zxcvbn_score == 3
    assert policy.rotation.reminder_window_days == 14
    assert policy.max_age_days("viamedis", Role.USER) is None
    assert policy.max_age_days("viamedis", Role.ADMIN) == 365
    assert {
        "comptoir",
        "accueil",
        "equipe",
        "officine",
        "partage",
        "shared",
    } <= policy.generic_owners
    assert policy.severities[CheckId.BREACHED] is Severity.CRITICAL
    assert policy.severities[CheckId.ROTATION_DUE] is Severity.LOW


def test_user_file_changes_one_field_adds_portal_and_incident(tmp_path: Path) -> None:
    user = tmp_path / "group.toml"
    user.write_text(
        """
[[portal]]
id = "viamedis"
max_age_days = 180
mfa = "offered"

[[portal]]
id = "optimut"
name = "Optimut"
domains = ["optimut.example"]

[[incident]]
id = "optimut-2025"
portals = ["optimut"]
disclosed = 2025-03-01
rotate_before = 2025-03-02

[rotation]
max_age_days = { user = 400 }

[severity]
no-mfa = "high"
""",
        encoding="utf-8",
    )
    policy = load_policy([user])
    viamedis = policy.portal("viamedis")
    assert viamedis.max_age_days == 180 and viamedis.mfa is MfaSupport.OFFERED
    assert viamedis.name == "Viamedis"  # untouched fields stay
    assert policy.find_portal("https://login.optimut.example/") == policy.portal("optimut")
    assert policy.incidents_for("optimut")[0].rotate_before == date(2025, 3, 2)
    assert policy.max_age_days("kalixia", Role.USER) == 400
    assert policy.max_age_days("kalixia", Role.ADMIN) == 365  # merged, not replaced
    assert policy.max_age_days("viamedis", Role.USER) == 180
    assert policy.severities[CheckId.NO_MFA] is Severity.HIGH
    assert policy.files[-1] == str(user)


def test_every_policy_problem_at_once(tmp_path: Path) -> None:
    user = tmp_path / "bad.toml"
    user.write_text(
        """
[[portal]]
id = "newportal"
domain = "x.example"

[[incident]]
id = "x"
portals = ["nope"]
disclosed = "2024-01-01"
rotate_before = 2024-01-02

[severity]
weakk = "high"
reused = "urgent"

[strength]
min_zxcvbn_score = 7

[surprise]
""",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy([user])
    message = str(caught.value)
    for expected in [
        "unknown key 'domain'",
        "disclosed: expected a date",
        "unknown check id 'weakk'",
        "reused: expected one of",
        "min_zxcvbn_score: expected a zxcvbn score",
        "unknown section 'surprise'",
        "portal 'newportal': missing name, domains",
    ]:
        assert expected in message
    assert str(user) in message


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    user = tmp_path / "broken.toml"
    user.write_text("[strength]\nmin_zxcvbn_score = = 3\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"broken\.toml: not valid TOML: .*line 2"):
        load_policy([user])


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy([tmp_path / "absent.toml"])


def test_dump_round_trips(tmp_path: Path, policy: Policy) -> None:
    dumped = tmp_path / "effective.toml"
    dumped.write_text(dump_policy(policy), encoding="utf-8")
    again = load_policy([dumped])
    assert again.portals == policy.portals
    assert again.incidents == policy.incidents
    assert again.strength == policy.strength
    assert again.rotation == policy.rotation
    assert again.generic_owners == policy.generic_owners
    assert again.severities == policy.severities
    assert again.deadline_days == policy.deadline_days


def test_policy_ships_with_the_package() -> None:
    from auditor.files.packaged import data_dir

    assert data_dir("policies").joinpath("portals.toml").is_file()


def test_policy_show_escapes_control_characters_and_round_trips(tmp_path: Path) -> None:
    # A waiver's reason is free text: DEL, C1 and bidi controls in it must neither
    # reach the terminal raw nor make the dumped TOML unreadable.
    reason = "accepted\\u007f \\u0085\\u009b2J \\u202eevil\\u2028 risk"
    file = tmp_path / "waivers.toml"
    file.write_text(
        f'[[waiver]]\ncheck = "no-mfa"\nportal = "viamedis"\nreason = "{reason}"\n'
        'accepted_by = "M. Martin"\nexpires = 2027-03-31\n',
        encoding="utf-8",
    )
    policy = load_policy([file])
    dumped = dump_policy(policy)
    assert not any(0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u202e" for ch in dumped)
    again = tmp_path / "again.toml"
    again.write_text(dumped, encoding="utf-8")
    assert [w.reason for w in load_policy([again]).waivers] == [w.reason for w in policy.waivers]
    assert "\x85" in policy.waivers[0].reason
