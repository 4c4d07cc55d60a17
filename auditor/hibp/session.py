"""The one factory for the HTTP session that breach lookups use."""

from __future__ import annotations

import os

import requests
from requests.adapters import HTTPAdapter

from auditor import __version__

USER_AGENT = f"portal-auditor/{__version__} (+password audit; k-anonymity range queries)"
DEFAULT_API = "https://api.pwnedpasswords.com"


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
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, workers), max_retries=0)
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
