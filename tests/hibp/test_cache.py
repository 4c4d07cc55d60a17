from __future__ import annotations

import hashlib
import json
import logging
import stat
from pathlib import Path

import pytest
import responses

from auditor.hibp import Clean, Pwned, RangeApiClient, RangeCache, RetryPolicy, make_session
from auditor.hibp.rangefmt import Range, format_range

API = "https://api.pwnedpasswords.com"
DIGEST = hashlib.sha1(b"P@ssw0rd").hexdigest().upper()
PREFIX, SUFFIX = DIGEST[:5], DIGEST[5:]
OTHER = "0" * 35


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def client(cache: RangeCache) -> RangeApiClient:
    return RangeApiClient(make_session(2), workers=2, cache=cache, retry=RetryPolicy(attempts=1))


def entry_path(directory: Path, prefix: str = PREFIX) -> Path:
    return directory / "range" / prefix[:2] / prefix


def test_a_stored_answer_comes_back_fresh_and_private(tmp_path: Path) -> None:
    cache = RangeCache(tmp_path / "cache", clock=Clock())
    assert cache.get(PREFIX) is None
    cache.put(PREFIX, Range.from_counts({SUFFIX: 12, OTHER: 1}))
    assert cache.get(PREFIX) == Range.from_counts({SUFFIX: 12, OTHER: 1})
    path = entry_path(tmp_path / "cache")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
    assert cache.stats.hits == 1
    assert cache.stats.misses == 1


def test_an_entry_expires_after_its_ttl(tmp_path: Path) -> None:
    clock = Clock()
    cache = RangeCache(tmp_path, ttl=3600, clock=clock)
    cache.put(PREFIX, Range.from_counts({SUFFIX: 1}))
    clock.now += 3599
    assert cache.get(PREFIX) == Range.from_counts({SUFFIX: 1})
    clock.now += 2
    assert cache.get(PREFIX) is None


def test_an_entry_dated_in_the_future_is_not_believed(tmp_path: Path) -> None:
    clock = Clock()
    cache = RangeCache(tmp_path, clock=clock)
    clock.now += 86400
    cache.put(PREFIX, Range.from_counts({SUFFIX: 1}))
    clock.now -= 86400
    assert cache.get(PREFIX) is None


def _damage(path: Path, how: str) -> None:
    entry = json.loads(path.read_text())
    if how == "truncated":
        path.write_text(path.read_text()[:-40])
    elif how == "edited body":
        entry["body"] = entry["body"].replace(":12", ":0")
        path.write_text(json.dumps(entry))
    elif how == "other prefix":
        entry["prefix"] = "FFFFF"
        path.write_text(json.dumps(entry))
    elif how == "other format":
        entry["format"] = "something/else"
        path.write_text(json.dumps(entry))
    elif how == "not json":
        path.write_bytes(b"\x00\xff garbage")
    elif how == "a list":
        path.write_text("[1, 2]")
    elif how == "bad body with matching checksum":
        entry["body"] = "not a range"
        entry["sha256"] = hashlib.sha256(b"not a range").hexdigest()
        path.write_text(json.dumps(entry))
    elif how == "empty":
        path.write_text("")


DAMAGES = [
    "truncated",
    "edited body",
    "other prefix",
    "other format",
    "not json",
    "a list",
    "bad body with matching checksum",
    "empty",
]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_entry_is_never_trusted(tmp_path: Path, how: str) -> None:
    cache = RangeCache(tmp_path, clock=Clock())
    cache.put(PREFIX, Range.from_counts({SUFFIX: 12}))
    _damage(entry_path(tmp_path), how)
    assert cache.get(PREFIX) is None
    assert cache.stats.rejected == 1


@responses.activate
def test_the_client_reuses_fresh_answers_and_refetches_damaged_ones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    responses.get(f"{API}/range/{PREFIX}", body=f"{SUFFIX}:12\r\n{OTHER}:0\r\n")
    clock = Clock()
    cache = RangeCache(tmp_path, clock=clock)
    assert client(cache).check([DIGEST]) == {DIGEST: Pwned(12)}
    assert client(cache).check([DIGEST]) == {DIGEST: Pwned(12)}
    assert len(responses.calls) == 1  # the second audit asked nobody

    _damage(entry_path(tmp_path), "edited body")  # would turn a breach into "clean"
    assert client(cache).check([DIGEST]) == {DIGEST: Pwned(12)}
    assert len(responses.calls) == 2
    assert "damaged" in caplog.text
    assert client(cache).check([DIGEST]) == {DIGEST: Pwned(12)}  # rewritten, whole again
    assert len(responses.calls) == 2


@responses.activate
def test_the_cache_holds_the_public_answer_without_padding(tmp_path: Path) -> None:
    responses.get(f"{API}/range/{PREFIX}", body=f"{OTHER}:0\r\n{SUFFIX}:12\r\n")
    client(RangeCache(tmp_path, clock=Clock())).check([DIGEST])
    (path,) = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert path.name == PREFIX
    entry = json.loads(path.read_text())
    assert entry["body"] == format_range({SUFFIX: 12})
    assert set(entry) == {"format", "prefix", "fetched", "sha256", "body"}


@responses.activate
def test_failed_lookups_are_not_cached(tmp_path: Path) -> None:
    responses.get(f"{API}/range/{PREFIX}", status=500)
    cache = RangeCache(tmp_path, clock=Clock())
    client(cache).check([DIGEST])
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@responses.activate
def test_a_cache_that_cannot_be_written_only_costs_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    responses.get(f"{API}/range/{PREFIX}", body=f"{OTHER}:3\r\n")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    caplog.set_level(logging.WARNING)
    result = client(RangeCache(blocker, clock=Clock())).check([DIGEST])
    assert result == {DIGEST: Clean()}
    assert "cannot write" in caplog.text
