"""What the HTML writer remembers and shortens never changes a page, whatever came before it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from markupsafe import Markup, escape

from auditor.formats.html import _KEPT_TEXTS, HtmlFormat, _Remembering, _Rows, html
from auditor.i18n import Lang, Rendered, catalog
from auditor.i18n.templates import environment
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import Report
from auditor.safetext import plain, template_value
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


# The counts macro of macros.html.j2 before it moved to formats/html.py (issue 17); the
# status macro is still the template's (the report's overview calls it).
_COUNTS = """{% import "macros.html.j2" as m %}{% macro counts(items) -%}
<ul class="counts">
{% for text, tone in items %}
  <li>{{ m.badge(tone, text) }}</li>
{% endfor %}
</ul>
{%- endmacro %}"""


@pytest.mark.parametrize("lang", list(Lang))
def test_the_status_lines_and_counts_are_what_the_macros_wrote(lang: Lang) -> None:
    """``m.status`` and ``m.counts``, which each practice's page called."""
    macros = environment(html=True).get_template("macros.html.j2").module
    old = environment(html=True).from_string(_COUNTS).module
    hostile = "<script>a&b\"c'd</script>\x1b[2J\u202e\x00\n\t"
    counts = ((hostile, "critical"), ("2 high", "high"), ("0 medium", "medium"), ("", "low"))
    rows = _Rows(HtmlFormat(lang).words)
    for _ in range(2):  # the second time from what the rows remembered
        for tone in ("critical", "ok", "unchecked"):
            assert rows.status(tone, hostile) == str(macros.status(tone, hostile))  # type: ignore[attr-defined]
        assert rows.counts(counts) == str(old.counts(counts))  # type: ignore[attr-defined]
        assert rows.counts(()) == str(old.counts(()))  # type: ignore[attr-defined]
    assert "<script>" not in rows.counts(counts) and "\x1b" not in rows.status("ok", hostile)


@pytest.mark.parametrize(
    "value",
    ["<a&b>\x1b\n'\"\u202e", Rendered("x<y\x00"), 0, 12345, -3, True, 2.5, Markup("<b>"), None],
)
def test_a_value_is_escaped_as_the_templates_did(value: object) -> None:
    """``html()``'s short ways for texts and counts give what ``{{ value }}`` gave."""
    assert html(value) == str(escape(template_value(value)))


def test_texts_met_after_the_memories_are_full_are_remembered_too() -> None:
    """One-off texts fill the memories first (a login each); a text met only then, and
    asked on every later page, is still put into words and escaped once for a while."""
    words = _Remembering(catalog(Lang.FR).escaped(plain))  # not the shared format's
    rows = _Rows(words)
    early = words.t("count.accounts", n=2)
    for n in range(_KEPT_TEXTS + 10):  # one-off texts: a login each
        words.t("html.login_owner", username=f"user{n:06d}", owner="x")
        rows.text(f"user{n:06d}")
    late = words.t("count.accounts", n=3)
    escaped = rows.text("Réutilisé & <divulgué>")
    assert words.t("count.accounts", n=3) is late and words.t("count.accounts", n=2) is early
    assert rows.text("Réutilisé & <divulgué>") is escaped == "Réutilisé &amp; &lt;divulgué&gt;"
