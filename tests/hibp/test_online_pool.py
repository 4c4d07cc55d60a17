"""The range client's connections: one per worker at most, kept alive, never thrown away."""

from __future__ import annotations

import inspect
import logging
import pickle
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from auditor.cli.main import cli
from auditor.hibp import Clean, RangeApiClient, make_session

PREFIXES = [f"{number:05X}" for number in range(0, 16**5, 16**5 // 96)][:96]
DELAY = 0.01
"""Seconds the server takes per answer, so that the workers' requests overlap."""


class _Counting(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    connections = 0
    lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Counting

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self) -> None:
        time.sleep(DELAY)
        body = b"".join(b"%035X:%d\r\n" % (number, number + 1) for number in range(1, 9))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server() -> Iterator[_Counting]:
    served = _Counting(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.shutdown()
        served.server_close()


def _url(server: _Counting) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("pool", [2, 16])
def test_workers_open_no_more_connections_than_they_are_and_drop_none(
    server: _Counting, caplog: pytest.LogCaptureFixture, pool: int
) -> None:
    caplog.set_level(logging.WARNING)
    url = _url(server)
    # A session built for fewer workers (or a bare requests.Session, whose pool holds 10).
    session = make_session(pool, base_url=url)
    with RangeApiClient(session, base_url=url, workers=16) as client:
        results = client.check([prefix + "F" * 35 for prefix in PREFIXES])
        client.check([prefix + "E" * 35 for prefix in PREFIXES])
    assert set(results.values()) == {Clean()}
    assert server.connections <= 16
    # urllib3 says "Connection pool is full, discarding connection" for each one it throws away.
    assert [record.getMessage() for record in caplog.records] == []


def test_a_bare_session_gets_a_pool_for_every_worker() -> None:
    url = "http://127.0.0.1:9"
    client = RangeApiClient(requests.Session(), base_url=url, workers=48)
    adapter = client.session.get_adapter(f"{url}/range/00000")
    assert adapter._pool_maxsize >= 48  # type: ignore[attr-defined]


class _CookieHandler(_Handler):
    def do_GET(self) -> None:
        body = b"%035X:3\r\n" % 1
        self.send_response(200)
        self.send_header("Set-Cookie", "__cf_bm=tracking; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with self.server.lock:
            self.server.cookies.append(self.headers.get("Cookie"))  # type: ignore[attr-defined]


def test_cookies_a_server_sets_are_neither_kept_nor_sent_back() -> None:
    served = _Counting(("127.0.0.1", 0), _CookieHandler)
    served.cookies = []  # type: ignore[attr-defined]
    threading.Thread(target=served.serve_forever, daemon=True).start()
    try:
        url = _url(served)
        session = make_session(2, base_url=url)
        with RangeApiClient(session, base_url=url, workers=2) as client:
            client.check([prefix + "F" * 35 for prefix in PREFIXES[:6]])
            assert len(session.cookies) == 0  # a CDN's cookie would tie the lookups together
    finally:
        served.shutdown()
        served.server_close()
    assert served.cookies == [None] * 6  # type: ignore[attr-defined]


def test_a_response_hook_of_the_session_still_sees_every_answer(server: _Counting) -> None:
    url = _url(server)
    seen: list[int] = []
    session = make_session(2, base_url=url)
    session.hooks["response"].append(lambda response, **_: seen.append(response.status_code))
    with RangeApiClient(session, base_url=url, workers=2) as client:
        client.check([prefix + "F" * 35 for prefix in PREFIXES[:5]])
    assert seen == [200] * 5


class _ProxyHandler(_Handler):
    def do_GET(self) -> None:
        with self.server.lock:
            self.server.paths.append(self.path)  # type: ignore[attr-defined]
        super().do_GET()


def test_the_environment_s_proxy_carries_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = _Counting(("127.0.0.1", 0), _ProxyHandler)
    proxy.paths = []  # type: ignore[attr-defined]
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HTTP_PROXY", _url(proxy))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        api = "http://hibp.example"  # reached only through the proxy, on 127.0.0.1
        with RangeApiClient(make_session(2, base_url=api), base_url=api, workers=2) as client:
            results = client.check([prefix + "F" * 35 for prefix in PREFIXES[:4]])
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert set(results.values()) == {Clean()}
    assert sorted(proxy.paths) == [f"{api}/range/{prefix}" for prefix in PREFIXES[:4]]  # type: ignore[attr-defined]


def test_lookups_default_to_64_workers() -> None:
    """The count benchmarks/online.py's rule (choose_workers) gives: of the counts with no
    error and a connection a worker at most that are as fast as the fastest at both 30 and
    60 ms, the fewest connections. In three runs (3 rounds each, 2026-12-01-online-scaling-
    issue-17-*.json), 32, 64 and 128 tied at 30 ms (one core's CPU caps them alike), but at
    60 ms 32 workers are capped at 533 requests a second and only 64 and 128 tied."""
    audit = cli.commands["audit"]
    (option,) = [param for param in audit.params if param.name == "hibp_workers"]
    assert option.default == 64
    assert inspect.signature(RangeApiClient).parameters["workers"].default == 64


def _counting_pool_lookups(session: requests.Session, url: str) -> list[str]:
    """Notes each time the session's adapter asks urllib3 for the pool of a host."""
    manager = session.get_adapter(url).poolmanager  # type: ignore[attr-defined]
    lookups: list[str] = []
    original = manager.connection_from_host

    def counted(host: str, *args: object, **kwargs: object) -> object:
        lookups.append(host)
        return original(host, *args, **kwargs)

    manager.connection_from_host = counted
    return lookups


def test_the_pool_of_the_api_is_looked_up_once_not_per_request(server: _Counting) -> None:
    # The look-up (proxy selection, URL parsing, the pool key) was 7-11 % of the client's
    # CPU per request (an A/B in benchmarks/, alternating, 8 rounds).
    url = _url(server)
    session = make_session(4, base_url=url)
    lookups = _counting_pool_lookups(session, f"{url}/")
    with RangeApiClient(session, base_url=url, workers=4) as client:
        results = client.check([prefix + "F" * 35 for prefix in PREFIXES[:24]])
    assert set(results.values()) == {Clean()}
    # Workers that start together may each look it up once; 24 requests did not 24 times.
    assert 1 <= len(lookups) <= 4


def test_a_pool_closed_since_it_was_looked_up_is_looked_up_again(server: _Counting) -> None:
    url = _url(server)
    session = make_session(2, base_url=url)
    with RangeApiClient(session, base_url=url, workers=2) as client:
        client.check([prefix + "F" * 35 for prefix in PREFIXES[:3]])
        session.get_adapter(f"{url}/").poolmanager.clear()  # type: ignore[attr-defined]
        results = client.check([prefix + "E" * 35 for prefix in PREFIXES[:3]])
    assert set(results.values()) == {Clean()}


def test_a_session_still_pickles_and_its_copy_looks_its_pools_up_afresh(server: _Counting) -> None:
    url = _url(server)
    copied = pickle.dumps(make_session(2, base_url=url))
    session = pickle.loads(copied)  # noqa: S301 - bytes made just above
    with RangeApiClient(session, base_url=url, workers=2) as client:
        results = client.check([prefix + "F" * 35 for prefix in PREFIXES[:3]])
    assert set(results.values()) == {Clean()}
