"""A cache folder someone else wrote to: an oversize or hostile entry is a miss, replaced, never a crash."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import pytest
import responses

from auditor.hibp import Pwned, RangeApiClient, RangeCache, RetryPolicy, make_session
from auditor.hibp.cache import MAX_ENTRY_BYTES
from auditor.hibp.rangefmt import MAX_BODY_BYTES, Range

API = "https://api.pwnedpasswords.com"
DIGEST = hashlib.sha1(b"P@ssw0rd").hexdigest().upper()
PREFIX, SUFFIX = DIGEST[:5], DIGEST[5:]
NOW = 1_800_000_000.0


def entry_path(directory: Path) -> Path:
    return directory / "range" / PREFIX[:2] / PREFIX


def entry(body: str, **fields: object) -> dict[str, object]:
    return {
        "format": "portal-auditor/range-cache/v1",
        "prefix": PREFIX,
        "fetched": NOW,
        "sha256": hashlib.sha256(body.encode()).hexdigest(),
        "body": body,
        **fields,
    }


def planted(directory: Path, data: bytes) -> RangeCache:
    path = entry_path(directory)
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return RangeCache(directory, clock=lambda: NOW)


def test_the_entry_cap_holds_the_largest_answer_the_client_accepts(tmp_path: Path) -> None:
    # The biggest body parse accepts, mostly line breaks (each doubled by JSON's escapes).
    lines = [f"{n:035X}:1" + "\r\n" * 480 for n in range(1, MAX_BODY_BYTES // 1000)]
    body = "".join(lines)[:MAX_BODY_BYTES].rstrip()
    cache = RangeCache(tmp_path, clock=lambda: NOW)
    cache.put(PREFIX, Range.parse(body, "test"))
    assert entry_path(tmp_path).stat().st_size <= MAX_ENTRY_BYTES
    assert cache.get(PREFIX) is not None


def test_an_oversize_entry_is_a_miss_and_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Valid JSON (leading blanks are), whole checksum: only its size is wrong.
    text = " " * (MAX_ENTRY_BYTES + 1) + json.dumps(entry(f"{SUFFIX}:12"))
    cache = planted(tmp_path, text.encode())
    loads = json.loads
    sizes: list[int] = []
    monkeypatch.setattr(json, "loads", lambda raw: sizes.append(len(raw)) or loads(raw))
    assert cache.get(PREFIX) is None
    assert cache.stats.rejected == 1
    assert all(size <= MAX_ENTRY_BYTES for size in sizes)


@responses.activate
def test_an_oversize_entry_is_replaced_by_a_fresh_answer(tmp_path: Path) -> None:
    responses.get(f"{API}/range/{PREFIX}", body=f"{SUFFIX}:12\r\n{'0' * 35}:0\r\n")
    cache = planted(tmp_path, b" " * (3 * MAX_ENTRY_BYTES) + b"{}")
    client = RangeApiClient(make_session(1), workers=1, cache=cache, retry=RetryPolicy(attempts=1))
    assert client.check([DIGEST]) == {DIGEST: Pwned(12)}
    assert entry_path(tmp_path).stat().st_size < 1000
    assert RangeCache(tmp_path, clock=lambda: NOW).get(PREFIX) is not None


HOSTILE = {
    "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "an object nested deep": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "fetched: a 400-digit integer": json.dumps(entry(f"{SUFFIX}:12", fetched=10**400)).encode(),
    "fetched: NaN": json.dumps(entry(f"{SUFFIX}:12", fetched=float("nan"))).encode(),
    "fetched: Infinity": json.dumps(entry(f"{SUFFIX}:12", fetched=float("-inf"))).encode(),
    "fetched: true": json.dumps(entry(f"{SUFFIX}:12", fetched=True)).encode(),
    "a 5,000-digit number": b'{"format": ' + b"7" * 5000 + b"}",
    "a string": b'"portal-auditor/range-cache/v1"',
    "not UTF-8": b'{"body": "\xff\xfe"}',
    "a lone surrogate in the body": json.dumps(entry("x")).encode().replace(b'"x"', b'"\\ud800"'),
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_entry_is_a_miss(tmp_path: Path, data: bytes) -> None:
    cache = planted(tmp_path, data)
    assert cache.get(PREFIX) is None
    assert cache.stats.rejected == 1


def test_a_fifo_in_place_of_an_entry_is_a_miss_not_a_hang(tmp_path: Path) -> None:
    path = entry_path(tmp_path)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    cache = RangeCache(tmp_path, clock=lambda: NOW)
    outcome: list[object] = []
    reader = threading.Thread(target=lambda: outcome.append(cache.get(PREFIX)), daemon=True)
    reader.start()
    reader.join(2)
    if reader.is_alive():  # unblock the reader before failing
        with path.open("wb"):
            pass
        reader.join(2)
        pytest.fail("reading a FIFO in the cache blocked")
    assert outcome == [None]
    assert cache.stats.misses == 1
