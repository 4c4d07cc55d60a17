"""A policy error names the file that set the value at fault, not the file that first defined the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.policy import PolicyError, load_policy


def test_an_override_with_an_unknown_portal_names_the_overriding_file(tmp_path: Path) -> None:
    # Fuzz (deep, test_mutated_policies): incidents.toml copied with one byte changed,
    # `portals = ["`lmerys"]`, was blamed on built-in:incidents.toml.
    path = tmp_path / "politique.toml"
    path.write_text('[[incident]]\nid = "almerys-2024-02"\nportals = ["`lmerys"]\n')
    with pytest.raises(PolicyError) as caught:
        load_policy([path])
    message = str(caught.value)
    assert f"{path}: incident 'almerys-2024-02': portals: unknown portal id(s)" in message
    assert "built-in:" not in message


def test_a_later_file_that_fixes_the_portals_clears_the_error(tmp_path: Path) -> None:
    broken, fixed = tmp_path / "a.toml", tmp_path / "b.toml"
    broken.write_text('[[incident]]\nid = "almerys-2024-02"\nportals = ["nosuch"]\n')
    fixed.write_text('[[incident]]\nid = "almerys-2024-02"\nportals = ["almerys"]\n')
    policy = load_policy([broken, fixed])
    assert any(i.id == "almerys-2024-02" for i in policy.incidents)


def test_a_new_incident_missing_fields_names_its_file(tmp_path: Path) -> None:
    path = tmp_path / "politique.toml"
    path.write_text('[[incident]]\nid = "local-2026"\nportals = ["almerys"]\n')
    with pytest.raises(PolicyError, match=rf"{path}: incident 'local-2026': missing"):
        load_policy([path])
