"""Hostile policy files: absurd numbers, deep nesting and huge files are refused at load, exit 2."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.policy import dump_policy, load_policy
from auditor.policy.limits import MAX_NESTING, MAX_POLICY_BYTES

RunCli = Callable[..., tuple[int, str, str]]
AUDIT = [
    "audit",
    "examples/inventaire.csv",
    "--hibp-offline",
    "examples/pwned-passwords-SYNTHETIC.txt",
    "--as-of",
    "2026-11-22",
    "--no-history",
    "--format",
    "json",
]

# Every number a policy file accepts: (its path in the effective policy, a file setting it).
NUMERIC_KEYS: dict[str, str] = {
    "strength.min_entropy_bits": "[strength]\nmin_entropy_bits = {v}\n",
    "strength.min_entropy_bits_limited": "[strength]\nmin_entropy_bits_limited = {v}\n",
    "strength.min_zxcvbn_score": "[strength]\nmin_zxcvbn_score = {v}\n",
    "rotation.reminder_window_days": "[rotation]\nreminder_window_days = {v}\n",
    "rotation.max_age_days.user": "[rotation]\nmax_age_days = {{ user = {v} }}\n",
    "rotation.max_age_days.admin": "[rotation]\nmax_age_days = {{ admin = {v} }}\n",
    "deadlines.critical": "[deadlines]\ncritical = {v}\n",
    "deadlines.high": "[deadlines]\nhigh = {v}\n",
    "deadlines.medium": "[deadlines]\nmedium = {v}\n",
    "deadlines.low": "[deadlines]\nlow = {v}\n",
    "portal.max_age_days": '[[portal]]\nid = "viamedis"\nmax_age_days = {v}\n',
}
ABSURD = ("99999999999999999999", "100000", "-1", "1.5", "inf", "nan", "true", '"30"', "[30]")
PLAUSIBLE = ("0", "1", "4", "365", "3650")


def _numeric_paths(data: Any, prefix: str = "") -> Iterator[str]:
    """Each path to an integer in parsed TOML (arrays of tables by their section name)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _numeric_paths(value, f"{prefix}{key}.")
    elif isinstance(data, list):
        for item in data:
            yield from _numeric_paths(item, prefix)
    elif isinstance(data, int) and not isinstance(data, bool):
        yield prefix.rstrip(".")


def test_the_table_names_every_number_a_policy_holds(tmp_path: Path) -> None:
    with_portal_age = tmp_path / "age.toml"
    with_portal_age.write_text(NUMERIC_KEYS["portal.max_age_days"].format(v=90), encoding="utf-8")
    effective = tomllib.loads(dump_policy(load_policy([with_portal_age])))
    assert set(_numeric_paths(effective)) == set(NUMERIC_KEYS)


@pytest.mark.parametrize("key", NUMERIC_KEYS)
def test_policy_check_refuses_absurd_numbers_naming_file_and_key(
    run_cli: RunCli, tmp_path: Path, key: str
) -> None:
    leaf = key.rsplit(".", 1)[-1]
    for value in ABSURD:
        path = tmp_path / "absurd.toml"
        path.write_text(NUMERIC_KEYS[key].format(v=value), encoding="utf-8")
        code, out, err = run_cli("policy", "check", str(path))
        assert (code, out) == (2, ""), (key, value, out, err)
        assert f"{path}: " in err and f"{leaf}: " in err, (key, value, err)
        assert "internal error" not in err


@pytest.mark.parametrize("key", NUMERIC_KEYS)
def test_what_policy_check_accepts_audit_runs(run_cli: RunCli, tmp_path: Path, key: str) -> None:
    for value in (*PLAUSIBLE, *ABSURD):
        path = tmp_path / "policy.toml"
        path.write_text(NUMERIC_KEYS[key].format(v=value), encoding="utf-8")
        checked, _, _ = run_cli("policy", "check", str(path))
        if checked != 0:
            continue
        code, out, err = run_cli(*AUDIT, "--policy", str(path))
        assert code in (0, 1, 3), (key, value, err)
        assert out.startswith("{") and "internal error" not in err, (key, value, err)


def test_range_errors_say_the_range(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[deadlines]\ncritical = 99999999999999999999\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"p\.toml: \[deadlines\]: critical: .*0 to 3650"):
        load_policy([path])


@pytest.mark.parametrize(
    ("opener", "closer"),
    [("[", "]"), ("{a = ", "}")],
    ids=["arrays", "inline-tables"],
)
def test_deep_nesting_is_refused_before_parsing(
    run_cli: RunCli, tmp_path: Path, opener: str, closer: str
) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(f"[strength]\nsources = {opener * 5000}{closer * 5000}\n", encoding="utf-8")
    for args in (("policy", "check", str(path)), (*AUDIT, "--policy", str(path))):
        code, out, err = run_cli(*args)
        assert (code, out) == (2, ""), err
        assert f"{path}: nested deeper than {MAX_NESTING} levels" in err


def test_deep_dotted_keys_are_refused_too(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "dotted.toml"
    path.write_text("[strength]\nsources" + ".a" * 5000 + " = 1\n", encoding="utf-8")
    code, _, err = run_cli("policy", "check", str(path))
    assert code == 2 and f"{path}: nested deeper than {MAX_NESTING} levels" in err


def test_brackets_inside_strings_and_comments_are_not_nesting(tmp_path: Path) -> None:
    path = tmp_path / "strings.toml"
    deep = "[" * 100
    path.write_text(
        f'# {deep}\n[strength]\nsources = ["{deep}", \'{deep}\', """\n{deep}\\"""", '
        f"'''{deep}'''] # {deep}\n",
        encoding="utf-8",
    )
    assert load_policy([path]).strength.sources[0] == deep


def test_a_huge_policy_file_is_refused_without_reading_it_whole(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "huge.toml"
    path.write_bytes(b"# padding\n" * (MAX_POLICY_BYTES // 10 + 1))
    code, out, err = run_cli("policy", "check", str(path))
    assert (code, out) == (2, "")
    assert f"{path}: larger than" in err
