"""The HTML page's catalogue stops remembering the texts of a key that are seldom asked twice
(an account in a sentence), keeps remembering those that repeat, and says the same either way."""

from __future__ import annotations

from auditor.formats.html import _TRIAL, _Remembering
from auditor.i18n import Lang, catalog
from auditor.safetext import plain

ASKED = 3 * _TRIAL


def _words() -> _Remembering:
    return _Remembering(catalog(Lang.FR).escaped(plain))  # not the shared format's


def test_texts_said_once_are_not_remembered() -> None:
    words = _words()
    plain_words = catalog(Lang.FR).escaped(plain)
    for n in range(ASKED):
        said = words.t("html.login_owner", username=f"user{n:06d} <b>", owner="x")
        assert said == plain_words.t("html.login_owner", username=f"user{n:06d} <b>", owner="x")
    remembered = len(words._said) + len(words._said_recently)
    assert remembered <= _TRIAL  # before: every one of them, until the memories were full


def test_texts_that_repeat_are_still_remembered() -> None:
    words = _words()
    first = {n: words.t("count.accounts", n=n) for n in range(10)}
    for n in range(ASKED):
        assert words.t("count.accounts", n=n % 10) is first[n % 10]
        words.t("html.login_owner", username=f"user{n:06d}", owner="x")  # one-offs between
    assert first[2] == catalog(Lang.FR).t("count.accounts", n=2)
