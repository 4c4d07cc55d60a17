"""An offline corpus is trusted only as far as it proves its coverage; gaps are unknown, never clean."""

from __future__ import annotations

import hashlib
import io
import json
import random
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

from auditor.hibp import Clean, CorpusError, Pwned, RangeCache, Unknown, open_corpus
from auditor.hibp.mirror import RangeMirror
from auditor.hibp.rangefmt import Range

INCOMPLETE = "the download looks incomplete"


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


def spanning_lines(filler: int = 3000, seed: int = 11) -> dict[str, int]:
    """Random lines plus one in prefix 00000 and one in FFFFF, as every real corpus has."""
    rng = random.Random(seed)
    lines = {"00000" + "1" * 35: 4, "FFFFF" + "E" * 35: 9, sha1("soleil"): 265_871}
    while len(lines) < filler:
        lines[f"{rng.getrandbits(160):040X}"] = rng.randint(1, 99)
    return lines


def write_single(path: Path, lines: dict[str, int]) -> Path:
    path.write_bytes(b"".join(f"{h}:{c}\r\n".encode() for h, c in sorted(lines.items())))
    return path


def test_a_single_file_cut_short_is_refused(tmp_path: Path) -> None:
    path = write_single(tmp_path / "pwned.txt", spanning_lines())
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1  # an interrupted download, cut at a line end
    path.write_bytes(data[:cut])
    with pytest.raises(CorpusError, match=INCOMPLETE) as refused:
        open_corpus(path)
    assert str(path) in str(refused.value)
    assert "FFFFF" in str(refused.value)


def test_a_single_file_that_does_not_start_at_00000_is_refused(tmp_path: Path) -> None:
    lines = spanning_lines()
    del lines["00000" + "1" * 35]
    lines = {h: c for h, c in lines.items() if not h.startswith("00000")}
    path = write_single(tmp_path / "pwned.txt", lines)
    with pytest.raises(CorpusError, match=INCOMPLETE) as refused:
        open_corpus(path)
    assert str(path) in str(refused.value) and "00000" in str(refused.value)


def _prefix_without_line(lines: dict[str, int]) -> str:
    covered = {h[:5] for h in lines}
    return next(f"{n:05X}" for n in range(0x12345, 16**5) if f"{n:05X}" not in covered)


def test_a_prefix_with_no_line_in_a_single_file_is_unknown(tmp_path: Path) -> None:
    lines = spanning_lines()
    path = write_single(tmp_path / "pwned.txt", lines)
    gap = _prefix_without_line(lines) + "A" * 35
    neighbour = next(h for h in sorted(lines) if h > gap)
    with open_corpus(path) as corpus:
        result = corpus.check([gap, sha1("soleil"), neighbour[:5] + "0" * 35])
        outcome = result[gap]
        assert isinstance(outcome, Unknown), outcome
        assert f"has no line for prefix {gap[:5]}: {INCOMPLETE}" in outcome.reason
        assert str(path) in outcome.reason
        assert result[sha1("soleil")] == Pwned(265_871)
        assert result[neighbour[:5] + "0" * 35] == Clean()  # its prefix has a line
        with pytest.raises(CorpusError, match=INCOMPLETE):
            corpus.range_of(gap[:5])


def test_prefixes_at_both_ends_are_covered_or_not(tmp_path: Path) -> None:
    lines = spanning_lines()
    with open_corpus(write_single(tmp_path / "pwned.txt", lines)) as corpus:
        result = corpus.check(["0" * 40, "F" * 40, "00001" + "0" * 35])
        assert result["0" * 40] == Clean() and result["F" * 40] == Clean()
        assert isinstance(result["00001" + "0" * 35], Unknown)


@pytest.mark.parametrize("content", ["", "  \r\n\r\n"], ids=["empty", "blank"])
def test_an_empty_prefix_file_is_unknown(tmp_path: Path, content: str) -> None:
    (tmp_path / "00000.txt").write_text("1" * 35 + ":3\r\n")
    (tmp_path / "ABCDE.txt").write_text(content)
    with open_corpus(tmp_path) as corpus:
        outcome = corpus.check(["ABCDE" + "0" * 35])["ABCDE" + "0" * 35]
        assert isinstance(outcome, Unknown), outcome
        assert INCOMPLETE in outcome.reason and "ABCDE" in outcome.reason
        with pytest.raises(CorpusError):
            corpus.range_of("ABCDE")


@pytest.mark.parametrize("digits", [13, 5000])
def test_an_absurd_count_in_a_corpus_is_unknown(tmp_path: Path, digits: int) -> None:
    victim = sha1("soleil")
    folder = tmp_path / "ranges"
    folder.mkdir()
    (folder / "00000.txt").write_text("1" * 35 + ":3\r\n")
    (folder / f"{victim[:5]}.txt").write_text(f"{victim[5:]}:{'9' * digits}\r\n")
    lines = spanning_lines()
    single = tmp_path / "pwned.txt"
    text = "".join(
        f"{h}:{'9' * digits if h == victim else c}\r\n" for h, c in sorted(lines.items())
    )
    single.write_text(text, newline="")
    for path in (folder, single):
        verdict = _verdict(path, victim)
        # The single file's own checks may meet the line first: a refusal is fine too.
        assert verdict in ("unknown", f"refused: {path}"), (path, verdict)


def _verdict(path: Path, digest: str) -> str:
    """'unknown' when the lookup and the range are unknown, else what happened."""
    try:
        corpus = open_corpus(path)
    except CorpusError as refused:
        return f"refused: {str(refused).split(':')[0]}"
    with corpus:
        outcome = corpus.check([digest])[digest]
        try:
            corpus.range_of(digest[:5])
        except CorpusError:
            return "unknown" if isinstance(outcome, Unknown) else repr(outcome)
        return f"range answered, lookup {outcome!r}"


def _get(app: RangeMirror, prefix: str) -> tuple[int, str]:
    environ: dict[str, Any] = {"PATH_INFO": f"/range/{prefix}", "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO()
    status: list[str] = []
    body = b"".join(app(environ, lambda s, headers: status.append(s)))
    return int(status[0].split()[0]), body.decode()


def test_the_mirror_never_serves_an_empty_200(tmp_path: Path) -> None:
    lines = spanning_lines()
    gap = _prefix_without_line(lines)
    with open_corpus(write_single(tmp_path / "pwned.txt", lines)) as corpus:
        status, body = _get(RangeMirror(corpus), gap)
        assert status >= 500 and ":" not in body
        assert _get(RangeMirror(corpus), sha1("soleil")[:5])[0] == 200
    folder = tmp_path / "ranges"
    folder.mkdir()
    (folder / "00000.txt").write_text("1" * 35 + ":3\r\n")
    (folder / "ABCDE.txt").write_text("")
    with open_corpus(folder) as corpus:
        assert _get(RangeMirror(corpus), "ABCDE")[0] >= 500


def test_the_cache_does_not_reuse_an_empty_answer(tmp_path: Path) -> None:
    cache = RangeCache(tmp_path)
    prefix = "ABCDE"
    cache.put(prefix, Range.from_counts({"1" * 35: 3}))
    path = tmp_path / "range" / prefix[:2] / prefix
    entry = json.loads(path.read_text())
    entry["body"] = ""
    entry["sha256"] = hashlib.sha256(b"").hexdigest()
    path.write_text(json.dumps(entry))
    assert cache.get(prefix) is None
    assert cache.stats.rejected == 1
