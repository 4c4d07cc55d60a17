"""``html()``'s short way for a text with nothing to replace or escape gives what the long
way gives, for every character either way changes and for the texts that need neither."""

from __future__ import annotations

import pytest
from markupsafe import escape

from auditor.formats.html import html
from auditor.i18n import Rendered
from auditor.safetext import plain

_CHANGED = [*"&<>\"'", *(chr(n) for n in range(0x20)), *(chr(n) for n in range(0x7F, 0xA0))]
_CHANGED += ["\u2028", "\u2029", *(chr(n) for n in range(0x202A, 0x202F))]
_CHANGED += [chr(n) for n in range(0x2066, 0x206A)]


@pytest.mark.parametrize("kind", [str, Rendered])
@pytest.mark.parametrize("special", _CHANGED)
def test_each_character_to_replace_or_escape_is(kind: type[str], special: str) -> None:
    value = kind(f"jdupont{special}x")
    assert html(value) == str(escape(plain(value))) != value


@pytest.mark.parametrize("kind", [str, Rendered])
@pytest.mark.parametrize(
    "text", ["jdupont", "Claire Martin", "Hélène d’Aubigné", "a.b_c-d@e", "", "x\u00a0y", "秀"]
)
def test_a_text_with_nothing_to_change_is_its_own_html(kind: type[str], text: str) -> None:
    value = kind(text)
    assert html(value) == str(escape(plain(value))) == text
    assert type(html(value)) is str


def test_the_controls_listed_are_the_ones_plain_replaces() -> None:
    listed = {c for c in _CHANGED if c not in "&<>\"'"}
    assert all(plain(c) != c for c in listed)
    assert len(listed) == sum(1 for n in range(0x2070) if plain(chr(n)) != chr(n))
