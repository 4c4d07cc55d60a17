"""The HTML page's rows written in Python are what the templates' loops wrote, byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from auditor.formats.html import HtmlFormat, _Remembering, _Rows, _Views
from auditor.formats.references import references_view
from auditor.i18n import Lang, Rendered, catalog
from auditor.i18n.templates import environment
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import Report
from auditor.safetext import plain
from tests.formats.hostile import hostile_report

AS_OF = date(2026, 11, 22)

# The loops of practice.html.j2 and references.html.j2 as they were before the rows moved
# to formats/html.py (issue 17), with the macro they called.
_BADGE = """{% set symbols = {"critical": "✖", "high": "⚠", "medium": "●", "low": "○",
"ok": "✓", "unchecked": "?"} %}{% macro badge(tone, text) -%}
<span class="badge tone-{{ tone }}"><span aria-hidden="true">{{ symbols[tone] }}</span> {{ text }}</span>
{%- endmacro %}"""
_ACCOUNT_ROWS = """    {% for a in accounts %}
    <tr>
      <td data-label="{{ t('column.portal') }}">{{ a.portal }}</td>
      <td data-label="{{ t('column.login') }}">{{ a.username }}</td>
      <td data-label="{{ t('column.owner') }}">{{ a.owner }}</td>
      <td data-label="{{ t('column.role') }}">{{ a.role }}</td>
      <td data-label="{{ t('column.last_change') }}">{{ a.changed }}</td>
      <td data-label="{{ t('column.renew_by') }}">{{ a.renew_by }}</td>
      <td data-label="{{ t('column.mfa') }}">{{ a.mfa }}</td>
      <td data-label="{{ t('column.breach') }}">{{ a.breach }}</td>
      <td data-label="{{ t('column.checks') }}">{{ badge(a.tone, a.worst_text) }} {{ a.checks }}</td>
    </tr>
    {% endfor %}
"""
_REFERENCE_ROWS = """  {% for row in view.rows %}
  <tr>
    <td data-label="{{ t('column.portal') }}">{{ row.portal }}</td>
    <td data-label="{{ t('column.login') }}">{{ row.username }}</td>
    <td data-label="{{ t('column.owner') }}">{{ row.owner }}</td>
    {% for cell in row.cells %}
    <td data-label="{{ view.references[loop.index0].short }}" class="ref-cell ref-{{ cell.outcome }}" title="{{ cell.word }}"><span aria-hidden="true">{{ cell.symbol }}</span> <span class="ref-word">{{ cell.word }}</span></td>
    {% endfor %}
  </tr>
  {% endfor %}
"""


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    return hostile_report(make_account, policy, fake_breach, admin_password="V7#qLm2!xR9@wTz4")


@pytest.mark.parametrize("lang", list(Lang))
def test_the_rows_are_what_the_templates_loops_wrote(report: Report, lang: Lang) -> None:
    words = HtmlFormat(lang).words
    template = environment(html=True).from_string
    views = _Views(words, report)
    rows = _Rows(words)
    written = []
    for practice in report.practices:
        shown = views.practice(practice)
        old = template(_BADGE + "\n" + _ACCOUNT_ROWS).render(t=words.t, accounts=shown.accounts)
        assert str(shown.account_rows) == str(rows.accounts(shown.accounts)) == old
        view = references_view(words, report, practice, plain)
        written += [old, template(_REFERENCE_ROWS).render(t=words.t, view=view)]
        assert str(rows.references(view)) == written[-1]
    page = "".join(written)
    assert page.count("&lt;script&gt;") == 2 and "<script>" not in page
    assert "a&amp;b&#34;c&#39;d" in page and "\x1b" not in page


def test_the_remembering_catalogue_tells_a_name_from_a_rendered_text() -> None:
    """A ``str`` is escaped and a ``Rendered`` is not, though they are equal: both are kept."""
    words = catalog(Lang.FR).escaped(plain)
    remembering = _Remembering(words)
    name = "Émilie\x1b[2J"
    for _ in range(2):  # the second time from what it remembered
        assert remembering.t("html.login_owner", username="x", owner=name) == words.t(
            "html.login_owner", username="x", owner=name
        )
        assert remembering.t("html.login_owner", username="x", owner=Rendered(name)) == words.t(
            "html.login_owner", username="x", owner=Rendered(name)
        )
        assert remembering.t("count.accounts", n=2) == words.t("count.accounts", n=2)
        assert remembering.t("html.footer_privacy") == words.t("html.footer_privacy")
    assert "\x1b" not in remembering.t("html.login_owner", username="x", owner=name)
