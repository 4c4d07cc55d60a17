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
