"""Policy problems in the reader's language: French under a French locale, English unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.i18n import Lang, catalog
from auditor.i18n.phrase import Phrase
from auditor.policy import PolicyError, load_policy

RunCli = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parents[2]
PROBLEMS = Path("tests/policy/problems")
"""Policy files that hold every problem the loader reports, relative to the repository."""
CASES = [
    ("fields.toml", "types.toml", "items.toml"),
    ("latin1.toml",),
    ("broken.toml",),
    ("deep.toml",),
    ("absent.toml",),
]
"""Files loaded together (their problems add up), then each file the loader stops at."""

BAD = """\
[[portal]]
id = "cbpec"
aliases = ["Viamedis"]
colour = "blue"

[[incident]]
id = "local-2026"
portals = ["viamedis"]
disclosed = "2026-01-05"
rotate_before = 2026-01-20

[deadlines]
critical = 99999
"""
"""An unknown key, a quoted date, an absurd number and an alias that names another portal."""


def _errors(lang: Lang | None) -> list[str]:
    """Each case's error: ``str()`` for ``None``, else its phrase in ``lang``."""
    texts = []
    for names in CASES:
        with pytest.raises(PolicyError) as refused:
            load_policy([PROBLEMS / name for name in names])
        if lang is None:
            texts.append(str(refused.value))
        else:
            assert isinstance(refused.value.phrase, Phrase)
            texts.append(catalog(lang).text(refused.value.phrase))
    return texts


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.usefixtures("in_repo")
def test_english_messages_are_byte_identical_to_before_they_were_phrases() -> None:
    # expected.en.txt was captured from the loader before its problems became phrases.
    expected = (PROBLEMS / "expected.en.txt").read_text(encoding="utf-8").rstrip("\n")
    assert "\n---\n".join(_errors(None)) == expected
    assert "\n---\n".join(_errors(Lang.EN)) == expected


@pytest.mark.usefixtures("in_repo")
def test_every_problem_reads_in_french() -> None:
    expected = (PROBLEMS / "expected.fr.txt").read_text(encoding="utf-8").rstrip("\n")
    assert "\n---\n".join(_errors(Lang.FR)) == expected


def test_policy_check_lists_french_problems_under_a_french_locale(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    # `policy check` has no --lang: the locale decides, as for every stderr line.
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    code, out, err = run_cli("policy", "check", str(bad))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "portal-audit : erreur : politique invalide :",
        (
            f"  {bad} : [[portal]] n° 1 ('cbpec') : clé inconnue 'colour' (clés connues : id, name, "
            "aliases, operator, domains, domains_confirmed, max_age_days, mfa, limits_attempts, "
            "notes, sources)"
        ),
        (
            f"  {bad} : [[incident]] n° 1 ('local-2026') : disclosed : attendu : une date comme "
            "2024-02-12 (sans guillemets)"
        ),
        f"  {bad} : [deadlines] : critical : attendu : un nombre entier de jours, de 0 à 3650",
        (
            f"  {bad} : portail 'cbpec' : l'alias 'Viamedis' désigne aussi le portail 'viamedis' "
            "(son identifiant 'viamedis', dans built-in:portals.toml) ; chaque nom doit désigner "
            "un seul portail"
        ),
        f"  {bad} : incident 'local-2026' : champ manquant : disclosed",
    ]


def test_the_same_file_in_english_under_another_locale(run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    code, out, err = run_cli("policy", "check", str(bad))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "portal-audit: error: invalid policy:",
        (
            f"  {bad}: [[portal]] #1 ('cbpec'): unknown key 'colour' (known keys: id, name, aliases, "
            "operator, domains, domains_confirmed, max_age_days, mfa, limits_attempts, notes, sources)"
        ),
        (
            f"  {bad}: [[incident]] #1 ('local-2026'): disclosed: expected a date such as 2024-02-12 "
            "(unquoted)"
        ),
        f"  {bad}: [deadlines]: critical: expected a whole number of days from 0 to 3650",
        (
            f"  {bad}: portal 'cbpec': alias 'Viamedis' also names portal 'viamedis' (its id "
            "'viamedis', in built-in:portals.toml); each name must name one portal"
        ),
        f"  {bad}: incident 'local-2026': missing disclosed",
    ]


def test_audit_with_a_bad_policy_says_it_in_french_too(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[deadlines]\ncritical = 99999\n", encoding="utf-8")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    code, out, err = run_cli("audit", "examples/inventaire.csv", "--policy", str(bad))
    assert (code, out) == (2, "")
    assert f"{bad} : [deadlines] : critical : attendu : un nombre entier de jours" in err


def test_thousands_of_problems_are_put_into_words_without_running_out_of_stack(
    tmp_path: Path,
) -> None:
    many = tmp_path / "many.toml"
    many.write_text("[mfa]\n" + "".join(f"k{i} = 1\n" for i in range(20_000)), encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load_policy([many])
    assert isinstance(refused.value.phrase, Phrase)
    french = catalog(Lang.FR).text(refused.value.phrase)
    assert french.count("\n") == 20_000 and french.startswith("politique invalide :\n")
    assert str(refused.value).count("\n") == 20_000
