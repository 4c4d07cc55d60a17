from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import responses

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = "examples/inventaire.csv"
CORPUS = "examples/pwned-passwords-SYNTHETIC.txt"
GOLDEN = REPO / "tests" / "golden"
HEADER = "practice_id,practice_name,portal,username,owner,role,password,password_changed,mfa"
CLEAN_ROW = (
    "750056780,Pharmacie du Marché,kalixia,jdoe,Jeanne Doe,user,V7#qLm2!xR9@wTz4,2025-06-01,yes"
)

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(run_cli: Run) -> Run:
    """The shared in-process CLI runner (tests/conftest.py), under this module's name."""
    return run_cli


def example(*extra: str) -> list[str]:
    return ["audit", EXAMPLE, "--hibp-offline", CORPUS, "--as-of", "2026-11-22", *extra]


@pytest.mark.parametrize(
    ("fmt", "ext", "lang"),
    [
        ("json", "json", "en"),
        ("markdown", "md", "en"),
        ("csv", "csv", "en"),
        ("terminal", "txt", "en"),
        ("junit", "xml", "en"),
        ("markdown", "fr.md", "fr"),
        ("terminal", "fr.txt", "fr"),
    ],
)
def test_example_matches_golden_file(run: Run, fmt: str, ext: str, lang: str) -> None:
    code, out, _ = run(*example("--format", fmt, "--lang", lang))
    assert code == 1
    golden = GOLDEN / f"example.{ext}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8"), (
        f"regenerate with UPDATE_GOLDEN=1 if intended: {golden}"
    )


def test_example_findings(run: Run) -> None:
    code, out, _ = run(*example("--format", "json"))
    assert code == 1
    document = json.loads(out)
    checks = {f["check"] for p in document["practices"] for f in p["findings"]}
    assert checks == {
        "breached",
        "incident-rotation",
        "reused",
        "weak",
        "contextual",
        "rotation-overdue",
        "rotation-due",
        "age-unknown",
        "shared-account",
        "banned-word",
    }
    assert document["summary"]["accounts"] == 13


def test_stdout_is_json_when_not_a_terminal(run: Run) -> None:
    _, out, _ = run(*example())
    assert json.loads(out)["schema"] == "portal-auditor/report/v1"


@pytest.mark.parametrize(
    ("fail_on", "expected"), [("critical", 1), ("high", 1), ("low", 1), ("never", 0)]
)
def test_fail_on(run: Run, fail_on: str, expected: int) -> None:
    assert run(*example("--fail-on", fail_on))[0] == expected


def test_clean_inventory_exits_0(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "clean.csv"
    path.write_text(f"{HEADER}\n{CLEAN_ROW}\n")
    code, out, _ = run("audit", str(path), "--hibp-offline", CORPUS, "--as-of", "2026-11-22")
    assert code == 0
    assert json.loads(out)["complete"] is True


def test_threshold_applies_to_severity(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "medium.csv"
    path.write_text(f"{HEADER}\n{CLEAN_ROW.replace('2025-06-01', '')}\n")  # age-unknown: medium
    assert run("audit", str(path), "--no-breach-check", "--as-of", "2026-11-22")[0] == 0
    assert (
        run(
            "audit", str(path), "--no-breach-check", "--as-of", "2026-11-22", "--fail-on", "medium"
        )[0]
        == 1
    )


def test_incomplete_lookup_exits_3(run: Run, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "00000.txt").write_text("0" * 35 + ":1\n")  # every other prefix is missing
    inventory = tmp_path / "clean.csv"
    inventory.write_text(f"{HEADER}\n{CLEAN_ROW}\n")
    code, out, err = run(
        "audit", str(inventory), "--hibp-offline", str(corpus), "--as-of", "2026-11-22"
    )
    assert code == 3
    document = json.loads(out)
    assert document["complete"] is False
    assert document["practices"][0]["accounts"][0]["password"]["breach"] == "unknown"
    assert "incomplete" in err


@responses.activate
def test_online_failure_exits_3_and_findings_still_win(run: Run, tmp_path: Path) -> None:
    responses.get(
        re.compile(r"https://mirror\.test/range/[0-9A-F]{5}"),
        status=503,
        headers={"Retry-After": "0"},
    )
    inventory = tmp_path / "clean.csv"
    inventory.write_text(f"{HEADER}\n{CLEAN_ROW}\n")
    base = ["audit", str(inventory), "--hibp-url", "https://mirror.test", "--as-of", "2026-11-22"]
    assert run(*base)[0] == 3
    weak = tmp_path / "weak.csv"
    weak.write_text(f"{HEADER}\n{CLEAN_ROW.replace('V7#qLm2!xR9@wTz4', 'azerty')}\n")
    assert run("audit", str(weak), *base[2:])[0] == 1


@responses.activate
def test_unparseable_answer_exits_3(run: Run, tmp_path: Path) -> None:
    responses.get(re.compile(r"https://mirror\.test/range/.*"), body="<html>proxy login</html>")
    inventory = tmp_path / "clean.csv"
    inventory.write_text(f"{HEADER}\n{CLEAN_ROW}\n")
    code, out, err = run(
        "audit", str(inventory), "--hibp-url", "https://mirror.test", "--as-of", "2026-11-22"
    )
    assert code == 3
    assert json.loads(out)["complete"] is False
    assert "1 of 1 range lookups failed" in err


def test_invalid_inventory_exits_2_lists_every_problem_and_writes_nothing(
    run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        f"{HEADER}\n{CLEAN_ROW}\n{CLEAN_ROW.replace('yes', 'maybe')}\n{CLEAN_ROW.replace('kalixia', 'nope')}\n"
    )
    out_dir = tmp_path / "out"
    code, out, err = run("audit", str(path), "--no-breach-check", "--out", str(out_dir))
    assert code == 2
    assert f"{path}:3: mfa:" in err and f"{path}:4: portal:" in err
    assert "Traceback" not in err and out == ""
    assert not out_dir.exists()


def test_skip_invalid_audits_the_rest_and_lists_skipped_rows(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\n{CLEAN_ROW}\n{CLEAN_ROW.replace('yes', 'maybe')}\n")
    code, out, err = run(
        "audit", str(path), "--no-breach-check", "--skip-invalid", "--as-of", "2026-11-22"
    )
    assert code == 0
    document = json.loads(out)
    assert document["summary"]["accounts"] == 1
    assert document["skipped_rows"] == [
        {
            "file": str(path),
            "line": 3,
            "entry": None,
            "column": "mfa",
            "reason": "expected yes/no, oui/non, true/false or 1/0",
        }
    ]
    assert "skipped" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["audit", EXAMPLE, "--no-breach-check", "--hibp-url", "http://127.0.0.1:1"],
            "choose one of",
        ),
        (["audit", EXAMPLE, "--format", "docx"], "unknown format 'docx'"),
        (["audit", EXAMPLE, "--as-of", "22/11/2026"], "not a date"),
        (["audit", EXAMPLE, "--no-breach-check", "--format", "json,csv"], "need --out"),
        (["audit", "missing.csv"], "no such file"),
        (["audit", EXAMPLE, "--policy", "missing.toml"], "cannot read policy file"),
        (["audit", EXAMPLE, "--hibp-offline", EXAMPLE], "line 1 is not HASH:COUNT"),
        (["audit"], "Missing argument"),
        (["audit", EXAMPLE, "--hibp-offline", CORPUS, "--cache-dir", "c"], "does not apply to"),
        (["audit", EXAMPLE, "--no-breach-check", "--cache-dir", "c"], "does not apply to"),
        (["audit", EXAMPLE, "--cache-ttl", "soon"], "not a duration like 12h"),
    ],
)
def test_usage_and_input_errors_exit_2_without_traceback(
    run: Run, args: list[str], message: str
) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


@responses.activate
def test_usage_errors_come_before_any_lookup(run: Run) -> None:
    code, _, err = run("audit", EXAMPLE, "--hibp-url", "https://hibp.test", "--format", "json,csv")
    assert code == 2 and "need --out" in err
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    ("ttl", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("30m", 1800.0), ("12h", 43200.0), ("7d", 604800.0)],
)
def test_cache_ttl_durations(ttl: str, seconds: float) -> None:
    from auditor.cli.options import parse_duration as _parse_duration

    assert _parse_duration(None, None, ttl) == seconds  # type: ignore[arg-type]


@pytest.mark.parametrize("where", ["command", "group"])
def test_quiet_prints_nothing_but_the_report(run: Run, tmp_path: Path, where: str) -> None:
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(f"{HEADER}\n{CLEAN_ROW}\n{CLEAN_ROW.replace('jdoe', 'x')[:-10]},\n")
    args = ["audit", str(inventory), "--no-breach-check", "--skip-invalid", "--format", "json"]
    code, out, err = run(*args)
    assert "skipped" in err  # what --quiet silences
    code, out, err = run(*args, "--quiet") if where == "command" else run("--quiet", *args)
    assert code == 0
    assert json.loads(out)["complete"] is True
    assert err == ""


def test_out_writes_every_file_format(run: Run, tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    code, _, _ = run(*example("--out", str(out_dir)))
    assert code == 1
    names = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    per_practice = [
        f"{d}/report.{e}" for d in ("690034566", "750056780") for e in ("csv", "html", "json", "md")
    ]
    summaries = ["summary.csv", "summary.html", "summary.json", "summary.md"]
    assert names == [*per_practice, *summaries]


def test_out_that_is_a_file_exits_2(run: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("")
    code, _, err = run(*example("--out", str(blocker / "sub")))
    assert code == 2
    assert "cannot write report" in err and "Traceback" not in err


def test_closed_pipe_is_quiet(tmp_path: Path) -> None:
    inventory = tmp_path / "many.csv"
    rows = [f"750056780,kalixia,user{i},Person {i},,2025-06-01,yes" for i in range(3000)]
    inventory.write_text(
        "practice_id,portal,username,owner,password,password_changed,mfa\n" + "\n".join(rows)
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditor",
            "audit",
            str(inventory),
            "--no-breach-check",
            "--format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == b"{\n"
    process.stdout.close()  # like `| head -1`: the report is far larger than the pipe buffer
    _, err = process.communicate(timeout=60)
    assert err == b""  # Click absorbs the broken pipe: no traceback, no "internal error"


def test_the_same_account_in_two_files_is_a_problem(run: Run, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (first, second):
        path.write_text(f"{HEADER}\n{CLEAN_ROW}\n")
    code, _, err = run("audit", str(first), str(second), "--no-breach-check")
    assert code == 2
    assert f"{second}:2: -: same practice, portal, username and owner as {first}:2" in err


def test_hibp_url_needs_a_scheme(run: Run) -> None:
    code, _, err = run("audit", EXAMPLE, "--hibp-url", "api.pwnedpasswords.com")
    assert code == 2 and "must start with https://" in err


def test_policy_show_and_check(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("policy", "show")
    assert code == 0 and "[[portal]]" in out and 'id = "viamedis"' in out
    good = tmp_path / "good.toml"
    good.write_text('[[portal]]\nid = "viamedis"\nmax_age_days = 90\n')
    code, out, _ = run("policy", "check", str(good))
    assert code == 0 and out.startswith("OK")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[portal]]\nid = "viamedis"\nmax_age = 90\n')
    code, _, err = run("policy", "check", str(bad))
    assert code == 2 and "unknown key 'max_age'" in err and str(bad) in err


def test_internal_errors_never_show_their_message(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = hashlib.sha1(b"password").hexdigest().upper()  # 5BAA61E4…

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyError(digest)

    monkeypatch.setattr("auditor.audit.pipeline.run_audit", crash)
    code, _, err = run("-vv", *example())
    assert code == 2
    assert "internal error: KeyError at test_cli.py:" in err
    assert "message withheld" in err and "run_audit" not in err.split("withheld")[0]
    assert digest[:8] not in err


def test_help_teaches(run: Run) -> None:
    code, out, _ = run("audit", "--help")
    assert code == 0
    for words in (
        "Exit codes",
        "--hibp-offline",
        "--fail-on",
        "5 hex characters",
        "--skip-invalid",
    ):
        assert words in out


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "portal-audit" in result.stdout


def test_csv_dialect_on_the_command_line(run: Run, tmp_path: Path) -> None:
    code, out, _ = run(*example("--format", "csv", "--csv-dialect", "excel-fr"))
    assert code == 1
    assert out.startswith("\ufeffpractice_id;practice_name;portal;")
    code, _, err = run(*example("--csv-dialect", "excel"))
    assert code == 2
    assert "'excel' is not one of 'standard', 'excel-fr'" in err


def test_the_language_follows_the_locale_unless_told(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    _, french, _ = run(*example("--format", "markdown"))
    assert french.startswith("# Audit des mots de passe des portails — 22 novembre 2026")
    _, english, _ = run(*example("--format", "markdown", "--lang", "en"))
    assert english.startswith("# Portal password audit — 22 November 2026")
    _, document, _ = run(*example("--format", "json"))  # programs read JSON: always English
    assert "the password appears" in document and '"as_of": "2026-11-22"' in document


@pytest.mark.parametrize(
    ("given", "expected"), [([], None), (["--jobs", "1"], 1), (["--jobs", "3"], 3)]
)
def test_jobs_bounds_the_processes_that_write_the_reports(
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: list[str],
    expected: int | None,
) -> None:
    # --jobs 1 is one process throughout: no scoring workers, and no second writer.
    from auditor.cli import audit as audit_command

    seen: list[int | None] = []
    real = audit_command.write_reports

    def write_reports(*args: object, jobs: int | None = None, **kwargs: object) -> object:
        seen.append(jobs)
        return real(*args, jobs=jobs, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_command, "write_reports", write_reports)
    code, _, err = run(*example("--out", str(tmp_path / "out"), *given))
    assert code in (0, 1), err
    assert seen == [expected]
