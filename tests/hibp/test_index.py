"""The prefix index of a single-file corpus: one read per lookup, never a wrong answer.

A lookup through ``CORPUS.idx`` reads one prefix's block and searches it in
memory. A stale or damaged index is never believed: the reader warns and
searches the file as it did without one, so the answers are the same.
"""

from __future__ import annotations

import logging
import os
import random
import stat
import struct
import threading
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.hibp import Clean, CorpusError, Pwned, SortedHashFile, Unknown, open_corpus
from auditor.hibp import offline as offline_module
from auditor.hibp.index import FORMAT_VERSION, HEADER, index_path
from auditor.hibp.offline import build_index

Lines = dict[str, int]


def corpus_lines(filler: int = 3000, seed: int = 7) -> Lines:
    """Random lines spanning 00000 to FFFFF, and a crowded prefix of 300 lines."""
    rng = random.Random(seed)
    lines = {"00000" + "1" * 35: 2, "FFFFF" + "E" * 35: 3}
    lines.update({f"ABCDE{rng.getrandbits(140):035X}": rng.randint(1, 99) for _ in range(300)})
    while len(lines) < filler:
        lines[f"{rng.getrandbits(160):040X}"] = rng.randint(1, 99)
    return lines


def write_single(path: Path, lines: Lines, newline: str = "\r\n") -> Path:
    path.write_bytes(b"".join(f"{h}:{c}{newline}".encode() for h, c in sorted(lines.items())))
    return path


def queries(lines: Lines, seed: int = 1) -> list[str]:
    """Present hashes, absent ones in covered prefixes, and hashes of prefixes with no line."""
    rng = random.Random(seed)
    present = rng.sample(sorted(lines), 200)
    near = [h[:5] + f"{rng.getrandbits(140):035X}" for h in rng.sample(sorted(lines), 100)]
    far = [f"{rng.getrandbits(160):040X}" for _ in range(100)]
    return sorted({*present, *near, *far, "0" * 40, "F" * 40})


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Lines]:
    lines = corpus_lines()
    return write_single(tmp_path / "pwned.txt", lines), lines


def without_index(path: Path, asked: list[str]) -> dict[str, object]:
    with SortedHashFile(path, use_index=False) as plain:
        return dict(plain.check(asked))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every positioned read the corpus reader makes."""
    seen: list[int] = []
    real = os.pread

    def counting(descriptor: int, length: int, position: int) -> bytes:
        seen.append(length)
        return real(descriptor, length, position)

    monkeypatch.setattr(offline_module.os, "pread", counting)
    return seen


def test_an_index_is_built_beside_the_corpus_and_used(
    corpus: tuple[Path, Lines], reads: list[int]
) -> None:
    path, lines = corpus
    asked = queries(lines)
    expected = without_index(path, asked)
    built = build_index(path)
    sidecar = index_path(path)
    assert sidecar == path.with_name("pwned.txt.idx") and built.path == sidecar
    assert stat.S_IMODE(sidecar.stat().st_mode) == 0o644  # offsets of a public file, no secret
    assert sidecar.stat().st_size == HEADER.size + 8 * (16**5 + 1)
    with open_corpus(path) as indexed:
        assert isinstance(indexed, SortedHashFile) and indexed.indexed
        reads.clear()
        assert dict(indexed.check(asked)) == expected
        assert len(reads) == len(asked)  # one read per lookup
        reads.clear()
        crowded = indexed.range_of("ABCDE")
        assert crowded == {h[5:]: c for h, c in lines.items() if h.startswith("ABCDE")}
        assert len(reads) == 1
        assert all(indexed.lookup(h) == c for h, c in lines.items())


def test_without_an_index_a_lookup_takes_several_reads(
    corpus: tuple[Path, Lines], reads: list[int]
) -> None:
    path, lines = corpus
    with open_corpus(path) as plain:
        assert isinstance(plain, SortedHashFile) and not plain.indexed
        reads.clear()
        plain.check(queries(lines))
        assert len(reads) > 2 * len(queries(lines))


def test_indexed_gaps_and_damage_are_unknown_as_before(tmp_path: Path) -> None:
    lines = corpus_lines()
    ordered = sorted(lines)
    victim = ordered[1234]
    text = "".join(f"{h}:{'XX' if h == victim else lines[h]}\r\n" for h in ordered)
    path = tmp_path / "pwned.txt"
    path.write_text(text, newline="")
    build_index(path)
    gap = next(
        f"{n:05X}" for n in range(0x12345, 16**5) if f"{n:05X}" not in {h[:5] for h in lines}
    )
    with open_corpus(path) as corpus:
        assert isinstance(corpus, SortedHashFile) and corpus.indexed
        result = corpus.check([victim, gap + "0" * 35, ordered[10]])
        damaged, missing = result[victim], result[gap + "0" * 35]
        assert isinstance(damaged, Unknown) and "damaged" in damaged.reason
        assert isinstance(missing, Unknown) and "looks incomplete" in missing.reason
        assert result[ordered[10]] == Pwned(lines[ordered[10]])
        with pytest.raises(CorpusError, match="looks incomplete"):
            corpus.range_of(gap)


def test_a_prefix_too_crowded_to_read_at_once_is_searched(tmp_path: Path, reads: list[int]) -> None:
    rng = random.Random(4)
    lines = corpus_lines()
    lines.update({f"ABCDE{rng.getrandbits(140):035X}": 5 for _ in range(60_000)})  # 2.6 MB
    path = write_single(tmp_path / "pwned.txt", lines)
    build_index(path)
    asked = [*sorted(rng.sample(sorted(lines), 50)), "ABCDE" + "0" * 35]
    with open_corpus(path) as corpus_file:
        reads.clear()
        assert dict(corpus_file.check(asked)) == without_index(path, asked)
        assert len(corpus_file.range_of("ABCDE")) == 60_300
        assert max(reads) <= 65_536  # bounded reads, as without the index


def test_a_repeated_hash_is_unknown_through_the_index(tmp_path: Path) -> None:
    lines = corpus_lines()
    repeated = sorted(lines)[700]
    text = "".join(
        f"{h}:{c}\r\n" + (f"{h}:{c + 1}\r\n" if h == repeated else "")
        for h, c in sorted(lines.items())
    )
    path = tmp_path / "pwned.txt"
    path.write_text(text, newline="")
    build_index(path)
    with open_corpus(path) as corpus:
        outcome = corpus.check([repeated])[repeated]
        assert isinstance(outcome, Unknown) and "more than once" in outcome.reason
        with pytest.raises(CorpusError, match="more than once"):
            corpus.range_of(repeated[:5])


def _append(path: Path) -> None:
    with path.open("ab") as handle:  # still sorted: after the last line, in FFFFF
        handle.write(b"FFFFF" + b"F" * 35 + b":1\r\n")


def _touch(path: Path) -> None:
    os.utime(path, ns=(1, path.stat().st_mtime_ns + 10**9))


def _copy_over(path: Path) -> None:
    copy = path.with_name("copy.txt")
    copy.write_bytes(path.read_bytes())
    copy.replace(path)  # the same bytes, another file


STALE = {"a line appended": _append, "touched": _touch, "replaced by a copy": _copy_over}


@pytest.mark.parametrize("change", STALE.values(), ids=STALE.keys())
def test_a_stale_index_is_refused_with_a_warning(
    corpus: tuple[Path, Lines],
    change: Callable[[Path], object],
    caplog: pytest.LogCaptureFixture,
    reads: list[int],
) -> None:
    path, lines = corpus
    build_index(path)
    change(path)
    asked = queries(lines)
    with caplog.at_level(logging.WARNING), open_corpus(path) as corpus_file:
        assert isinstance(corpus_file, SortedHashFile) and not corpus_file.indexed
        reads.clear()
        assert dict(corpus_file.check(asked)) == without_index(path, asked)
        assert len(reads) > 2 * len(asked)  # searched without the index
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert f"{path}.idx" in warned[0] and "changed" in warned[0]
    assert f"portal-audit hibp index {path}" in warned[0]


def _next_line(corpus: Path, position: int) -> int:
    return corpus.read_bytes().index(b"\n", position) + 1


def _damage(corpus: Path, how: str) -> None:
    sidecar = index_path(corpus)
    data = sidecar.read_bytes()
    header, offsets = data[: HEADER.size], array("Q", data[HEADER.size :])
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "header only":
        data = header
    elif how == "empty":
        data = b""
    elif how == "wrong version":
        data = header[:8] + struct.pack("<I", FORMAT_VERSION + 1) + data[12:]
    elif how == "not an index":
        data = b"HASHFILE" + data[8:]
    else:
        if how == "offsets out of order":
            offsets[0xABCDE], offsets[0xABCDF] = offsets[0xABCDF], offsets[0xABCDE]
        elif how == "offset beyond the file":
            offsets[0xABCDF] = 2**40
        elif how == "offset inside a line":
            offsets[0xABCDE] += 7
        elif how == "offset one line late":  # a whole line of the prefix left out
            offsets[0xABCDE] = _next_line(corpus, offsets[0xABCDE])
        elif how == "prefixes shifted":
            offsets[0x10000:0x20000] = offsets[0x10001:0x20001]
        elif how == "all zero":
            offsets[1:] = array("Q", bytes(8 * 16**5))
        data = header + offsets.tobytes()
    sidecar.write_bytes(data)


HEADER_DAMAGE = ["truncated", "header only", "empty", "wrong version", "not an index"]
ENTRY_DAMAGE = [
    "offsets out of order",
    "offset beyond the file",
    "offset inside a line",
    "offset one line late",
    "prefixes shifted",
    "all zero",
]


@pytest.mark.parametrize("how", HEADER_DAMAGE + ENTRY_DAMAGE)
def test_a_damaged_index_never_gives_a_wrong_answer(
    corpus: tuple[Path, Lines], how: str, caplog: pytest.LogCaptureFixture
) -> None:
    path, lines = corpus
    build_index(path)
    _damage(path, how)
    asked = sorted({*queries(lines), *(h for h in lines if h[:5] in ("ABCDE", "ABCDF"))})
    asked += [f"{n:05X}" + "7" * 35 for n in range(0x10000, 0x10400)]
    expected = without_index(path, asked)
    with caplog.at_level(logging.WARNING), open_corpus(path) as corpus_file:
        assert dict(corpus_file.check(asked)) == expected
        assert corpus_file.range_of("ABCDE") == {
            h[5:]: c for h, c in lines.items() if h.startswith("ABCDE")
        }
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1, warned  # said once, not once per lookup
    assert f"{path}.idx" in warned[0] and f"portal-audit hibp index {path}" in warned[0]
    assert not any(h in warned[0] for h in asked)  # no hash, no prefix in the log


hashes = st.text(alphabet="0123456789ABCDEF", min_size=40, max_size=40)
# A few prefixes, so that blocks hold several lines, and hashes anywhere else.
crowded = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(["00000", "12345", "12346", "ABCDE", "FFFFF"]),
    st.text(alphabet="0123456789ABCDEF", min_size=35, max_size=35),
)


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(
    found=st.dictionaries(st.one_of(hashes, crowded), st.integers(0, 10**7), max_size=60),
    others=st.lists(st.one_of(hashes, crowded), max_size=20),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_the_index_answers_as_the_search_does(
    tmp_path_factory: pytest.TempPathFactory, found: Lines, others: list[str], newline: str
) -> None:
    folder = tmp_path_factory.mktemp("indexed")
    lines = {"00000" + "0" * 35: 1, "FFFFF" + "F" * 35: 1, **found}
    path = write_single(folder / "pwned.txt", lines, newline)
    asked = sorted({*lines, *others, *(h[:5] + "8" * 35 for h in lines)})
    expected = without_index(path, asked)
    build_index(path)
    with open_corpus(path) as corpus_file:
        assert isinstance(corpus_file, SortedHashFile) and corpus_file.indexed
        assert dict(corpus_file.check(asked)) == expected
        for head in sorted({h[:5] for h in asked}):
            with SortedHashFile(path, use_index=False) as plain:
                try:
                    want: object = plain.range_of(head)
                except CorpusError as exc:
                    want = str(exc)
            try:
                got: object = corpus_file.range_of(head)
            except CorpusError as exc:
                got = str(exc)
            assert got == want, head


def test_indexing_a_damaged_corpus_is_refused(tmp_path: Path) -> None:
    lines = corpus_lines()
    text = b"".join(f"{h}:{c}\r\n".encode() for h, c in sorted(lines.items()))
    cut = text.index(b"\n", len(text) // 2) + 1
    path = tmp_path / "pwned.txt"
    path.write_bytes(text[:cut] + b"hello\r\n" + text[cut:])
    with pytest.raises(CorpusError, match=rf"{path}: damaged line at byte {cut}"):
        build_index(path)
    assert not index_path(path).exists()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_indexing_an_unsorted_corpus_is_refused(tmp_path: Path) -> None:
    lines = corpus_lines()
    ordered = sorted(lines)
    ordered[1000], ordered[2000] = ordered[2000], ordered[1000]
    path = tmp_path / "pwned.txt"
    path.write_bytes(b"".join(f"{h}:{lines[h]}\r\n".encode() for h in ordered))
    with pytest.raises(CorpusError, match="not sorted"):
        build_index(path)


# --- reopening a corpus replaced while it is served -------------------------------------------


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _replace(path: Path, lines: Lines) -> None:
    """What a refresh does: write the new corpus beside the old one, then rename it over."""
    fresh = write_single(path.with_name("pwned.txt.new"), lines)
    fresh.replace(path)


@pytest.fixture
def versions() -> tuple[Lines, Lines, str]:
    old = corpus_lines(seed=7)
    new = dict(old)
    changed = sorted(old)[500]
    new[changed] = old[changed] + 1000
    return old, new, changed


def test_a_replaced_corpus_is_reopened(
    tmp_path: Path, versions: tuple[Lines, Lines, str], caplog: pytest.LogCaptureFixture
) -> None:
    old, new, changed = versions
    path = write_single(tmp_path / "pwned.txt", old)
    build_index(path)
    clock = Clock()
    with SortedHashFile(path, clock=clock) as corpus_file:
        assert corpus_file.indexed and corpus_file.lookup(changed) == old[changed]
        _replace(path, new)
        # Looked at about once a second, not at every lookup.
        assert corpus_file.lookup(changed) == old[changed]
        clock.now += 1.5
        with caplog.at_level(logging.WARNING):
            assert corpus_file.lookup(changed) == new[changed]
            assert corpus_file.check([changed]) == {changed: Pwned(new[changed])}
        # The index was built for the old file: the new one is searched without it.
        assert not corpus_file.indexed
        assert any("changed" in r.getMessage() for r in caplog.records)
        build_index(path)
        clock.now += 1.5
        assert corpus_file.range_of(changed[:5])[changed[5:]] == new[changed]
        assert corpus_file.indexed  # the fresh index is picked up too
    assert sorted(tmp_path.iterdir()) == [path, index_path(path)]


@pytest.fixture
def held_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The first positioned read waits until released: a lookup caught in flight."""
    started, release = threading.Event(), threading.Event()
    real = os.pread
    first = [True]

    def held(descriptor: int, length: int, position: int) -> bytes:
        if first[0] and threading.current_thread() is not threading.main_thread():
            first[0] = False
            started.set()
            assert release.wait(10)
        return real(descriptor, length, position)

    monkeypatch.setattr(offline_module.os, "pread", held)
    yield started, release
    release.set()


def test_a_lookup_in_flight_finishes_on_the_old_file(
    tmp_path: Path,
    versions: tuple[Lines, Lines, str],
    held_read: tuple[threading.Event, threading.Event],
) -> None:
    old, new, changed = versions
    path = write_single(tmp_path / "pwned.txt", old)
    build_index(path)
    clock = Clock()
    started, release = held_read
    with SortedHashFile(path, clock=clock) as corpus_file:
        answers: list[object] = []
        flight = threading.Thread(target=lambda: answers.append(corpus_file.check([changed])))
        flight.start()
        assert started.wait(10)
        _replace(path, new)
        build_index(path)
        clock.now += 1.5
        assert corpus_file.lookup(changed) == new[changed]
        # Opening files meanwhile must not reuse the old descriptor under the lookup's feet.
        spare = [path.open("rb") for _ in range(5)]
        release.set()
        flight.join(10)
        for handle in spare:
            handle.close()
        assert answers == [{changed: Pwned(old[changed])}]


def test_a_broken_replacement_is_not_served(
    tmp_path: Path, versions: tuple[Lines, Lines, str], caplog: pytest.LogCaptureFixture
) -> None:
    old, _, changed = versions
    path = write_single(tmp_path / "pwned.txt", old)
    clock = Clock()
    with SortedHashFile(path, clock=clock) as corpus_file:
        broken = path.with_name("cut.txt")
        broken.write_bytes(path.read_bytes()[:5000])  # a refresh cut short
        broken.replace(path)
        clock.now += 1.5
        with caplog.at_level(logging.WARNING):
            assert corpus_file.lookup(changed) == old[changed]
            clock.now += 1.5
            assert corpus_file.check([changed]) == {changed: Pwned(old[changed])}
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warned) == 1 and str(path) in warned[0] and "looks incomplete" in warned[0]
        _replace(path, old | {changed: 1})
        clock.now += 1.5
        assert corpus_file.check([changed]) == {changed: Pwned(1)}


def test_a_folder_corpus_needs_no_index(tmp_path: Path) -> None:
    (tmp_path / "00000.txt").write_text("1" * 35 + ":3\r\n")
    with pytest.raises(CorpusError, match="per-prefix folder"):
        build_index(tmp_path)


def test_clean_stays_clean_through_the_index(corpus: tuple[Path, Lines]) -> None:
    path, lines = corpus
    build_index(path)
    absent = "ABCDE" + "0" * 35
    assert absent not in lines
    with open_corpus(path) as corpus_file:
        assert corpus_file.check([absent]) == {absent: Clean()}


# --- the command ------------------------------------------------------------------------------

Run = Callable[..., tuple[int, str, str]]


def test_hibp_index_writes_the_sidecar(run_cli: Run, corpus: tuple[Path, Lines]) -> None:
    path, lines = corpus
    code, out, err = run_cli("hibp", "index", str(path), "--lang", "en")
    assert code == 0 and out == ""
    assert (
        err
        == f"portal-audit: indexed {path}: {len({h[:5] for h in lines}):,} prefixes with lines, written to {path}.idx\n"
    )
    with open_corpus(path) as corpus_file:
        assert isinstance(corpus_file, SortedHashFile) and corpus_file.indexed


def test_hibp_index_in_french(run_cli: Run, corpus: tuple[Path, Lines]) -> None:
    path, _ = corpus
    code, _, err = run_cli("hibp", "index", str(path), "--lang", "fr")
    assert code == 0 and f"index de {path} écrit dans {path}.idx" in err


def test_hibp_index_of_a_damaged_corpus_exits_2(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "pwned.txt"
    path.write_text("hello world\n")
    code, out, err = run_cli("hibp", "index", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(path) in err and "Traceback" not in err
    assert not index_path(path).exists()


def test_a_batch_asks_for_its_blocks_ahead_once_it_waited(
    corpus: tuple[Path, Lines], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, lines = corpus
    build_index(path)
    asked: list[tuple[int, int]] = []
    real = os.posix_fadvise

    def advising(descriptor: int, offset: int, length: int, advice: int) -> None:
        if advice == os.POSIX_FADV_WILLNEED:
            asked.append((offset, length))
        real(descriptor, offset, length, advice)

    monkeypatch.setattr(offline_module.os, "posix_fadvise", advising)
    monkeypatch.setattr(offline_module, "_WAITED", -1.0)  # as if every read waited for the disk
    batch = queries(lines)
    with open_corpus(path) as corpus_file:
        assert dict(corpus_file.check(batch)) == without_index(path, batch)
    # Each prefix after the first asked for once, one block with a line around it.
    prefixes = len({h[:5] for h in batch})
    assert prefixes - 1 <= len(asked) <= prefixes
    assert asked == sorted(asked)  # front to back, as the batch reads
    assert all(length < 300 * 60 for _, length in asked)
