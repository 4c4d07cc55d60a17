"""Range answers, generated and mutated, parsed and fetched through the client: an outcome per hash.

``Range.parse`` either returns a range whose counts are positive or raises a
``HibpError`` naming where the answer came from; the client (HTTP mocked with
``responses``) never raises and gives ``Pwned`` with a sane count, ``Clean`` or
``Unknown`` for every hash. Memory is bounded by tracemalloc, time by the deadline.
"""

from __future__ import annotations

import hashlib

import responses
from hypothesis import example, given
from hypothesis import strategies as st

from auditor.hibp import HibpError, RangeApiClient, RetryPolicy, make_session
from auditor.hibp.rangefmt import Range
from tests.fuzz.fuzzing import SANE_COUNT, check_outcomes, memory_bound, mutated, names_file

API = "https://range.fuzz.invalid"
WHERE = "range 21BD1"
DIGEST = hashlib.sha1(b"P@ssw0rd").hexdigest().upper()
PREFIX, SUFFIX = DIGEST[:5], DIGEST[5:]
hex35 = st.text(alphabet="0123456789ABCDEFabcdef", min_size=35, max_size=35)
counts = st.one_of(
    st.integers(0, 10**7).map(str),
    st.sampled_from(["0", "00", "9" * 5000, "1" * 40, "-1", "1.5", ""]),
)
lines = st.one_of(
    st.tuples(hex35, counts).map(lambda pair: f"{pair[0]}:{pair[1]}"),
    st.tuples(st.just(SUFFIX), counts).map(lambda pair: f"{pair[0]}:{pair[1]}"),
    st.text(max_size=40),
    st.sampled_from(["", " ", "\t", "\x00", "\u2028", "A" * 27 + ":3", SUFFIX]),
)
bodies = st.tuples(st.lists(lines, max_size=12), st.sampled_from(["\r\n", "\n", "\r", " "])).map(
    lambda parts: parts[1].join(parts[0])
)
valid_body = "\r\n".join(
    [f"{'0' * 34}{n:X}:{n}" for n in range(1, 9)] + [f"{SUFFIX}:12", f"{'F' * 35}:0"]
)


def _parse(body: str) -> None:
    with memory_bound():
        try:
            answer = Range.parse(body, WHERE)
        except HibpError as exc:
            names_file(exc, WHERE)
            return
        found = answer.counts()
        assert all(type(n) is int and 0 < n <= SANE_COUNT for n in found.values()), found
        for suffix in [SUFFIX, "F" * 35, *list(found)[:3]]:
            assert answer.count(suffix) == found.get(suffix.upper(), 0)


@given(body=bodies)
@example(body="")
@example(body="  \r\n ")
@example(body=f"{SUFFIX}:{'9' * 5000}")
def test_generated_range_bodies(body: str) -> None:
    _parse(body)


@given(data=mutated(valid_body.encode()))
def test_mutated_range_bodies(data: bytes) -> None:
    _parse(data.decode("utf-8", errors="replace"))


@given(
    status=st.sampled_from([200, 200, 200, 204, 301, 404, 429, 500, 503]),
    body=st.one_of(bodies.map(str.encode), mutated(valid_body.encode()), st.binary(max_size=200)),
    retry_after=st.one_of(
        st.none(),
        st.sampled_from(["1", "0", "-5", "9" * 400, "soon", "Wed, 21 Oct 2015 07:28:00 GMT"]),
    ),
    others=st.lists(st.text(alphabet="0123456789ABCDEF", min_size=40, max_size=40), max_size=3),
)
@example(status=200, body=b"", retry_after=None, others=[])
@example(status=200, body=f"{SUFFIX}:{'9' * 5000}".encode(), retry_after=None, others=[])
def test_range_client_end_to_end(
    status: int, body: bytes, retry_after: str | None, others: list[str]
) -> None:
    asked = sorted({DIGEST, *others})
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    client = RangeApiClient(
        make_session(1, base_url=API),
        base_url=API,
        workers=1,
        retry=RetryPolicy(attempts=2, backoff=0.0),
        sleep=lambda seconds: None,
        jitter=lambda low, high: 1.0,
    )
    with memory_bound(), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for prefix in {digest[:5] for digest in asked}:
            mock.get(f"{API}/range/{prefix}", status=status, body=body, headers=headers)
        results = client.check(asked)
    client.close()
    check_outcomes(asked, results)
