"""The catalogues: complete in both languages, every key used exists, dates and numbers localised."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from auditor.i18n import Catalog, I18nError, Lang, catalog, load_entries, placeholders
from auditor.i18n.phrase import Joiner, Series, phrase
from auditor.models import CheckId, Role, Severity
from auditor.password.context import ContextKind
from auditor.password.derive import NotChecked
from auditor.report import BreachMode, Gap

REPO = Path(__file__).resolve().parents[2]
SOURCES = [*(REPO / "auditor").rglob("*.py"), *(REPO / "reports").rglob("*.j2")]
# A literal key handed to the catalogue: phrase("k"…), .t("k"…), t("k"…) in templates.
# Also the command line's say(…), line(…), help_for(…) and failure(Kind, …).
KEY_USE = re.compile(
    r"""(?:phrase|\bt|\bsay|\bline|help_for|failure\(\s*\w+,)\(?\s*["']([a-z_][a-z0-9_.-]*)["']\s*[,)]"""
)
# Any quoted literal: keys picked by a condition ("a" if x else "b") count as used.
QUOTED = re.compile(r"""["']([a-z_][a-z0-9_.-]*)["']""")
# Keys built from enum values or column names; their members are checked one by one below.
DYNAMIC = (
    "check.",
    "severity.",
    "severity_count.",
    "breach.",
    "breach_mode.",
    "role.",
    "context.",
    "column.",
    # What was not checked, by Gap (formats.describe.gap_text, gap_action, unchecked_line).
    "coverage.short.",
    "coverage.action.",
    # The command line's log levels (cli.logs) and reminder audiences (remind.deliver).
    "cli.level.",
    "remind.status.audience.",
    # Click's words, by msgid (cli.words.CLICK_WORDS): checked by the test below.
    "click.",
    *(f"coverage.{gap.value}" for gap in Gap),
)


def _forms(entry: object) -> dict[str, str]:
    if isinstance(entry, dict):
        return entry
    if isinstance(entry, tuple):
        return {str(i): item for i, item in enumerate(entry)}
    return {"": str(entry)}


def test_both_catalogues_have_the_same_keys() -> None:
    english, french = load_entries(Lang.EN), load_entries(Lang.FR)
    assert sorted(set(english) - set(french)) == [], "missing in fr.toml"
    assert sorted(set(french) - set(english)) == [], "missing in en.toml"


@pytest.mark.parametrize("key", sorted(load_entries(Lang.EN)))
def test_every_entry_has_the_same_shape_and_placeholders_in_both_languages(key: str) -> None:
    english, french = _forms(load_entries(Lang.EN)[key]), _forms(load_entries(Lang.FR)[key])
    assert english.keys() == french.keys(), f"{key}: plural forms or list length differ"
    for form, text in english.items():
        if key.startswith("date."):  # each language orders day, month and year its own way
            assert placeholders(french[form]) <= {"day", "dd", "mm", "month", "year"}
        elif key.startswith("click."):  # Click fills them; French may leave "File" out
            assert placeholders(french[form]) <= placeholders(text), f"{key} [{form}]"
        else:
            assert placeholders(text) == placeholders(french[form]), f"{key} [{form}]"
        assert text and french[form], f"{key} [{form}] is empty"


def _used_keys(pattern: re.Pattern[str] = KEY_USE) -> set[str]:
    return {key for path in SOURCES for key in pattern.findall(path.read_text(encoding="utf-8"))}


def test_every_key_the_code_and_templates_use_exists() -> None:
    used = _used_keys()
    assert len(used) > 50  # the pattern really finds the keys
    assert sorted(used - set(load_entries(Lang.EN))) == []


def test_every_catalogue_entry_is_used() -> None:
    used = _used_keys(QUOTED)
    unused = [
        key
        for key in load_entries(Lang.EN)
        if key not in used
        and not key.startswith(DYNAMIC)
        and not key.startswith(("date.", "number.", "list."))
    ]
    assert unused == []


@pytest.mark.parametrize("lang", list(Lang))
def test_every_dynamic_key_exists(lang: Lang) -> None:
    words = catalog(lang)
    for check in CheckId:
        words.t(f"check.{check.value}")
    for severity in Severity:
        words.t(f"severity.{severity.value}")
        words.t(f"severity_count.{severity.value}", n=2)
    for word in ("pwned", "clean", "unknown", "not-checked", "no-password"):
        words.t(f"breach.{word}")
    for mode in BreachMode:
        words.t(f"breach_mode.{mode.value}")
    for role in Role:
        words.text(role.phrase)
    for kind in ContextKind:
        words.text(kind.phrase)
    assert NotChecked  # breach words above mirror describe.breach_word's outcomes
    for gap in Gap:
        words.t(f"coverage.{gap.value}")
        words.t(f"coverage.short.{gap.value}")
        words.t(f"coverage.action.{gap.value}")


def test_a_missing_key_or_value_is_an_error_not_a_blank() -> None:
    words = Catalog(Lang.EN, {"a": "x {y}", "p": {"one": "{n} x", "other": "{n} xs"}})
    with pytest.raises(I18nError, match="no text for 'b'"):
        words.t("b")
    with pytest.raises(I18nError, match="needs a value"):
        words.t("a")
    with pytest.raises(I18nError, match="no count"):
        words.t("p")


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        (Lang.EN, 0, "0 accounts"),
        (Lang.EN, 1, "1 account"),
        (Lang.FR, 0, "0 compte"),
        (Lang.FR, 1, "1 compte"),
        (Lang.FR, 2, "2 comptes"),
    ],
)
def test_plurals_follow_each_language(lang: Lang, n: int, expected: str) -> None:
    assert catalog(lang).t("count.accounts", n=n) == expected


def test_dates_and_numbers_in_each_language() -> None:
    day = date(2024, 2, 5)
    assert catalog(Lang.EN).day(day) == "5 February 2024"
    assert catalog(Lang.FR).day(day) == "5 février 2024"
    assert catalog(Lang.EN).short_day(day) == "5 Feb 2024"
    assert catalog(Lang.FR).short_day(day) == "05/02/2024"
    assert catalog(Lang.EN).number(1234567) == "1,234,567"
    assert catalog(Lang.FR).number(1234567) == "1\u202f234\u202f567"


def test_series_read_naturally() -> None:
    en, fr = catalog(Lang.EN), catalog(Lang.FR)
    assert en.series(Series(("a", "b", "c"))) == "a, b and c"
    assert fr.series(Series(("a", "b"))) == "a et b"
    assert en.series(Series(("a",), more=3)) == "a and 3 more"
    assert fr.series(Series(("a",), more=1)) == "a et 1 autre"
    assert fr.series(Series(("x", "y"), Joiner.CLAUSES)) == "x ; y"


def test_a_finding_reads_in_french() -> None:
    said = phrase("finding.breached", count=12345)
    assert catalog(Lang.FR).text(said) == (
        "le mot de passe figure 12\u202f345 fois dans la liste des mots de passe divulgués de "
        "Have I Been Pwned, que les attaquants essaient en premier"
    )


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, Lang.FR),
        ({"LANG": "en_GB.UTF-8"}, Lang.EN),
        ({"LANG": "fr_FR.UTF-8", "LC_ALL": "C"}, Lang.EN),  # LC_ALL wins
        ({"LANG": "C", "LC_MESSAGES": "fr_BE.UTF-8"}, Lang.FR),
        ({"LANG": "C.UTF-8"}, Lang.EN),
    ],
)
def test_language_from_the_locale(environ: dict[str, str], expected: Lang) -> None:
    assert Lang.from_environment(environ) is expected


def test_clicks_words_are_its_msgids_in_english_and_all_translated() -> None:
    import click

    from auditor.cli.words import CLICK_WORDS

    english, french = load_entries(Lang.EN), load_entries(Lang.FR)
    listed = set(CLICK_WORDS.values()) | {"click.heading"}
    assert {key for key in english if key.startswith("click.")} == listed
    click_source = "".join(
        path.read_text(encoding="utf-8") for path in Path(click.__file__).parent.glob("*.py")
    )
    for msgid, key in CLICK_WORDS.items():
        entry = english[key]
        assert (entry["one"] if isinstance(entry, dict) else entry) == msgid  # English unchanged
        assert repr(msgid)[1:-1] in click_source or msgid in click_source, msgid  # still Click's
        assert french[key] != english[key] or key == "click.options", key  # the same word


@pytest.mark.parametrize("lang", list(Lang))
def test_every_log_level_and_audience_has_words(lang: Lang) -> None:
    from auditor.remind.plan import Audience

    words = catalog(lang)
    for level in ("debug", "info", "warning", "error", "critical"):
        words.t(f"cli.level.{level}")
    for audience in Audience:
        words.t(f"remind.status.audience.{audience.value}")


def test_every_help_text_of_the_command_line_comes_from_the_catalogue() -> None:
    import click

    from auditor.cli import cli
    from auditor.cli.words import help_keys

    def commands(command: click.Command) -> list[click.Command]:
        subs = command.commands.values() if isinstance(command, click.Group) else ()
        return [command, *(c for sub in subs for c in commands(sub))]

    known = help_keys()
    for command in commands(cli):
        assert command.help in known, command.name
        for param in command.params:
            if isinstance(param, click.Option) and param.help and param.name != "version":
                assert param.help in known, (command.name, param.name)
    helped = set(known.values())
    assert {key for key in load_entries(Lang.EN) if key.startswith("help.")} == helped
