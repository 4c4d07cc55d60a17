"""An answer that lists one suffix twice can be read two ways: it is refused whole, wherever it comes from.

Fuzz finding 12: ``…:0`` then ``…:1`` parsed, ``count()`` read the first line
(clean) and ``counts()`` the last (breached). The API, the per-prefix corpus,
the cache and the mirror all go through the same check.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
import responses

from auditor.hibp import (
    CorpusError,
    HibpError,
    RangeApiClient,
    RangeCache,
    RetryPolicy,
    Unknown,
    make_session,
    open_corpus,
)
from auditor.hibp.mirror import RangeMirror
from auditor.hibp.rangefmt import Range
from tests.hibp.test_mirror import Response

API = "https://api.pwnedpasswords.com"
DIGEST = hashlib.sha1(b"P@ssw0rd").hexdigest().upper()
PREFIX, SUFFIX = DIGEST[:5], DIGEST[5:]
OTHER, LAST = "0" * 35, "F" * 35
WHERE = f"range {PREFIX}"

REPEATED = {
    "clean then breached": f"{SUFFIX}:0\r\n{SUFFIX}:1",
    "breached then clean": f"{SUFFIX}:7\r\n{SUFFIX}:0\r\n{LAST}:3",
    "two counts, lines apart": f"{OTHER}:2\r\n{SUFFIX}:4\r\n{LAST}:0\r\n{SUFFIX}:9",
    "lower and upper case": f"{SUFFIX.lower()}:3\n{SUFFIX}:3\n",
    "padding repeated": f"{OTHER}:0\r\n{OTHER}:0\r\n{SUFFIX}:5",
    # A bare CR between lines fails the one-regex check: the line-by-line walk must refuse too.
    "line by line": f"{SUFFIX}:0\r{SUFFIX}:1\r",
    "line by line, padding": f"{OTHER}:0\r{SUFFIX}:2\r{OTHER}:0",
}


def api_client(cache: RangeCache | None = None) -> RangeApiClient:
    return RangeApiClient(
        make_session(2, base_url=API),
        base_url=API,
        workers=2,
        cache=cache,
        retry=RetryPolicy(attempts=1),
        sleep=lambda seconds: None,
    )


@pytest.mark.parametrize("body", REPEATED.values(), ids=REPEATED.keys())
def test_a_range_that_repeats_a_suffix_is_refused(body: str) -> None:
    with pytest.raises(HibpError, match=rf"^{WHERE}: .*suffix .*more than once"):
        Range.parse(body, WHERE)


def test_the_refusal_does_not_quote_the_suffix() -> None:
    # A suffix is 35 hex digits of a password's SHA-1: never quoted (DESIGN.md, secret rule 2).
    with pytest.raises(HibpError) as caught:
        Range.parse(REPEATED["clean then breached"], WHERE)
    assert SUFFIX not in str(caught.value)
    assert "line 2" in str(caught.value)


def test_distinct_suffixes_still_parse() -> None:
    answer = Range.parse(f"{OTHER}:0\r\n{SUFFIX}:12\r\n{LAST}:0", WHERE)
    assert answer.counts() == {SUFFIX: 12}
    assert answer.count(SUFFIX) == 12


@pytest.mark.parametrize("body", REPEATED.values(), ids=REPEATED.keys())
@responses.activate
def test_the_client_calls_a_repeated_suffix_unknown(body: str) -> None:
    responses.get(f"{API}/range/{PREFIX}", body=body)
    result = api_client().check([DIGEST])[DIGEST]
    assert isinstance(result, Unknown)
    assert "more than once" in result.reason


@responses.activate
def test_a_repeated_suffix_is_not_cached(tmp_path: Path) -> None:
    responses.get(f"{API}/range/{PREFIX}", body=REPEATED["clean then breached"])
    cache = RangeCache(tmp_path)
    assert isinstance(api_client(cache).check([DIGEST])[DIGEST], Unknown)
    assert not (tmp_path / "range" / PREFIX[:2] / PREFIX).exists()


def test_a_cache_entry_that_repeats_a_suffix_is_a_miss(tmp_path: Path) -> None:
    cache = RangeCache(tmp_path)
    cache.put(PREFIX, Range.from_counts({SUFFIX: 12}))
    path = tmp_path / "range" / PREFIX[:2] / PREFIX
    entry = json.loads(path.read_text())
    entry["body"] = REPEATED["clean then breached"]  # with a checksum that matches it
    entry["sha256"] = hashlib.sha256(entry["body"].encode()).hexdigest()
    path.write_text(json.dumps(entry))
    assert cache.get(PREFIX) is None
    assert cache.stats.rejected == 1


def _prefix_folder(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "ranges"
    folder.mkdir()
    (folder / "00000.txt").write_text(f"{'1' * 35}:2\r\n{'2' * 35}:0\r\n")
    (folder / f"{PREFIX}.txt").write_text(body)
    return folder


@pytest.mark.parametrize("body", REPEATED.values(), ids=REPEATED.keys())
def test_a_prefix_file_that_repeats_a_suffix_is_unknown(tmp_path: Path, body: str) -> None:
    with open_corpus(_prefix_folder(tmp_path, body)) as corpus:
        result = corpus.check([DIGEST])[DIGEST]
        assert isinstance(result, Unknown)
        assert "more than once" in result.reason
        with pytest.raises(CorpusError, match="more than once"):
            corpus.range_of(PREFIX)


def test_the_mirror_does_not_serve_a_prefix_file_that_repeats_a_suffix(tmp_path: Path) -> None:
    with open_corpus(_prefix_folder(tmp_path, REPEATED["clean then breached"])) as corpus:
        answer = Response(RangeMirror(corpus), f"/range/{PREFIX}")
    assert answer.status == 500
    assert SUFFIX not in answer.body


def _single_file(tmp_path: Path, repeated: list[str]) -> Path:
    """A corpus spanning 00000–FFFFF in which ``DIGEST`` has the lines ``repeated``."""
    rng = random.Random(3)
    lines = {"00000" + "1" * 35: 2, "FFFFF" + "E" * 35: 3}
    while len(lines) < 2000:
        lines[f"{rng.getrandbits(160):040X}"] = rng.randint(1, 99)
    lines.pop(DIGEST, None)
    text = [f"{h}:{c}" for h, c in lines.items()] + [f"{DIGEST}:{c}" for c in repeated]
    path = tmp_path / "pwned.txt"
    # sorted() is stable: the repeated lines stay in the order given.
    path.write_text("".join(f"{line}\r\n" for line in sorted(text, key=lambda s: s[:40])))
    return path


def test_a_single_file_that_repeats_a_hash_is_unknown(tmp_path: Path) -> None:
    with open_corpus(_single_file(tmp_path, ["5", "7"])) as corpus:
        result = corpus.check([DIGEST])[DIGEST]
        assert isinstance(result, Unknown)
        assert "more than once" in result.reason
        with pytest.raises(CorpusError, match="more than once"):
            corpus.range_of(PREFIX)
        assert Response(RangeMirror(corpus), f"/range/{PREFIX}").status == 500


def test_a_single_file_without_repeats_still_answers(tmp_path: Path) -> None:
    with open_corpus(_single_file(tmp_path, ["5"])) as corpus:
        assert corpus.lookup(DIGEST) == 5
        assert corpus.range_of(PREFIX)[SUFFIX] == 5
