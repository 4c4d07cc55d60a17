"""The one factory for the HTTP session that breach lookups use."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool

from auditor import __version__

USER_AGENT = f"portal-auditor/{__version__} (+password audit; k-anonymity range queries)"
DEFAULT_API = "https://api.pwnedpasswords.com"


POOL_MEMO_HOSTS = 16
"""Pools an adapter remembers before it forgets them all: the range client asks one host;
the bound only keeps a session used for many hosts from holding a pool per host forever."""


class PoolMemoAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that looks up the connection pool of a host once, not per request.

    ``HTTPAdapter.send`` asks for the pool on every request: the proxy for the URL,
    the URL parsed, the pool key built, the pool manager's lock taken. That was
    7-11 % of the range client's CPU per request (an A/B in benchmarks/,
    alternating), and every prefix of a run goes to the same host. The pool is
    what urllib3 would return anyway, for the same scheme, host, port, TLS
    settings and proxies; a pool closed since (the manager cleared or evicted it)
    is looked up again. ``send`` itself is ``HTTPAdapter``'s, so tests that
    replace it (``responses``) still see every request.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pools: dict[tuple[Any, ...], ConnectionPool] = {}

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: Any,
        proxies: Mapping[str, str] | None = None,
        cert: Any = None,
    ) -> ConnectionPool:
        # The origin (scheme://host:port) is all of the URL that the pool and the
        # proxy depend on; verify and cert are a path, a bool or a pair of paths.
        origin = (request.url or "").split("/", 3)[:3]
        key = (*origin, verify, cert, frozenset(proxies.items()) if proxies else None)
        pool = self._pools.get(key)
        # A closed pool (its manager cleared or evicted it) has no connections left.
        if pool is None or getattr(pool, "pool", None) is None:
            pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
            if len(self._pools) >= POOL_MEMO_HOSTS:
                self._pools.clear()
            self._pools[key] = pool
        return pool

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled adapters get new pool managers, and so no pool to remember yet.
        super().__setstate__(state)  # type: ignore[misc]  # in requests, not in its stubs
        self._pools = {}

    def close(self) -> None:
        self._pools.clear()
        super().close()


def make_session(
    workers: int, *, base_url: str = DEFAULT_API, user_agent: str = USER_AGENT
) -> requests.Session:
    """A session whose connection pool holds one connection per worker thread.

    Retries are left to the client (``RangeApiClient``), which honours
    ``Retry-After`` and knows which answers are worth another try.

    The environment's proxy (``HTTPS_PROXY``, ``NO_PROXY``…) and CA bundle
    (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) settings for ``base_url`` are
    read once, here: requests would otherwise re-read the whole environment for
    every request, which was half of the client's time per lookup (measured in
    ``benchmarks/``).
    """
    session = requests.Session()
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    adapter = PoolMemoAdapter(pool_connections=4, pool_maxsize=max(1, workers), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent
    # Answers are read as raw bytes under a size cap (rangefmt.MAX_BODY_BYTES):
    # asking for them uncompressed keeps the cap a cap on what is parsed, and a
    # padded answer is only about 40 KB.
    session.headers["Accept-Encoding"] = "identity"
    return session


def widen_pool(session: requests.Session, url: str, workers: int) -> None:
    """Make ``session``'s connection pool for ``url`` hold at least ``workers`` connections.

    A pool smaller than the threads using it does not make them wait: urllib3
    opens a connection for each thread that finds none free, then closes it
    ("Connection pool is full, discarding connection"), so the excess threads
    pay a new connection (a TLS handshake) for every request. A smaller
    ``HTTPAdapter`` (``requests.Session()`` has 10) is replaced by one of the
    same settings that is large enough; any other adapter is left alone.
    """
    adapter = session.get_adapter(url)
    size = getattr(adapter, "_pool_maxsize", workers)
    if not isinstance(adapter, HTTPAdapter) or size >= workers:
        return
    wider = HTTPAdapter(
        pool_connections=getattr(adapter, "_pool_connections", 4),
        pool_maxsize=workers,
        max_retries=adapter.max_retries,
        pool_block=getattr(adapter, "_pool_block", False),
    )
    session.mount(url, wider)
