"""Breach lookups against the Pwned Passwords range API (or a self-hosted mirror of it)."""

from __future__ import annotations

import http.client
import logging
import random
import re
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3.exceptions
from requests.utils import resolve_proxies

from auditor.hibp.cache import RangeCache
from auditor.hibp.interface import BreachSource, HibpError, LookupResult, Unknown
from auditor.hibp.rangefmt import MAX_BODY_BYTES, Range, by_prefix, outcomes
from auditor.hibp.session import DEFAULT_API, widen_pool
from auditor.i18n.failure import failure
from auditor.i18n.logged import logged
from auditor.progress import Advance, no_progress

logger = logging.getLogger(__name__)

_PREFIX = re.compile(r"^[0-9A-F]{5}$")
DEFAULT_LOOKUP_DEADLINE = 600.0
"""Ten minutes for all of a run's lookups: the public API answers 10,000 prefixes in well
under a minute (benchmarks/online.py), so this leaves room for a slow mirror or a few
``Retry-After`` waits while a scheduled job still ends; what is left after it is unknown."""
_CHUNK = 16384
"""Bytes asked of the network per read: each read returns as soon as some data arrives, so
the request deadline is checked at least once per arrival, however slowly a server drips."""
READ_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)
"""What reading a streamed body can raise: a reset, a timeout, a short or garbled body."""


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
    """Longest silence between two reads of one answer."""
    request_deadline: float = 30.0
    """Seconds one request may take in all, body included: a real answer (about 35 KB)
    arrives in well under a second, and a server sending a byte at a time never trips
    ``read_timeout``."""


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
        workers: int = 64,
        retry: RetryPolicy | None = None,
        cache: RangeCache | None = None,
        deadline: float | None = DEFAULT_LOOKUP_DEADLINE,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[float, float], float] = random.uniform,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.description = self.base_url
        self.workers = max(1, workers)
        self.retry = retry or RetryPolicy()
        self.cache = cache
        self.deadline = deadline
        """Seconds all the lookups of one ``check`` may take; None for no limit."""
        # Prepared once and copied per prefix: requests' per-call preparation
        # (merging session settings, parsing the URL) costs more CPU than the
        # rest of a lookup (measured in benchmarks/).
        try:
            self._template = session.prepare_request(
                requests.Request("GET", f"{self.base_url}/range/", headers={"Add-Padding": "true"})
            )
            widen_pool(session, f"{self.base_url}/", self.workers)
            self._send = _sender(session, self._template)
        except (requests.RequestException, ValueError) as exc:
            raise failure(HibpError, "hibp_error.bad_url", kind=type(exc).__name__) from exc
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock

    def check(
        self, sha1_hashes: Collection[str], progress: Advance = no_progress
    ) -> Mapping[str, LookupResult]:
        groups = by_prefix(sha1_hashes)
        ranges: dict[str, Range | Unknown] = {}
        until = None if self.deadline is None else self._clock() + self.deadline
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
                answers = pool.map(lambda prefix: self._safe_fetch(prefix, until), pending)
                for prefix, answer in zip(pending, answers, strict=True):
                    ranges[prefix] = answer
                    progress(len(groups[prefix]))
            finally:
                # On Ctrl-C, drop the queued prefixes instead of fetching them all.
                pool.shutdown(wait=True, cancel_futures=True)
        failed = [answer for answer in ranges.values() if isinstance(answer, Unknown)]
        if failed:
            said = logged(
                "log.lookups_failed",
                count=str(len(failed)),
                total=str(len(ranges)),
                first=failed[0].reason,
                n=len(failed),
            )
            logger.warning("%s", said)
        return outcomes(groups, ranges)

    def close(self) -> None:
        self.session.close()

    def _safe_fetch(self, prefix: str, until: float | None) -> Range | Unknown:
        try:
            found = self.fetch_range(prefix, until=until)
        except HibpError as exc:
            logger.debug("breach lookup failed: %s", exc)
            return Unknown(str(exc))
        if self.cache is not None:
            self.cache.put(prefix, found)
        return found

    def fetch_range(self, prefix: str, *, until: float | None = None) -> Range:
        """The checked answer for one prefix; raises ``HibpError`` once retries are spent.

        ``until`` is the run's lookup deadline on this client's clock: no request
        starts, and no wait ends, after it.
        """
        if not _PREFIX.match(prefix):
            raise HibpError(f"invalid range prefix {prefix!r}")
        request = self._template.copy()
        request.url = f"{self._template.url}{prefix}"
        policy = self.retry
        problem = "no attempt made"
        for attempt in range(1, policy.attempts + 1):
            self._before_deadline(prefix, until, problem, 0.0)
            wait: float | None = None
            try:
                return self._attempt(request, prefix, until)
            except RetriableError as exc:
                problem = str(exc)
                wait = exc.wait
            if attempt < policy.attempts:
                delay = wait if wait is not None else self._backoff(attempt)
                self._before_deadline(prefix, until, problem, delay)
                logger.debug("%s; retrying in %.2f s", problem, delay)
                self._sleep(delay)
        raise HibpError(f"{problem} (gave up after {policy.attempts} attempts)")

    def _before_deadline(
        self, prefix: str, until: float | None, problem: str, delay: float
    ) -> None:
        """Raise ``HibpError`` if the run's deadline would pass within ``delay`` seconds."""
        if until is None or self._clock() + delay < until:
            return
        assert self.deadline is not None  # noqa: S101 - until is only set from it
        reached = f"range {prefix}: lookup deadline of {_duration(self.deadline)} reached"
        raise HibpError(reached if problem == "no attempt made" else f"{reached} ({problem})")

    def _attempt(
        self, request: requests.PreparedRequest, prefix: str, until: float | None
    ) -> Range:
        """One request, its body streamed within the request's deadline and the size cap."""
        policy = self.retry
        started = self._clock()
        ends = started + policy.request_deadline
        if until is not None:
            ends = min(ends, until)
        left = max(ends - started, 0.001)
        try:
            response = self._send(
                request, (min(policy.connect_timeout, left), min(policy.read_timeout, left))
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetriableError(f"range {prefix}: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise HibpError(f"range {prefix}: {type(exc).__name__}") from exc
        try:
            status = response.status_code
            if status != 200:
                problem = f"range {prefix}: HTTP {status}"
                if status != 429 and status < 500:
                    raise HibpError(problem)
                wait = retry_after(response.headers.get("Retry-After"))
                if wait is not None and wait > policy.max_retry_after:
                    raise HibpError(f"{problem}, server asks to wait {wait:.0f} s")
                raise RetriableError(problem, wait)
            body = self._body(response, prefix, ends)
        finally:
            response.close()
        try:
            text = body.decode("ascii")
        except UnicodeDecodeError:
            raise HibpError(f"range {prefix}: the answer is not ASCII text") from None
        return Range.parse(text, f"range {prefix}")

    def _body(self, response: requests.Response, prefix: str, ends: float) -> bytes:
        """The whole body, or ``HibpError`` past the size cap, ``RetriableError`` past ``ends``."""
        cap = f"the {MAX_BODY_BYTES // 2**20} MiB cap"
        length = response.headers.get("Content-Length", "").strip()
        # Checked as text first: a length of thousands of digits is over the cap too.
        if (
            length.isascii()
            and length.isdigit()
            and (len(length) > 9 or int(length) > MAX_BODY_BYTES)
        ):
            raise HibpError(f"range {prefix}: the answer announces more than {cap}")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            # Asked for identity (see session.py); a compressed body would be read
            # as garbage, and decompressing it would let a small body expand past the cap.
            name = encoding if encoding.isascii() and encoding.isalpha() else "unknown"
            raise HibpError(
                f"range {prefix}: the answer is compressed ({name[:16]}), not asked for"
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            if self._clock() > ends:
                raise RetriableError(
                    f"range {prefix}: no whole answer within "
                    f"{_duration(self.retry.request_deadline)}"
                )
            try:
                chunk = response.raw.read1(_CHUNK)
            except READ_ERRORS as exc:
                raise RetriableError(f"range {prefix}: {type(exc).__name__}") from exc
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise HibpError(f"range {prefix}: the answer is longer than {cap}")
            chunks.append(chunk)

    def _backoff(self, attempt: int) -> float:
        base = min(self.retry.max_backoff, self.retry.backoff * 2 ** (attempt - 1))
        return float(base * self._jitter(0.5, 1.5))


Sender = Callable[[requests.PreparedRequest, tuple[float, float]], requests.Response]
"""Sends one prepared request with its (connect, read) timeouts; the body left to stream."""


def _sender(session: requests.Session, template: requests.PreparedRequest) -> Sender:
    """How each request goes out: straight to the session's adapter for the API's address.

    ``Session.send`` would redo per call what is the same for every prefix: proxies
    from the environment when the session trusts it, the adapter's look-up, the
    redirect look-ahead, and copying the answer's cookies into the session's jar
    under its lock (which every worker thread takes). That was 0.15-0.3 ms of the
    client's 1.1-1.3 ms of CPU per request (measured in benchmarks/online.py).
    Here it is done once. Cookies are never sent back anyway (each request is a
    copy of ``template``), so a CDN's cookie is not kept either. A session with
    response hooks goes through ``Session.send``, so that they run.
    """
    if any(template.hooks.values()):

        def send_hooked(request: requests.PreparedRequest, timeout: tuple[float, float]) -> Any:
            return session.send(request, timeout=timeout, allow_redirects=False, stream=True)

        return send_hooked
    adapter = session.get_adapter(template.url or "")
    proxies = resolve_proxies(template, dict(session.proxies), session.trust_env)
    # None is no certificate check to an adapter: only False turns checks off.
    verify = True if session.verify is None else session.verify
    cert = session.cert

    def send(request: requests.PreparedRequest, timeout: tuple[float, float]) -> Any:
        return adapter.send(
            request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )

    return send


class RetriableError(HibpError):
    """A failure worth another try (a reset, a timeout, a 5xx or 429), with the server's wait."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


def _duration(seconds: float) -> str:
    """``600`` → ``10m``: the way the ``--hibp-deadline`` option is written."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def retry_after(value: str | None) -> float | None:
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
