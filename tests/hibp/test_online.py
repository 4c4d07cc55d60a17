from __future__ import annotations

import hashlib

import pytest
import requests
import responses
from responses import matchers

from auditor.hibp import Clean, HibpError, Pwned, RangeApiClient, RetryPolicy, Unknown, make_session
from auditor.hibp.session import USER_AGENT

API = "https://api.pwnedpasswords.com"
PASSWORD_HASH = hashlib.sha1(b"P@ssw0rd").hexdigest().upper()
PREFIX, SUFFIX = PASSWORD_HASH[:5], PASSWORD_HASH[5:]
OTHER_SUFFIX = "0" * 35


def client(sleeps: list[float] | None = None, attempts: int = 4) -> RangeApiClient:
    recorded = sleeps if sleeps is not None else []
    return RangeApiClient(
        make_session(4),
        workers=4,
        retry=RetryPolicy(attempts=attempts),
        sleep=recorded.append,
        jitter=lambda low, high: 1.0,
    )


@responses.activate
def test_only_the_prefix_leaves_with_padding_and_user_agent() -> None:
    responses.get(
        f"{API}/range/{PREFIX}",
        body=f"{SUFFIX}:12\r\n{OTHER_SUFFIX}:3\r\n",
        match=[matchers.header_matcher({"Add-Padding": "true", "User-Agent": USER_AGENT})],
    )
    result = client().check([PASSWORD_HASH])
    assert result == {PASSWORD_HASH: Pwned(12)}
    (call,) = responses.calls
    assert call.request.url == f"{API}/range/{PREFIX}"
    assert SUFFIX not in (call.request.url or "")
    assert call.request.body is None


@responses.activate
def test_padding_lines_with_count_zero_are_not_breaches() -> None:
    responses.get(f"{API}/range/{PREFIX}", body=f"{SUFFIX}:0\r\n{OTHER_SUFFIX}:5\r\n")
    assert client().check([PASSWORD_HASH]) == {PASSWORD_HASH: Clean()}


@responses.activate
def test_hashes_sharing_a_prefix_cost_one_request() -> None:
    twin = PREFIX + "F" * 35
    responses.get(f"{API}/range/{PREFIX}", body=f"{SUFFIX}:1\n")
    result = client().check([PASSWORD_HASH, twin])
    assert result == {PASSWORD_HASH: Pwned(1), twin: Clean()}
    assert len(responses.calls) == 1


@responses.activate
def test_429_honours_retry_after_then_succeeds() -> None:
    url = f"{API}/range/{PREFIX}"
    responses.get(url, status=429, headers={"Retry-After": "2"})
    responses.get(url, body=f"{SUFFIX}:7\n")
    sleeps: list[float] = []
    assert client(sleeps).check([PASSWORD_HASH]) == {PASSWORD_HASH: Pwned(7)}
    assert sleeps == [2.0]


@responses.activate
def test_5xx_is_retried_with_exponential_backoff() -> None:
    url = f"{API}/range/{PREFIX}"
    responses.get(url, status=503)
    responses.get(url, status=502)
    responses.get(url, body=f"{SUFFIX}:7\n")
    sleeps: list[float] = []
    assert client(sleeps).check([PASSWORD_HASH]) == {PASSWORD_HASH: Pwned(7)}
    assert sleeps == [0.5, 1.0]


@responses.activate
def test_connection_errors_are_retried() -> None:
    url = f"{API}/range/{PREFIX}"
    responses.get(url, body=requests.ConnectionError("reset"))
    responses.get(url, body=f"{SUFFIX}:7\n")
    assert client().check([PASSWORD_HASH]) == {PASSWORD_HASH: Pwned(7)}


@responses.activate
def test_exhausted_retries_give_unknown() -> None:
    responses.get(f"{API}/range/{PREFIX}", status=500)
    sleeps: list[float] = []
    result = client(sleeps, attempts=3).check([PASSWORD_HASH])
    outcome = result[PASSWORD_HASH]
    assert isinstance(outcome, Unknown)
    assert "HTTP 500" in outcome.reason and "3 attempts" in outcome.reason
    assert len(responses.calls) == 3 and len(sleeps) == 2


@responses.activate
def test_unparseable_body_is_unknown_not_clean() -> None:
    responses.get(f"{API}/range/{PREFIX}", body="<html>captive portal</html>")
    outcome = client().check([PASSWORD_HASH])[PASSWORD_HASH]
    assert isinstance(outcome, Unknown)
    assert len(responses.calls) == 1


@responses.activate
def test_client_errors_are_not_retried() -> None:
    responses.get(f"{API}/range/{PREFIX}", status=404)
    outcome = client().check([PASSWORD_HASH])[PASSWORD_HASH]
    assert isinstance(outcome, Unknown) and "HTTP 404" in outcome.reason
    assert len(responses.calls) == 1


@responses.activate
def test_excessive_retry_after_gives_up() -> None:
    responses.get(f"{API}/range/{PREFIX}", status=429, headers={"Retry-After": "3600"})
    outcome = client().check([PASSWORD_HASH])[PASSWORD_HASH]
    assert isinstance(outcome, Unknown) and "3600" in outcome.reason


@responses.activate
def test_mirror_url() -> None:
    responses.get(f"http://mirror.internal:8080/range/{PREFIX}", body=f"{SUFFIX}:1\n")
    mirror = RangeApiClient(make_session(1), base_url="http://mirror.internal:8080/")
    assert mirror.check([PASSWORD_HASH]) == {PASSWORD_HASH: Pwned(1)}


def test_invalid_prefix_is_refused() -> None:
    with pytest.raises(HibpError):
        client().fetch_range("xyz")


def test_session_pool_is_sized_to_the_workers() -> None:
    session = make_session(24)
    adapter = session.get_adapter("https://api.pwnedpasswords.com")
    assert adapter._pool_maxsize == 24  # type: ignore[attr-defined]
