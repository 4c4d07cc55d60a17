"""Rows left out with --skip-invalid are listed in the report's language (JSON stays English)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., tuple[int, str, str]]

HEADER = "practice_id,portal,username,owner_email,password_changed,mfa,password"
GOOD = "750056780,viamedis,centre,,2024-03-01,oui,Wn5%kRt8!bZq2@Lp"
ROWS = [
    GOOD,
    "750056780,almerys,bad-date,,31/02/2024,oui,",  # not a real calendar date
    "750056780,kalixia,bad-mail,jean(at)example,,oui,",  # not an e-mail address
    "750056780,Soleil,no-portal,,,oui,",  # a word far from every portal: not quoted
    "750056780,Viamedys,typo,,,oui,",  # a typo: quoted, with the portal meant
    GOOD,  # the same account twice
]
ARGS = ("--no-breach-check", "--skip-invalid", "--as-of", "2026-11-22")


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "inventaire.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


def _not_audited(markdown: str) -> str:
    """The section's lines as a reader sees them (Markdown's escapes undone)."""
    section = markdown.rsplit("\n## ", maxsplit=1)[-1].splitlines()
    lines = "\n".join(line for line in section if line.startswith("- "))
    return (
        re.sub(r"\\(.)", r"\1", lines)
        .replace("&#58;", ":")
        .replace("&#64;", "@")
        .replace("&#46;", ".")
    )


def test_a_french_markdown_report_lists_the_rows_left_out_in_french(
    run_cli: Run, sheet: Path
) -> None:
    code, out, _ = run_cli("audit", str(sheet), *ARGS, "--lang", "fr", "--format", "markdown")
    assert code in (0, 1)
    assert "## Lignes non auditées" in out
    text = _not_audited(out)
    assert len(text.splitlines()) == 5
    assert (
        "inventaire.csv:3 : password_changed : cette date n'existe pas dans le calendrier" in text
    )
    assert "owner_email : n'est pas une adresse e-mail (une seule adresse attendue" in text
    assert "portal : ne désigne aucun portail connu (valeur non montrée" in text
    assert "portal : portail inconnu 'Viamedys' (vouliez-vous dire 'viamedis' ?)" in text
    assert "inventaire.csv:7 : - : même établissement, portail, identifiant et titulaire" in text
    assert "qu'à la ligne 2" in text
    for english in ("not a real", "e-mail address", "no known portal", "same practice"):
        assert english not in text
    assert "Soleil" not in out and "jean(at)example" not in out


def test_the_english_markdown_report_keeps_its_english_lines(run_cli: Run, sheet: Path) -> None:
    code, out, _ = run_cli("audit", str(sheet), *ARGS, "--lang", "en", "--format", "markdown")
    assert code in (0, 1)
    text = _not_audited(out)
    assert "inventaire.csv:3: password_changed: not a real calendar date" in text
    assert "same practice, portal, username and owner as line 2" in text


def test_json_keeps_english_reasons_whatever_the_language(run_cli: Run, sheet: Path) -> None:
    code, out, _ = run_cli("audit", str(sheet), *ARGS, "--lang", "fr", "--format", "json")
    assert code in (0, 1)
    reasons = [row["reason"] for row in json.loads(out)["skipped_rows"]]
    assert reasons[0] == "not a real calendar date"
    assert reasons[-1] == "same practice, portal, username and owner as line 2"


def test_a_french_html_report_lists_the_rows_left_out_in_french(
    run_cli: Run, sheet: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    code, _, _ = run_cli(
        "audit", str(sheet), *ARGS, "--lang", "fr", "--format", "html", "--out", str(out_dir)
    )
    assert code in (0, 1)
    page = (out_dir / "summary.html").read_text(encoding="utf-8")
    assert "cette date n&#39;existe pas dans le calendrier" in page
    assert "qu&#39;à la ligne 2" in page
    assert "not a real calendar date" not in page
