"""Breach lookups against the Pwned Passwords range API (or a self-hosted mirror of it)."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests

from auditor.hibp.cache import RangeCache
from auditor.hibp.interface import BreachSource, HibpError, LookupResult, Unknown
from auditor.hibp.rangefmt import Range, by_prefix, outcomes
from auditor.hibp.session import DEFAULT_API
from auditor.progress import Advance, no_progress

logger = logging.getLogger(__name__)

_PREFIX = re.compile(r"^[0-9A-F]{5}$")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before a prefix is declared unknown."""

    attempts: int = 4
    """Tries in all, the first included."""
    backoff: float = 0.5
    """Seconds before the second try; doubles each time, with ±50 % jitter."""
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    """A server asking to wait longer than this gets an ``unknown`` instead."""
    connect_timeout: float = 5.0
    read_timeout: float = 15.0


class RangeApiClient(BreachSource):
    """Checks SHA-1 hashes by their 5-hex prefix, each distinct prefix once, in parallel.

    Only the prefix leaves the machine, always with ``Add-Padding: true`` so that
    the size of the answer does not tell which prefix was asked either.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        base_url: str = DEFAULT_API,
        workers: int = 32,
        retry: RetryPolicy | None = None,
        cache: RangeCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.description = self.base_url
        self.workers = max(1, workers)
        self.retry = retry or RetryPolicy()
        self.cache = cache
        # Prepared once and copied per prefix: requests' per-call preparation
        # (merging session settings, parsing the URL) costs more CPU than the
        # rest of a lookup (measured in benchmarks/).
        self._template = session.prepare_request(
            requests.Request("GET", f"{self.base_url}/range/", headers={"Add-Padding": "true"})
        )
        self._sleep = sleep
        self._jitter = jitter

    def check(
        self, sha1_hashes: Collection[str], progress: Advance = no_progress
    ) -> Mapping[str, LookupResult]:
        groups = by_prefix(sha1_hashes)
        ranges: dict[str, Range | Unknown] = {}
        pending = []
        for prefix, digests in groups.items():
            cached = self.cache.get(prefix) if self.cache is not None else None
            if cached is None:
                pending.append(prefix)
            else:
                ranges[prefix] = cached
                progress(len(digests))
        if pending:
            pool = ThreadPoolExecutor(max_workers=min(self.workers, len(pending)))
            try:
                # map() yields in order: results stay ordered, and the bar moves
                # as soon as the earliest prefixes land.
                for prefix, answer in zip(
                    pending, pool.map(self._safe_fetch, pending), strict=True
                ):
                    ranges[prefix] = answer
                    progress(len(groups[prefix]))
            finally:
                # On Ctrl-C, drop the queued prefixes instead of fetching them all.
                pool.shutdown(wait=True, cancel_futures=True)
        failed = [answer for answer in ranges.values() if isinstance(answer, Unknown)]
        if failed:
            logger.warning(
                "%d of %d range lookups failed; those passwords are 'unknown' (first: %s)",
                len(failed),
                len(ranges),
                failed[0].reason,
            )
        return outcomes(groups, ranges)

    def close(self) -> None:
        self.session.close()

    def _safe_fetch(self, prefix: str) -> Range | Unknown:
        try:
            found = self.fetch_range(prefix)
        except HibpError as exc:
            logger.debug("breach lookup failed: %s", exc)
            return Unknown(str(exc))
        if self.cache is not None:
            self.cache.put(prefix, found)
        return found

    def fetch_range(self, prefix: str) -> Range:
        """The checked answer for one prefix; raises ``HibpError`` once retries are spent."""
        if not _PREFIX.match(prefix):
            raise HibpError(f"invalid range prefix {prefix!r}")
        request = self._template.copy()
        request.url = f"{self._template.url}{prefix}"
        policy = self.retry
        problem = "no attempt made"
        for attempt in range(1, policy.attempts + 1):
            wait: float | None = None
            try:
                response = self.session.send(
                    request,
                    timeout=(policy.connect_timeout, policy.read_timeout),
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"range {prefix}: {type(exc).__name__}"
            except requests.RequestException as exc:
                raise HibpError(f"range {prefix}: {type(exc).__name__}: {exc}") from exc
            else:
                status = response.status_code
                if status == 200:
                    return Range.parse(response.text, f"range {prefix}")
                problem = f"range {prefix}: HTTP {status}"
                if status != 429 and status < 500:
                    raise HibpError(problem)
                wait = _retry_after(response.headers.get("Retry-After"))
                if wait is not None and wait > policy.max_retry_after:
                    raise HibpError(f"{problem}, server asks to wait {wait:.0f} s")
            if attempt < policy.attempts:
                delay = wait if wait is not None else self._backoff(attempt)
                logger.debug("%s; retrying in %.2f s", problem, delay)
                self._sleep(delay)
        raise HibpError(f"{problem} (gave up after {policy.attempts} attempts)")

    def _backoff(self, attempt: int) -> float:
        base = min(self.retry.max_backoff, self.retry.backoff * 2 ** (attempt - 1))
        return float(base * self._jitter(0.5, 1.5))


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, float(when.timestamp()) - time.time())
