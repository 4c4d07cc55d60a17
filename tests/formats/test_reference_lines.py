"""The references' lines that name an account are the catalogue's text for each account, however
they are put together (once per reason, the account between its two sides)."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.formats import references
from auditor.i18n import Lang, Rendered
from auditor.i18n.catalogue import Catalog
from auditor.i18n.phrase import phrase
from auditor.report.standards import Met, NotMet, RuleResult, Unknown


class _Audited:
    def __init__(self, name: str) -> None:
        self.name = name


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize(
    "reason",
    ["longer than the rule asks", "a reason holding the stand-in " + references._ACCOUNT, ""],
)
def test_each_named_line_is_the_catalogue_s_text(lang: Lang, reason: str) -> None:
    words = Catalog(lang)
    said = phrase("finding.weak")  # any phrase: the reason is what reason_of says
    outcomes: list[Any] = [NotMet(said), Unknown(said), NotMet(said), Met(said)]
    accounts = [_Audited(f"Viamedis user{n} (Claire {n})") for n in range(len(outcomes))]
    results: list[Any] = [
        (audited, RuleResult(rule=None, outcome=outcome))  # type: ignore[arg-type]
        for audited, outcome in zip(accounts, outcomes, strict=True)
    ]
    lines = references._lines(words, results, lambda a: a.name, lambda _: Rendered(reason))
    expected = [
        words.t(key, account=Rendered(accounts[n].name), reason=Rendered(reason))
        for key, n in (
            ("references.rule_not_met", 0),
            ("references.rule_not_met", 2),
            ("references.rule_unknown", 1),
        )
    ]
    assert [line.text for line in lines[:3]] == expected
    assert all(type(line.text) is Rendered for line in lines)
    assert [line.outcome for line in lines] == ["not-met", "not-met", "unknown", "met"]
