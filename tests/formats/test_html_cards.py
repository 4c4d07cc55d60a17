"""The task cards and group tables written in Python are what the templates' macros wrote."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from auditor.formats import charts
from auditor.formats.html import (
    _KEPT_TEXTS,
    ChangesView,
    HtmlFormat,
    Reason,
    Row,
    Task,
    _Remembering,
    _Rows,
)
from auditor.formats.references import references_view
from auditor.i18n import Lang, Rendered, catalog
from auditor.i18n.templates import environment
from auditor.models import Account, Severity
from auditor.policy import Policy
from auditor.report import Report
from auditor.safetext import plain
from tests.formats.hostile import hostile_report

# The macros of practice.html.j2 as they were before the cards and tables moved to
# formats/html.py (issue 17), with the badge macro of macros.html.j2 they called.
_MACROS = """{% set symbols = {"critical": "✖", "high": "⚠", "medium": "●", "low": "○",
"ok": "✓", "unchecked": "?"} %}{% macro badge(tone, text) -%}
<span class="badge tone-{{ tone }}"><span aria-hidden="true">{{ symbols[tone] }}</span> {{ text }}</span>
{%- endmacro %}
{% macro task_list(tasks, empty) -%}
{% if tasks %}
<ol class="tasks">
{% for task in tasks %}
  <li class="task tone-{{ task.severity.value }}">
    <div class="task-head">
      <span class="box" aria-hidden="true">☐</span>
      <span class="who">{{ task.portal }} — {{ task.username }}{% if task.owner %} ({{ task.owner }}){% endif %}</span>
      {{ badge(task.severity.value, task.severity_text) }}
      <span>{{ t("html.due_by", due=task.due) }}</span>
    </div>
    {% if task.also_in %}<p class="also-in">{{ task.also_in }}</p>{% endif %}
    <ul>
    {% for reason in task.reasons %}
      <li><strong>{{ reason.label }}</strong> — {{ reason.why }}</li>
    {% endfor %}
    </ul>
    {% for action in task.actions %}
    <p class="todo">➜ {{ action }}</p>
    {% endfor %}
    {# The check ids, for whoever writes a waiver: a reference, not part of the sentences. #}
    <p class="ref">{{ t("html.ref") }} <code>{{ task.checks | join(t("list.separator")) }}</code></p>
  </li>
{% endfor %}
</ol>
{% else %}
<p class="none">{{ empty }}</p>
{% endif %}
{%- endmacro %}
{% macro group_table(rows, first, second) -%}
<div class="table-wrap"><table class="stack">
  <thead><tr>
    <th>{{ first }}</th>{% if second %}<th>{{ second }}</th>{% endif %}
    <th class="num">{{ t("html.accounts") }}</th><th class="num">{{ t("html.to_change") }}</th>
    <th class="num">{{ t("html.this_week_count") }}</th><th>{{ t("column.worst") }}</th>
  </tr></thead>
  <tbody>
  {% for row in rows %}
  <tr>
    <td data-label="{{ first }}">{{ row.name }}</td>
    {% if second %}<td data-label="{{ second }}">{{ row.detail }}</td>{% endif %}
    <td class="num" data-label="{{ t('html.accounts') }}">{{ row.accounts }}</td>
    <td class="num" data-label="{{ t('html.to_change') }}">{{ row.to_change }}</td>
    <td class="num" data-label="{{ t('html.this_week_count') }}">{{ row.this_week }}</td>
    <td data-label="{{ t('column.worst') }}">{{ badge(row.tone, row.worst_text) }}</td>
  </tr>
  {% endfor %}
  </tbody>
</table></div>
{%- endmacro %}
[{{ task_list(tasks, empty) }}]
[{{ task_list((), empty) }}]
[{{ group_table(rows, first, "") }}]
[{{ group_table(rows, first, second) }}]
[{{ group_table((), first, second) }}]
"""
# references.html.j2's last loop as it was before it moved to formats/html.py (issue 17).
_STANDARDS = """{% for ref in view.references %}
<div class="ref-doc">
  <h4>{{ ref.title }}</h4>
  <p class="ref-edition">{{ ref.edition }}{% if ref.url %} — <span class="ref-url">{{ ref.url }}</span>{% endif %}</p>
  <ul class="ref-rules">
  {% for rule in ref.rules %}
    <li><p>{{ rule.statement }} <span class="ref-source">({{ rule.source }})</span> <code>{{ rule.id }}</code></p>
      <ul>{% for line in rule.lines %}<li class="ref-{{ line.outcome }}">{{ line.text }}</li>{% endfor %}</ul>
    </li>
  {% endfor %}
  </ul>
</div>
{% endfor %}
</section>
"""
HOSTILE = "<script>a&b\"c'd</script>\x1b[2J\u202e\x00\n\t"


def _tasks() -> tuple[Task, ...]:
    return (
        Task(
            due=Rendered("22/11 <b>"),
            severity=Severity.CRITICAL,
            severity_text=Rendered("critique & <i>"),
            portal=HOSTILE,
            username="=cmd()|" + HOSTILE,
            owner="Émilie " + HOSTILE,
            reasons=(
                Reason(Rendered("Breached"), "why " + HOSTILE),
                Reason(HOSTILE, Rendered("plain & <why>")),
            ),
            actions=("Change <it> & 'store' it", Rendered(HOSTILE)),
            checks=("breached", "reused", "a<b"),
            also_in="also " + HOSTILE,
        ),
        Task(
            due="1 déc.",
            severity=Severity.LOW,
            severity_text="faible",
            portal="viamedis",
            username="x",
            owner="",
            reasons=(),
            actions=(),
            checks=(),
        ),
    )


def _rows() -> tuple[Row, ...]:
    return (
        Row(HOSTILE, "d&" + HOSTILE, 3, 2, 1, Severity.HIGH, Rendered("élevé <x>"), "high"),
        Row("Comptoir", "", 1, 0, 0, None, "rien", "ok"),
        Row("?", "x@y", 0, 0, 0, None, HOSTILE, "unchecked"),
    )


@pytest.mark.parametrize("lang", list(Lang))
def test_the_cards_and_group_tables_are_what_the_macros_wrote(lang: Lang) -> None:
    words = HtmlFormat(lang).words
    rows = _Rows(words)
    tasks, table = _tasks(), _rows()
    empty, first, second = Rendered("rien <à faire>"), "Portail & <co>", HOSTILE
    old = (
        environment(html=True)
        .from_string(_MACROS)
        .render(t=words.t, tasks=tasks, rows=table, empty=empty, first=first, second=second)
    )
    for _ in range(2):  # the second time from what the rows remembered
        new = "".join(
            f"[{part}]\n"
            for part in (
                rows.cards(tasks, empty),
                rows.cards((), empty),
                rows.group_table(table, first, ""),
                rows.group_table(table, first, second),
                rows.group_table((), first, second),
            )
        )
        assert new == old
    assert "<script>" not in new and "\x1b" not in new and "\x00" not in new
    assert "&lt;script&gt;a&amp;b&#34;c&#39;d" in new


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    return hostile_report(make_account, policy, fake_breach, admin_password="soleil")


@pytest.mark.parametrize("lang", list(Lang))
def test_the_standards_are_what_the_references_loop_wrote(report: Report, lang: Lang) -> None:
    words = HtmlFormat(lang).words
    rows = _Rows(words)
    written = ""
    for practice in report.practices:
        view = references_view(words, report, practice, plain)
        old = environment(html=True).from_string(_STANDARDS).render(view=view)
        for _ in range(2):  # the second time from what the rows remembered
            assert f"{rows.standards(view)}</section>\n" == old
        written += old
    assert "&lt;script&gt;x&lt;/script&gt;" in written and "<script>" not in written
    assert "a&amp;b&#34;c&#39;d" in written and "\x1b" not in written


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize("marker", [None, 2])
def test_a_column_chart_is_what_the_macro_draws(lang: Lang, marker: int | None) -> None:
    """The practice's two charts; the group index still draws its own with the macro."""
    words = HtmlFormat(lang).words
    chart = charts.columns(
        HOSTILE,
        Rendered("desc & <b>") + HOSTILE,
        [(Rendered("critique <x>"), 3, "critical"), (HOSTILE, 0, "low"), ("1/3", 12, "meets")],
        marker_before=marker,
        marker_label=HOSTILE if marker is not None else "",
    )
    macros = (
        environment(html=True)
        .get_template("macros.html.j2")
        .make_module({"width": charts.WIDTH, "t": words.t})
    )
    old = str(macros.column_chart(chart, "severity"))  # type: ignore[attr-defined]
    for _ in range(2):  # the second time from what the rows remembered
        assert str(_Rows(words).column_chart(chart, "severity")) == old
    assert ("marker" in old) is (marker is not None) and "<script>" not in old


@pytest.mark.parametrize("lang", list(Lang))
def test_the_age_chart_is_what_the_macro_draws(lang: Lang) -> None:
    words = HtmlFormat(lang).words
    data = [
        charts.AgeData(HOSTILE, "login " + HOSTILE, 400, 365, Rendered("400 j <x>"), "critical"),
        charts.AgeData("viamedis", Rendered("a & b"), None, None, "unknown", "unchecked"),
        charts.AgeData("almerys", "x", 10, None, "~10 days", "ok"),
        charts.AgeData("kalixia", "y", 0, 90, "0", "low"),
    ]
    chart = charts.ages(HOSTILE, "desc <&>", data, lambda n: f"{n} an<s>")
    macros = (
        environment(html=True)
        .get_template("macros.html.j2")
        .make_module({"width": charts.WIDTH, "t": words.t})
    )
    old = str(macros.age_chart(chart))  # type: ignore[attr-defined]
    for _ in range(2):  # the second time from what the rows remembered
        assert str(_Rows(words).age_chart(chart)) == old
    assert 'class="limit"' in old and "<script>" not in old and "\x1b" not in old


# The changes block of practice.html.j2 before it moved to formats/html.py (issue 17).
_CHANGES = """<section>
  {% if changes %}
  <div class="changes">
    <p>{{ changes.line }}</p>
    {% for heading, items in changes.groups %}
    <p><strong>{{ heading }}</strong></p>
    <ul>
      {% for portal, username, label, check in items %}
      <li>{{ portal }} — {{ username }} — {{ label }} <span class="ref">{{ t("html.ref") }} <code>{{ check }}</code></span></li>
      {% endfor %}
    </ul>
    {% endfor %}
  </div>
  {% endif %}

  <h3>"""


@pytest.mark.parametrize("lang", list(Lang))
def test_the_changes_are_what_the_template_wrote(lang: Lang) -> None:
    words = HtmlFormat(lang).words
    changes = ChangesView(
        Rendered("2 new <b> & 1 fixed"),
        (
            (
                Rendered("New"),
                ((HOSTILE, "=cmd()" + HOSTILE, Rendered("réutilisé <x>"), "reused"),),
            ),
            (Rendered("Fixed & gone"), (("viamedis", "a&b", "weak", "weak"), ("x", "y", "z", "w"))),
            (HOSTILE, ()),
        ),
    )
    old = environment(html=True).from_string(_CHANGES).render(t=words.t, changes=changes)
    for _ in range(2):  # the second time from what the rows remembered
        assert f"<section>\n{_Rows(words).changes(changes)}\n\n  <h3>" == old
    assert "<script>" not in old and "\x1b" not in old


def test_full_memories_keep_the_texts_every_page_repeats() -> None:
    """Past their limit the catalogue and the rows remember no more, and forget nothing."""
    words = _Remembering(catalog(Lang.FR).escaped(plain))  # not the shared format's
    rows = _Rows(words)
    label = words.t("count.accounts", n=2)
    escaped = rows.text("Réutilisé & <divulgué>")
    for n in range(_KEPT_TEXTS + 10):  # one-off texts: a login each
        words.t("html.login_owner", username=f"user{n:06d}", owner="x")
        rows.text(f"user{n:06d}")
    assert words.t("count.accounts", n=2) is label
    assert rows.text("Réutilisé & <divulgué>") is escaped == "Réutilisé &amp; &lt;divulgué&gt;"
