"""The JSON writer's own encoder writes what ``json.dumps(indent=2)`` and ``json_text`` wrote."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.formats.jsonfmt import Encoded, JsonFormat, encoded, report_document
from auditor.models import Account, Practice, Role
from auditor.report import Report
from auditor.safetext import json_text

AS_OF = date(2026, 11, 22)

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from('<>&\x7f\x85\u2028\u202e\u2066"\\\n\t\x00é°')
)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_TEXT, inner, max_size=4)
        | st.tuples(inner, inner)
    ),
    max_leaves=30,
)


def _reference(value: Any) -> str:
    """What the report wrote before: ``json``'s encoder, then ``json_text``."""
    return json_text(json.dumps(value, indent=2, ensure_ascii=False))


@settings(max_examples=150, deadline=None)
@given(_VALUES)
def test_encoded_writes_what_json_dumps_writes(value: Any) -> None:
    assert encoded(value) == _reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": [], "b": {}, "c": [1, {"d": None}], "e": True, "f": False},
        [[[]], [{}], {"x": [[1, 2], []]}],
        {"<script>": "a & b > c", "bidi": "\u202eevil", "sep": "a\u2028b", "c1": "\x9b[2J"},
        "plain ASCII",
        -12,
        1.5,
    ],
)
def test_encoded_examples(value: Any) -> None:
    assert encoded(value) == _reference(value)


def test_an_encoded_piece_only_fits_its_depth() -> None:
    piece = Encoded(encoded([1], 2), 2)
    assert encoded({"a": {"b": piece}}) == _reference({"a": {"b": [1]}})
    with pytest.raises(ValueError, match="depth 2"):
        encoded({"b": piece})


@pytest.fixture
def report(make_account: Callable[..., Account], audit_of: Callable[..., Report]) -> Report:
    other = Practice("690034566", "Optique <Lumière> & Fils")
    accounts = (
        make_account(portal="viamedis", username="a|b", password="soleil", password_changed=None),
        make_account(
            portal="almerys",
            username="=cmd()",
            owner="\u202e@owner",
            role=Role.ADMIN,
            password="V7#qLm2!xR9@wTz4",
            password_changed=date(2023, 1, 2),
            mfa=False,
        ),
        make_account(portal="kalixia", username="nopass", password=None, mfa=None),
        make_account(practice=other, username="sdurand", password="soleil"),
        make_account(practice=other, username="x\x85y", owner=None, password="Lumiere2024"),
    )
    return audit_of(accounts)


def test_the_report_is_what_its_document_encodes_to(report: Report) -> None:
    """The writer encodes each practice with shared pieces (a reference's rules, an account's
    results): the text is still ``report_document``'s, as ``json`` writes it."""
    formatter = JsonFormat()
    expected = _reference(report_document(report)) + "\n"
    assert formatter.render(report) == expected
    assert formatter.render(report) == expected  # the pieces kept from the first report
    for practice in report.practices:
        alone = report.for_practice(practice)
        assert formatter.render(alone) == _reference(report_document(alone)) + "\n"
    chunks = list(formatter.chunks(report))
    assert len(chunks) == len(report.practices) + 2  # a head, each practice, the end


def test_an_empty_report_is_one_document(report: Report) -> None:
    from dataclasses import replace

    empty = replace(report, practices=())
    assert JsonFormat().render(empty) == _reference(report_document(empty)) + "\n"
