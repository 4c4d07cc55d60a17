"""The command line with vaults: where their passwords come from, and what goes wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli, main, unlock
from tests.sources.vaults import Login, bitwarden_login, encrypt_bitwarden, write_kdbx

CENTRE = ["Pharmacie du Centre 750056780"]
AUDIT = ["--no-breach-check", "--as-of", "2026-11-22", "--format", "json"]


@pytest.fixture
def vault(kdbx_template: Path, tmp_path: Path) -> Path:
    return write_kdbx(
        kdbx_template,
        tmp_path / "coffre.kdbx",
        [
            Login(
                CENTRE,
                "Viamedis",
                "jdupont",
                "Officine2025!",
                url="https://viamedis.net",
                history=[("Officine2024!", "2024-01-10")],
                changed="2025-01-10",
            ),
            Login(
                CENTRE, "Gmail", "centre@gmail.com", "Wn5%kRt8!bZq2@", url="https://mail.google.com"
            ),
        ],
        password="correct horse",
    )


@pytest.fixture
def audit(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def invoke(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exited:
            main(["audit", *args, *AUDIT])
        captured = capsys.readouterr()
        return int(exited.value.code or 0), captured.out, captured.err

    return invoke


def test_password_file(audit, vault: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "master.txt"
    secret.write_text("correct horse\n")
    secret.chmod(0o600)
    code, out, err = audit(str(vault), "--keepass-password-file", str(secret))
    assert code == 1
    document = json.loads(out)
    [practice] = document["practices"]
    assert [a["portal"] for a in practice["accounts"]] == ["viamedis"]
    assert "predictable-rotation" in practice["accounts"][0]["checks"]
    assert document["left_out"] == [{"file": str(vault), "entries": 1}]
    assert "chmod" not in err


def test_a_password_file_others_can_read_is_warned_about(
    audit, vault: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "master.txt"
    secret.write_text("correct horse")
    secret.chmod(0o644)
    code, _, err = audit(str(vault), "--keepass-password-file", str(secret))
    assert code == 1
    assert "other users can read this password file; chmod 600 it" in err


def test_environment_variable(audit, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_AUDIT_KEEPASS_PASSWORD", "correct horse")
    code, out, _ = audit(str(vault), "--all-entries")
    assert code == 1
    portals = [a["portal"] for a in json.loads(out)["practices"][0]["accounts"]]
    assert portals == ["mail.google.com", "viamedis"]


def test_prompt_on_a_terminal(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_AUDIT_KEEPASS_PASSWORD", raising=False)
    monkeypatch.setattr(unlock, "_stdin_is_terminal", lambda: True)
    result = CliRunner().invoke(cli, ["audit", str(vault), *AUDIT], input="correct horse\n")
    assert result.exit_code == 1
    assert f"KeePass master password for {vault}:" in result.output
    assert "correct horse" not in result.output  # not echoed


def test_no_password_and_no_terminal(audit, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PORTAL_AUDIT_KEEPASS_PASSWORD", raising=False)
    code, out, err = audit(str(vault))
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        (
            f"portal-audit: error: {vault}: needs the KeePass master password, and there is no "
            "terminal to ask for it: pass --keepass-password-file FILE or set "
            "PORTAL_AUDIT_KEEPASS_PASSWORD"
        )
    ]


@pytest.mark.parametrize("damage", ["wrong", "truncated"])
def test_wrong_password_or_truncated_file_is_one_line(  # type: ignore[no-untyped-def]
    audit, damage: str, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "PORTAL_AUDIT_KEEPASS_PASSWORD", "wrong" if damage == "wrong" else "correct horse"
    )
    if damage == "truncated":
        vault.write_bytes(vault.read_bytes()[:700])
    code, out, err = audit(str(vault))
    assert code == 2
    assert out == ""
    [line] = err.strip().splitlines()
    assert line.startswith(f"portal-audit: error: {vault}: ")
    assert "Traceback" not in err


def test_encrypted_bitwarden_export(audit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document = {
        "encrypted": False,
        "folders": [],
        "items": [bitwarden_login("Almerys", "opt", "Xk9#mPq2vL!zW4", created="2025-06-01")],
    }
    export = tmp_path / "export.json"
    export.write_text(json.dumps(encrypt_bitwarden(document, "export pass")))
    secret = tmp_path / "export.txt"
    secret.write_text("export pass\n")
    secret.chmod(0o600)
    code, out, err = audit(
        str(export), "--bitwarden-password-file", str(secret), "--practice", "690034566"
    )
    assert code == 0, err
    [practice] = json.loads(out)["practices"]
    assert practice["practice_id"] == "690034566"
    secret.write_text("nope\n")
    code, _, err = audit(
        str(export), "--bitwarden-password-file", str(secret), "--practice", "690034566"
    )
    assert code == 2
    assert (
        err.strip()
        == f"portal-audit: error: {export}: wrong export password (or the file was altered)"
    )


def test_bad_practice_options(audit, tmp_path: Path, vault: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = audit(str(vault), "--practice", "750056781")
    assert code == 2
    assert "FINESS check digit" in err
    mapping = tmp_path / "map.csv"
    mapping.write_text("match;practice_id\nBoutique;123\n")
    code, _, err = audit(str(vault), "--practice-map", str(mapping))
    assert code == 2
    assert f"{mapping}:2: practice_id: FINESS must be 9 characters" in err


def test_the_readme_command_for_the_bundled_vaults(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, repo: Path
) -> None:
    readme = (repo / "README.md").read_text(encoding="utf-8")
    command = next(
        line
        for line in readme.splitlines()
        if line.startswith("PORTAL_AUDIT_KEEPASS_PASSWORD=exemple")
    )
    words = command.split()
    for assignment in words[:2]:
        name, _, value = assignment.partition("=")
        monkeypatch.setenv(name, value)
    assert words[2:4] == ["portal-audit", "audit"]
    monkeypatch.chdir(repo)
    with pytest.raises(SystemExit) as exited:
        main([*words[3:], "--format", "json"])
    captured = capsys.readouterr()
    assert exited.value.code == 1, captured.err
    document = json.loads(captured.out)
    found = {(f["portal"], f["check"]) for p in document["practices"] for f in p["findings"]}
    assert {
        ("almerys", "recycled"),
        ("viamedis", "predictable-rotation"),
        ("santeclair", "predictable-rotation"),
        ("kalixia", "rotation-due"),
        ("spsante", "weak"),
    } <= found
    assert document["left_out"] == [
        {"file": "examples/coffre.kdbx", "entries": 1},
        {"file": "examples/chrome-export.csv", "entries": 1},
    ]
