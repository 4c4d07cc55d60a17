from __future__ import annotations

import pytest

from auditor.hibp import HibpError
from auditor.hibp.rangefmt import Range, format_range

A, B, C = "A" * 35, "0123456789ABCDEF0123456789ABCDEF012", "F" * 35


@pytest.mark.parametrize(
    "body",
    [
        f"{A}:3\r\n{B}:0\r\n{C}:12",
        f"{A}:3\n{B}:0\n{C}:12\n",
        f"\r\n{A}:3\r\n\r\n{B}:0\r\n{C}:12\r\n\r\n",
        f"{A.lower()}:3\r\n{B.lower()}:0\r\n{C.lower()}:12",
        f"{A}:3 \r\n{B}:0\r\n{C}:12",
    ],
)
def test_counts_are_found_in_any_well_formed_body(body: str) -> None:
    answer = Range.parse(body, "test")
    assert [answer.count(A), answer.count(B), answer.count(C)] == [3, 0, 12]
    assert answer.count("1" * 35) == 0
    assert answer.counts() == {A: 3, C: 12}
    assert Range.parse(answer.without_padding(), "again").counts() == {A: 3, C: 12}
    assert B not in answer.without_padding()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html>Service unavailable</html>", "line 1 is not SUFFIX:COUNT"),
        (f"{A}:3\r\n{A[:27]}:4", "line 2 is an NTLM hash"),
        (f"{A}:3\r\n{A}x:4", "line 2 is not"),
        (f"{A}:3\r\n{A}:-4", "line 2 is not"),
    ],
)
def test_anything_else_is_refused_with_the_line(body: str, message: str) -> None:
    with pytest.raises(HibpError, match=message):
        Range.parse(body, "test")


def test_format_is_the_apis() -> None:
    assert format_range({C: 1, A: 2}) == f"{A}:2\r\n{C}:1"
    assert Range.from_counts({C: 1, A: 2}).counts() == {A: 2, C: 1}
