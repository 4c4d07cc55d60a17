"""An opt-in on-disk cache of range answers: public data only, checked before it is trusted.

An entry holds exactly what the public API answers for one prefix (padding
removed) and when it was fetched; nothing from the inventory is written. The
entry's own SHA-256 guards against a truncated or edited file: any entry that
does not check out is treated as absent, so the prefix is fetched again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from auditor.files.bounded import FileTooLargeError, NotRegularFileError, read_capped
from auditor.files.private import write_private
from auditor.hibp.interface import HibpError
from auditor.hibp.rangefmt import MAX_BODY_BYTES, PREFIX_LENGTH, Range
from auditor.i18n.logged import logged
from auditor.i18n.oserror import os_reason

logger = logging.getLogger(__name__)

FORMAT = "portal-auditor/range-cache/v1"
DEFAULT_TTL = 24 * 3600.0
"""One day: re-runs the same day reuse answers, a weekly run sees HIBP's new passwords."""
_CLOCK_SKEW = 300.0
"""An entry dated this far in the future is not believed."""
MAX_ENTRY_BYTES = 2 * MAX_BODY_BYTES + 4096
"""An entry holds one body under the client's 2 MiB cap; JSON writes each CR, LF or tab
of it as two characters, so it at most doubles, and the other fields take well under
4 KiB. A bigger file was not written by ``put``: it is not read, let alone parsed."""


@dataclass(frozen=True)
class CacheStats:
    """What the cache did during one audit."""

    hits: int
    misses: int
    """Prefixes fetched: absent, expired or corrupt entries."""
    rejected: int
    """Corrupt entries among the misses."""


class RangeCache:
    """Range answers kept as one file per prefix under ``directory``, for ``ttl`` seconds."""

    def __init__(
        self, directory: Path, *, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.time
    ) -> None:
        self.directory = directory
        self.ttl = ttl
        self._clock = clock
        self._hits = self._misses = self._rejected = 0

    @property
    def stats(self) -> CacheStats:
        return CacheStats(self._hits, self._misses, self._rejected)

    def _path(self, prefix: str) -> Path:
        # Two levels, like the API's own buckets, so no folder holds a million files.
        return self.directory / "range" / prefix[:2] / prefix

    def get(self, prefix: str) -> Range | None:
        """The cached answer for ``prefix`` if present, fresh and intact; else None."""
        path = self._path(prefix)
        try:
            raw = _read_capped(path)
        except FileNotFoundError:
            self._misses += 1
            return None
        except OSError as exc:
            reason = os_reason(exc.strerror or type(exc).__name__, exc.errno)
            logger.warning("%s", logged("log.cache_unreadable", path=str(path), reason=reason))
            self._misses += 1
            return None
        answer = None if raw is None else self._decode(raw, prefix)
        if answer is None:
            logger.warning("%s", logged("log.cache_damaged", path=str(path)))
            self._rejected += 1
            self._misses += 1
            return None
        fetched, found = answer
        age = self._clock() - fetched
        if age > self.ttl or age < -_CLOCK_SKEW:
            self._misses += 1
            return None
        self._hits += 1
        return found

    def put(self, prefix: str, answer: Range) -> None:
        """Keep ``answer`` for ``prefix``, padding removed; a failed write only costs a refetch."""
        body = answer.without_padding()
        entry = {
            "format": FORMAT,
            "prefix": prefix,
            "fetched": self._clock(),
            "sha256": hashlib.sha256(body.encode("ascii")).hexdigest(),
            "body": body,
        }
        path = self._path(prefix)
        try:
            write_private(path, json.dumps(entry), durable=False)
        except OSError as exc:
            reason = os_reason(exc.strerror or type(exc).__name__, exc.errno)
            logger.warning("%s", logged("log.cache_unwritable", path=str(path), reason=reason))

    @staticmethod
    def _decode(raw: bytes, prefix: str) -> tuple[float, Range] | None:
        try:
            entry = json.loads(raw)
            body = entry["body"]
            fetched = entry["fetched"]
            valid = (
                entry["format"] == FORMAT
                and entry["prefix"] == prefix
                and len(prefix) == PREFIX_LENGTH
                and isinstance(fetched, int | float)
                and not isinstance(fetched, bool)
                and math.isfinite(fetched)  # NaN would never expire; 10**400 overflows float()
                and isinstance(body, str)
                and hashlib.sha256(body.encode("ascii")).hexdigest() == entry["sha256"]
            )
            return (float(fetched), Range.parse(body, "cache")) if valid else None
        except (ValueError, KeyError, TypeError, UnicodeError, OverflowError, HibpError):
            return None
        except RecursionError:  # nesting deeper than the interpreter's stack: not our entry
            return None


def _read_capped(path: Path) -> bytes | None:
    """The file's bytes, or None when it is not a regular file of at most ``MAX_ENTRY_BYTES``.

    A FIFO planted in the cache would otherwise wait for a writer forever, and
    a huge file be read whole.
    """
    try:
        return read_capped(path, MAX_ENTRY_BYTES, regular_only=True)
    except (FileTooLargeError, NotRegularFileError):
        return None
