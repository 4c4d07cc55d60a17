"""The JSON and CSV writers remember the texts they put into words: never across languages,
never a value taken as rendered when it was not, and always the text the catalogue writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.formats import CsvDialect, CsvFormat, JsonFormat
from auditor.formats.describe import RememberingCatalog
from auditor.formats.jsonfmt import INDENT, _practice, encoded
from auditor.i18n import Catalog, Lang, Rendered, catalog
from auditor.i18n.phrase import Joiner, Localized, Phrase, Series, phrase
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import Report
from auditor.safetext import plain
from tests.formats.hostile import hostile_report


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    return hostile_report(make_account, policy, fake_breach, admin_password="V7#qLm2!xR9@wTz4")


SAID = (
    phrase("finding.rotation_overdue", day=date(2021, 4, 1), deadline=date(2022, 4, 1),
           max_age=365, n=2045, role=phrase("role.admin")),
    phrase("finding.reused", n=2, others=Series(("a\x07b", "c <d>"))),
    phrase("finding.incident_rotation", rotate_before=date(2024, 2, 5),
           incidents=Series((phrase("finding.incident", disclosed=date(2024, 2, 5),
                                    name=Localized("Almerys intrusion", "l'intrusion Almerys")),)),
           when=phrase("finding.incident_when.changed", day=date(2021, 7, 1))),
    phrase("finding.weak", reasons=Series(
        (phrase("finding.weak_reason.guessable", minimum=3, score=2),
         phrase("finding.weak_reason.entropy", bits=80)), Joiner.CLAUSES)),
)  # fmt: skip


def test_remembered_words_are_each_language_s_own() -> None:
    french = RememberingCatalog(catalog(Lang.FR).escaped(plain))
    english = RememberingCatalog(catalog(Lang.EN).escaped(plain))
    for said in SAID * 2:  # the second time from memory
        assert french.text(said) == catalog(Lang.FR).escaped(plain).text(said)
        assert english.text(said) == catalog(Lang.EN).escaped(plain).text(said)
    assert "mars" not in english.text(SAID[0]) and "avril" in french.text(SAID[0])


def test_a_rendered_value_is_never_taken_for_an_equal_plain_one() -> None:
    """``Rendered("x") == "x"``: the memory must not give one's text for the other."""
    words = RememberingCatalog(Catalog(Lang.EN, escape=plain))
    raw = Phrase("html.owner", (("owner", "\x1b[2J"),))
    kept = Phrase("html.owner", (("owner", Rendered("\x1b[2J")),))
    assert raw == kept  # why it matters
    assert words.text(raw) == " (\ufffd[2J)"
    assert words.text(kept) == " (\x1b[2J)"
    assert words.text(raw) == " (\ufffd[2J)"


def test_a_french_csv_written_first_leaves_the_english_one_english(report: Report) -> None:
    english = CsvFormat(lang=Lang.EN).render(report)
    french = CsvFormat(CsvDialect.EXCEL_FR, Lang.FR)
    shared = CsvFormat(lang=Lang.EN)
    french.render(report)
    assert shared.render(report) == english
    assert french.render(report) != english
    assert "Changez" not in english and "Changez" in french.render(report)


def test_each_practice_s_section_is_the_generic_encoding_of_its_data(report: Report) -> None:
    formatter = JsonFormat()
    for number, practice in enumerate(report.practices):
        section = formatter.section(report, practice, first=not number)
        whole = encoded(_practice(practice, report.standards), 2)
        assert section == ("" if not number else ",") + "\n" + INDENT * 2 + whole


def test_nor_deep_in_a_series() -> None:
    words = RememberingCatalog(Catalog(Lang.EN, escape=plain))

    def said(owner: str) -> Phrase:
        return Phrase(
            "finding.weak", (("reasons", Series((Phrase("html.owner", (("owner", owner),)),))),)
        )

    raw, kept = said("\x07"), said(Rendered("\x07"))
    assert raw == kept
    for _ in range(2):
        assert words.text(raw) == Catalog(Lang.EN, escape=plain).text(raw)
        assert words.text(kept) == Catalog(Lang.EN, escape=plain).text(kept)
    assert words.text(raw) != words.text(kept)
