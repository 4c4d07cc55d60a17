"""A hostile or broken range API: every answer that cannot be proven whole is unknown, in bounded time."""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import responses

from auditor.hibp import HibpError, Pwned, RangeApiClient, RetryPolicy, Unknown, make_session
from auditor.hibp.rangefmt import MAX_BODY_BYTES, Range, outcomes

API = "https://api.pwnedpasswords.com"
DIGEST = hashlib.sha1(b"P@ssw0rd").hexdigest().upper()
PREFIX, SUFFIX = DIGEST[:5], DIGEST[5:]
OTHER = "0" * 35
EXAMPLE = "examples/inventaire.csv"
HEADER = "practice_id,practice_name,portal,username,owner,role,password,password_changed,mfa"
ROW = "750056780,Pharmacie du Marché,kalixia,jdoe,Jeanne Doe,user,V7#qLm2!xR9@wTz4,2025-06-01,yes"

Run = Callable[..., tuple[int, str, str]]


def client(base_url: str = API, **retry: float) -> RangeApiClient:
    return RangeApiClient(
        make_session(2, base_url=base_url),
        base_url=base_url,
        workers=2,
        retry=RetryPolicy(**{"attempts": 1, **retry}),  # type: ignore[arg-type]
        sleep=lambda seconds: None,
    )


def outcome_of(answer: RangeApiClient) -> object:
    return answer.check([DIGEST])[DIGEST]


@pytest.mark.parametrize(
    "body",
    ["", "   \r\n\r\n \t", f"{OTHER}:0\r\n{'1' * 35}:0\r\n"],
    ids=["empty", "whitespace", "padding only"],
)
@responses.activate
def test_an_answer_without_a_breached_line_is_unknown(body: str) -> None:
    responses.get(f"{API}/range/{PREFIX}", body=body)
    outcome = outcome_of(client())
    assert isinstance(outcome, Unknown), outcome
    assert "no line" in outcome.reason


@pytest.mark.parametrize("digits", [13, 5000])
@responses.activate
def test_an_absurd_count_makes_the_answer_unknown(digits: int) -> None:
    responses.get(f"{API}/range/{PREFIX}", body=f"{SUFFIX}:{'9' * digits}\r\n{OTHER}:3\r\n")
    outcome = outcome_of(client())
    assert isinstance(outcome, Unknown), outcome
    assert "line 1" in outcome.reason


def test_a_range_built_with_an_absurd_count_never_crashes() -> None:
    answer = Range(f"{SUFFIX}:{'9' * 5000}")
    with pytest.raises(HibpError):
        answer.count(SUFFIX)
    with pytest.raises(HibpError):
        answer.counts()
    outcome = outcomes({PREFIX: [DIGEST]}, {PREFIX: answer})[DIGEST]
    assert isinstance(outcome, Unknown)


def test_an_unusable_url_is_a_hibp_error_not_a_crash() -> None:
    with pytest.raises(HibpError, match="not a usable"):
        RangeApiClient(make_session(1), base_url="http://127.0.0.1:99999")


class _Server:
    """A real HTTP server on 127.0.0.1 whose handler the test writes; stopped by the test."""

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler, threading.Event], None]) -> None:
        self.stop = threading.Event()
        stop = self.stop

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with contextlib.suppress(OSError):  # the client hung up, as it should
                    handle(self, stop)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[Callable[..., _Server]]:
    started: list[_Server] = []

    def start(handle: Callable[[BaseHTTPRequestHandler, threading.Event], None]) -> _Server:
        started.append(_Server(handle))
        return started[-1]

    yield start
    for each in started:
        each.close()


def _drip(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """Headers at once, then one byte of a plausible body every 0.2 s, for at most 30 s."""
    body = f"{SUFFIX}:3\r\n".encode() * 1000
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    for byte in body[:150]:
        if stop.wait(0.2):
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()


@pytest.mark.timeout(20)
def test_a_dripping_server_is_abandoned_at_the_request_deadline(
    server: Callable[..., _Server],
) -> None:
    drip = server(_drip)
    started = time.monotonic()
    outcome = outcome_of(client(drip.url, request_deadline=1.0, read_timeout=5.0))
    elapsed = time.monotonic() - started
    assert isinstance(outcome, Unknown), outcome
    assert "within 1s" in outcome.reason
    assert elapsed < 4


def _endless(handler: BaseHTTPRequestHandler, stop: threading.Event, *, length: bool) -> None:
    """Valid lines without end (8 MiB at most); with ``length``, a 500 MB Content-Length first."""
    handler.send_response(200)
    if length:
        handler.send_header("Content-Length", str(500 * 2**20))
    else:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    handler.end_headers()
    line = f"{'A' * 35}:3\r\n".encode() * 1024
    for _ in range(8 * 2**20 // len(line)):
        if stop.is_set():
            return
        handler.wfile.write(line)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("length", [True, False], ids=["content-length", "streamed"])
def test_a_body_over_the_cap_is_unknown_and_not_read_whole(
    server: Callable[..., _Server], length: bool
) -> None:
    big = server(lambda handler, stop: _endless(handler, stop, length=length))
    started = time.monotonic()
    outcome = outcome_of(client(big.url, read_timeout=2.0))
    assert isinstance(outcome, Unknown), outcome
    assert f"{MAX_BODY_BYTES // 2**20} MiB" in outcome.reason
    assert time.monotonic() - started < 2


class FakeTime:
    """A clock that only moves when the client sleeps (thread-safe: the pool has workers)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.slept += seconds


@responses.activate
def test_429_everywhere_stops_at_the_lookup_deadline() -> None:
    fake = FakeTime()
    asked_at: list[float] = []

    def too_many(request: object) -> tuple[int, dict[str, str], str]:
        asked_at.append(fake.clock())
        fake.sleep(1.0)  # each answer takes a second
        return 429, {"Retry-After": "60"}, ""

    responses.add_callback(
        responses.GET, re.compile(rf"{API}/range/[0-9A-F]{{5}}"), callback=too_many
    )
    source = RangeApiClient(
        make_session(1), workers=1, deadline=300.0, sleep=fake.sleep, clock=fake.clock
    )
    hashes = [f"{number:05X}" + "0" * 35 for number in range(500)]
    result = source.check(hashes)
    assert all(isinstance(outcome, Unknown) for outcome in result.values())
    assert fake.now <= 1000.0 + 300.0 + 1.0  # the last answer may land a second late
    assert max(asked_at) < 1300.0  # no request starts after the deadline
    late = [o for o in result.values() if isinstance(o, Unknown) and "deadline" in o.reason]
    assert len(late) >= 400
    assert all("lookup deadline of 5m reached" in o.reason for o in late)


@responses.activate
def test_cli_an_empty_answer_is_an_incomplete_audit(run_cli: Run, tmp_path: object) -> None:
    responses.get(re.compile(r"https://mirror\.test/range/[0-9A-F]{5}"), body="")
    code, out, _ = run_cli(
        "audit",
        EXAMPLE,
        "--hibp-url",
        "https://mirror.test",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--no-history",
    )
    assert code == 3
    assert json.loads(out)["complete"] is False


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:99999", "port"),
        ("http://127.0.0.1:0", "port"),
        ("http://[::1", "not a URL"),
        ("https://", "no host"),
        ("ftp://mirror.test", "must start with https://"),
        ("https://mirror.test:80x", "port"),
    ],
)
def test_cli_a_bad_hibp_url_is_a_usage_error(run_cli: Run, url: str, message: str) -> None:
    code, _, err = run_cli("audit", EXAMPLE, "--hibp-url", url, "--no-history")
    assert code == 2, err
    assert message in err
    assert "internal error" not in err


@responses.activate
def test_cli_the_lookup_deadline_is_an_option(run_cli: Run) -> None:
    responses.get(re.compile(r"https://mirror\.test/range/[0-9A-F]{5}"), status=503)
    code, out, err = run_cli(
        "audit",
        EXAMPLE,
        "--hibp-url",
        "https://mirror.test",
        "--hibp-deadline",
        "0s",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--no-history",
    )
    assert code == 3, err
    assert len(responses.calls) == 0
    assert "lookup deadline of 0s reached" in err
    assert json.loads(out)["complete"] is False


def _gzip_when_asked(
    handler: BaseHTTPRequestHandler, stop: threading.Event, *, always: bool
) -> None:
    """A real answer, gzipped when the client accepts gzip (as HIBP's CDN does), or always."""
    body = f"{OTHER}:0\r\n{SUFFIX}:52256179\r\n".encode()
    accepted = handler.headers.get("Accept-Encoding", "")
    compress = always or "gzip" in accepted
    if compress:
        body = gzip.compress(body)
    handler.send_response(200)
    if compress:
        handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.mark.timeout(20)
def test_a_server_that_compresses_when_asked_still_answers(
    server: Callable[..., _Server],
) -> None:
    cdn = server(functools.partial(_gzip_when_asked, always=False))
    assert outcome_of(client(cdn.url)) == Pwned(52256179)


@pytest.mark.timeout(20)
def test_a_compressed_answer_nobody_asked_for_is_unknown(server: Callable[..., _Server]) -> None:
    pushy = server(functools.partial(_gzip_when_asked, always=True))
    outcome = outcome_of(client(pushy.url))
    assert isinstance(outcome, Unknown)
    assert "compressed (gzip)" in outcome.reason
