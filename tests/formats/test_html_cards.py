"""The task cards and group tables written in Python are what the templates' macros wrote."""

from __future__ import annotations

import pytest

from auditor.formats.html import HtmlFormat, Reason, Row, Task, _Rows
from auditor.i18n import Lang, Rendered
from auditor.i18n.templates import environment
from auditor.models import Severity

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
