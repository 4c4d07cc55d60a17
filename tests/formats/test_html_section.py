"""A practice's section written in Python is what ``practice.html.j2`` wrote, to the byte."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import jinja2
import pytest

from auditor.formats.html import HtmlFormat, _Views
from auditor.formats.references import references_view
from auditor.i18n import Lang
from auditor.i18n.templates import environment
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import Report
from auditor.safetext import plain
from tests.formats.hostile import hostile_report

# practice.html.j2 and references.html.j2 as they were before the section moved to
# formats/html.py (issue 17).
_PRACTICE = '{# One practice: status, what to do this week, later, charts, per-portal and per-person tables, accounts. #}\n{# The task cards and the two group tables are written in formats/html.py (_Rows.cards,\n   _Rows.group_table): a group\'s report has a card per account to act on. #}\n{% macro section(p) -%}\n<section class="practice" id="{{ p.anchor }}">\n  <h2>{{ p.title }}</h2>\n  {# The status lines and the counts are written in formats/html.py (_Rows.status, _Rows.counts). #}\n  {{ p.verdict }}\n  {% if p.changes %}\n{{ p.changes_block }}\n  {% endif %}\n\n  <h3>{{ t("html.this_week", end=week_end) }}</h3>\n  {% if priority %}<p class="meta">{{ priority }}</p>{% endif %}\n  {{ p.this_week_cards }}\n  <div class="advice">\n    <p><strong>{{ t("html.advice_title") }}</strong></p>\n    <p>{{ t("html.advice_phishing") }}</p>\n  </div>\n\n  <h3>{{ t("html.later") }}</h3>\n  {{ p.later_cards }}\n\n  <h3>{{ t("html.charts") }}</h3>\n  <div class="charts">\n    {{ p.severity_figure }}\n    {{ p.strength_figure }}\n    {{ p.age_figure }}\n  </div>\n\n  <h3>{{ t("html.by_portal") }}</h3>\n  {{ p.portal_table }}\n\n  <h3>{{ t("html.by_person") }}</h3>\n  {{ p.people_table }}\n\n  <h3>{{ t("practice.accounts") }}</h3>\n  <div class="table-wrap"><table class="stack accounts">\n    <thead><tr>\n      {% for key in ("portal", "login", "owner", "role", "last_change", "renew_by", "mfa", "breach", "checks") %}\n      <th>{{ t("column." ~ key) }}</th>\n      {% endfor %}\n    </tr></thead>\n    <tbody>\n    {# A row per account, each cell labelled for narrow screens: formats/html.py (_Rows.accounts). #}\n{{ p.account_rows }}    </tbody>\n  </table></div>\n  {% if p.approximate %}\n  <p class="meta">{{ t("html.approximate_note") }}</p>\n  {% endif %}\n  {% if p.copies %}\n  <h3>{{ t("copies.title") }}</h3>\n  <p>{{ t("copies.help") }}</p>\n  <ul class="copies">{% for line in p.copies %}<li>{{ line }}</li>{% endfor %}</ul>\n  {% endif %}\n  {% if p.waived %}\n  <h3>{{ t("waiver.title") }}</h3>\n  <p>{{ t("waiver.help") }}</p>\n  <div class="table-wrap"><table class="stack waived">\n    <thead><tr>\n      <th>{{ t("column.portal") }}</th><th>{{ t("column.login") }}</th><th>{{ t("column.owner") }}</th>\n      <th>{{ t("column.check") }}</th><th>{{ t("column.why") }}</th>\n      <th>{{ t("waiver.column_until") }}</th><th>{{ t("waiver.column_accepted_by") }}</th><th>{{ t("waiver.column_reason") }}</th>\n    </tr></thead>\n    <tbody>\n    {% for w in p.waived %}\n    <tr>\n      <td data-label="{{ t(\'column.portal\') }}">{{ w.portal }}</td>\n      <td data-label="{{ t(\'column.login\') }}">{{ w.username }}</td>\n      <td data-label="{{ t(\'column.owner\') }}">{{ w.owner }}</td>\n      <td data-label="{{ t(\'column.check\') }}">{{ w.label }} <code>{{ w.check }}</code></td>\n      <td data-label="{{ t(\'column.why\') }}">{{ w.why }}</td>\n      <td data-label="{{ t(\'waiver.column_until\') }}">{{ w.until }}</td>\n      <td data-label="{{ t(\'waiver.column_accepted_by\') }}">{{ w.accepted_by }}</td>\n      <td data-label="{{ t(\'waiver.column_reason\') }}">{{ w.reason }}</td>\n    </tr>\n    {% endfor %}\n    </tbody>\n  </table></div>\n  {% endif %}\n  {% include "references.html.j2" %}\n</section>\n{%- endmacro %}\n'
_REFERENCES = '{# One practice\'s accounts against CNIL 2022-100, NIST SP 800-63B-4, ANSSI and the audit\'s policy (formats/references.py).\n   Addresses are text, not links: the page fetches and leaves to nothing (tests/formats/test_html.py). #}\n{% if references is defined and p.id in references %}\n{% set view = references[p.id] %}\n<section class="references" aria-labelledby="ref-{{ p.id }}">\n<h3 id="ref-{{ p.id }}">{{ t("references.title") }}</h3>\n<p class="ref-intro">{{ t("references.intro") }}</p>\n<div class="scroll"><table class="ref-table">\n  <thead><tr>\n    <th>{{ t("column.portal") }}</th><th>{{ t("column.login") }}</th><th>{{ t("column.owner") }}</th>\n    {% for ref in view.references %}<th>{{ ref.short }}</th>{% endfor %}\n  </tr></thead>\n  <tbody>\n  {# A row per account, a cell per reference: formats/html.py (_Rows.references). #}\n{{ reference_rows[p.id] }}  </tbody>\n</table></div>\n{# Each reference\'s rules and what they found: formats/html.py (_Rows.standards). #}\n{{ reference_docs[p.id] }}</section>\n{% endif %}\n'
_PAGE = """{% import "macros.html.j2" as m with context %}
{% import "practice.html.j2" as practice with context %}
{% for p in practices %}
{{ practice.section(p) }}
{% endfor %}
"""


def _old(**values: Any) -> str:
    """The sections as the templates wrote them, from the package's other templates."""
    package = environment(html=True)
    old = package.overlay(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.DictLoader(
                    {"practice.html.j2": _PRACTICE, "references.html.j2": _REFERENCES}
                ),
                package.loader,  # type: ignore[list-item]
            ]
        )
    )
    return old.from_string(_PAGE).render(**values)


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    return hostile_report(make_account, policy, fake_breach, admin_password="soleil")


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize("priority", ["", "Worst <first> & then"])
@pytest.mark.parametrize("with_references", [True, False])
def test_a_section_is_what_the_template_wrote(
    report: Report, lang: Lang, priority: str, with_references: bool
) -> None:
    formatter = HtmlFormat(lang)
    words = formatter.words
    views = _Views(words, report, formatter.rows)
    practices = tuple(views.practice(p) for p in report.practices)
    rows = formatter.rows
    references = {}
    if with_references:
        for p in report.practices:
            view = references_view(words, report, p, plain)
            references[p.practice.id] = (view, rows.references(view), rows.standards(view))
    week_end = words.day(views.week_end)
    old = _old(
        t=words.t,
        week_end=week_end,
        priority=priority,
        width=640,
        report=report,
        practices=practices,
        references={key: view for key, (view, _, _) in references.items()},
        reference_rows={key: found for key, (_, found, _) in references.items()},
        reference_docs={key: docs for key, (_, _, docs) in references.items()},
    )
    new = "".join(
        f"{rows.section(p, week_end, priority, references.get(p.id))}\n" for p in practices
    )
    assert new == old
    assert "<script>" not in new and "\x1b" not in new and "&lt;b&gt;Lumière" in new


# The index_table macro of macros.html.j2 before it moved to formats/html.py (issue 17).
_INDEX = """{% import "macros.html.j2" as m %}{% macro index_table(rows) -%}
<div class="table-wrap"><table class="stack index">
  <thead><tr>
    <th class="num">{{ t("html.rank") }}</th><th>{{ t("column.practice") }}</th><th>{{ t("html.status") }}</th>
    <th>{{ t("column.findings") }}</th><th class="num">{{ t("html.accounts") }}</th><th class="num">{{ t("html.this_week_count") }}</th>
  </tr></thead>
  <tbody>
  {% for row in rows %}
  <tr>
    <td class="num" data-label="{{ t('html.rank') }}">{{ row.rank }}</td>
    <td data-label="{{ t('column.practice') }}"><a href="{{ row.href }}">{{ row.name }}</a>{% if not report.pseudonymous_practices %}<br><code>FINESS {{ row.id }}</code>{% endif %}</td>
    <td data-label="{{ t('html.status') }}">{{ m.badge(row.tone, row.status) }}</td>
    <td data-label="{{ t('column.findings') }}">{% for text in row.counts %}<span class="count">{{ text }}</span>{% if not loop.last %}{{ t("list.separator") }}{% endif %}{% endfor %}</td>
    <td class="num" data-label="{{ t('html.accounts') }}">{{ row.accounts }}</td>
    <td class="num" data-label="{{ t('html.this_week_count') }}">{{ row.this_week }}</td>
  </tr>
  {% endfor %}
  </tbody>
</table></div>
{%- endmacro %}"""


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize("pseudonymous", [False, True])
def test_the_index_is_what_the_macro_wrote(report: Report, lang: Lang, pseudonymous: bool) -> None:
    """The ranking of the practices: the summary's, and the whole report's."""
    formatter = HtmlFormat(lang)
    shown = replace(report, pseudonymous_practices=pseudonymous)
    index = _Views(formatter.words, shown, formatter.rows).index("{id}/report.html")
    hostile = replace(index[0], name="<b>x</b>\x1b&", href='a"b<', counts=("<i>", "2"))
    rows = (*index, hostile)
    template = environment(html=True).from_string(_INDEX)
    old = template.make_module({"t": formatter.words.t, "report": shown}).index_table(rows)  # type: ignore[attr-defined]
    for _ in range(2):  # the second time from what the rows remembered
        assert formatter.rows.index_table(rows, pseudonymous=pseudonymous) == str(old)
    assert "<b>x" not in str(old) and "&lt;b&gt;x&lt;/b&gt;" in str(old)
