"""The one factory for the HTTP session that breach lookups use."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter

from auditor import __version__

USER_AGENT = f"portal-auditor/{__version__} (+password audit; k-anonymity range queries)"


def make_session(workers: int, *, user_agent: str = USER_AGENT) -> requests.Session:
    """A session whose connection pool holds one connection per worker thread.

    Retries are left to the client (``RangeApiClient``), which honours
    ``Retry-After`` and knows which answers are worth another try.
    """
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, workers), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent
    return session
