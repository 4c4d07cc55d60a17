"""What the HTML writer remembers between pages never changes a page, whatever came before it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from auditor.formats.html import HtmlFormat
from auditor.i18n import Lang
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import Report
from tests.formats.hostile import hostile_report


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    return hostile_report(make_account, policy, fake_breach, admin_password="soleil")


def _cold(lang: Lang) -> HtmlFormat:
    """A writer that remembers nothing yet (``HtmlFormat`` is shared per language)."""
    return HtmlFormat.__wrapped__(lang)  # type: ignore[attr-defined,no-any-return]


def _pages(formatter: HtmlFormat, report: Report) -> list[str]:
    """The whole report, each practice's page, then the group's summary."""
    pages = [formatter.render(report)]
    pages += [formatter.render(report.for_practice(p)) for p in report.practices]
    return [*pages, "".join(formatter.summary_chunks(report))]


@pytest.mark.parametrize("lang", list(Lang))
def test_pages_are_the_same_cold_and_warm(report: Report, lang: Lang) -> None:
    warm = _cold(lang)
    first = _pages(warm, report)
    assert _pages(warm, report) == first  # every text now from memory
    assert [_cold(lang).render(report.for_practice(p)) for p in report.practices] == first[1:-1]


def test_french_pages_leave_nothing_in_the_english_ones(report: Report) -> None:
    english = _pages(_cold(Lang.EN), report)
    french = _cold(Lang.FR)
    in_french = _pages(french, report)
    assert _pages(_cold(Lang.EN), report) == english
    assert all('lang="fr"' in page and "Comptes" in page for page in in_french)
    assert all('lang="en"' in page and "Comptes" not in page for page in english)
    # The shared writers too, in either order.
    assert _pages(HtmlFormat(Lang.FR), report) == in_french
    assert _pages(HtmlFormat(Lang.EN), report) == english
    assert _pages(HtmlFormat(Lang.FR), report) == in_french


def test_a_name_seen_on_one_page_is_escaped_on_the_next(report: Report) -> None:
    """An account's name remembered from one practice's page is never reused raw on another."""
    formatter = _cold(Lang.EN)
    pages = _pages(formatter, report) + _pages(formatter, report)
    for page in pages:
        assert "<script>x" not in page and "<b>Lumière" not in page and "\x1b" not in page
    # Twice each: the whole report, its practice's own page, the summary.
    assert sum("&lt;b&gt;Lumière&lt;/b&gt;" in page for page in pages) == 6
