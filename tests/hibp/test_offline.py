from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from auditor.hibp import (
    Clean,
    CorpusError,
    PrefixDirectory,
    Pwned,
    SortedHashFile,
    Unknown,
    open_corpus,
)


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


BREACHED = {"password": 9_545_824, "soleil": 265_871, "Pharmacie2024!": 14}


def corpus_lines(filler: int = 3000) -> dict[str, int]:
    """Random lines and the breached ones, spanning prefixes 00000 to FFFFF like a whole corpus."""
    rng = random.Random(7)
    lines = {sha1(p): c for p, c in BREACHED.items()}
    lines.update({"00000" + "1" * 35: 2, "FFFFF" + "E" * 35: 3})
    while len(lines) < filler:
        lines[f"{rng.getrandbits(160):040X}"] = rng.randint(1, 99)
    return lines


def write_single(path: Path, lines: dict[str, int], newline: str = "\r\n") -> Path:
    path.write_text("".join(f"{h}:{c}{newline}" for h, c in sorted(lines.items())), newline="")
    return path


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_single_file_lookups(tmp_path: Path, newline: str) -> None:
    lines = corpus_lines()
    corpus = open_corpus(write_single(tmp_path / "pwned.txt", lines, newline))
    assert isinstance(corpus, SortedHashFile)
    absent = sha1("password")[:5] + "0" * 35  # its prefix has a line: truly absent
    queries = [sha1(p) for p in BREACHED] + [absent, sha1("not-in-corpus")]
    result = corpus.check(queries)
    assert [result[sha1(p)] for p in BREACHED] == [Pwned(c) for c in BREACHED.values()]
    assert result[absent] == Clean()
    # a prefix with no line at all is a gap in the corpus, not a clean password
    gap = result[sha1("not-in-corpus")]
    assert isinstance(gap, Unknown) and "looks incomplete" in gap.reason
    # every line is found, the first and last included
    assert all(corpus.lookup(h) == c for h, c in lines.items())
    # before the first line and after the last one
    assert "0" * 40 not in lines and "F" * 40 not in lines
    assert corpus.lookup("0" * 40) == 0
    assert corpus.lookup("F" * 40) == 0
    corpus.close()


def test_single_file_without_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "pwned.txt"
    lines = corpus_lines(50)
    path.write_text("\r\n".join(f"{h}:{c}" for h, c in sorted(lines.items())), newline="")
    with open_corpus(path) as corpus:
        last = max(lines)
        assert corpus.check([last]) == {last: Pwned(lines[last])}


def test_prefix_directory(tmp_path: Path) -> None:
    lines = corpus_lines(500)
    by_prefix: dict[str, list[str]] = {}
    for digest, count in sorted(lines.items()):
        by_prefix.setdefault(digest[:5], []).append(f"{digest[5:]}:{count}\r\n")
    for prefix, content in by_prefix.items():
        (tmp_path / f"{prefix}.txt").write_text("".join(content), newline="")
    corpus = open_corpus(tmp_path)
    assert isinstance(corpus, PrefixDirectory)
    missing = next(f"{n:05X}" for n in range(16**5) if f"{n:05X}" not in by_prefix) + "0" * 35
    absent_in_file = sha1("password")[:5] + "0" * 35
    result = corpus.check([sha1("password"), absent_in_file, missing])
    assert result[sha1("password")] == Pwned(BREACHED["password"])
    assert result[absent_in_file] == Clean()
    outcome = result[missing]
    assert isinstance(outcome, Unknown) and "missing" in outcome.reason


def test_ntlm_single_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ntlm.txt"
    path.write_text("8846F7EAEE8FB117AD06BDD830B7586C:9545824\r\n")
    with pytest.raises(CorpusError, match="NTLM"):
        open_corpus(path)


def test_ntlm_prefix_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "8846F.txt").write_text("7EAEE8FB117AD06BDD830B7586C:9545824\r\n")
    with pytest.raises(CorpusError, match="NTLM"):
        open_corpus(tmp_path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"hello world\n", "line 1"),
        (b"5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8:3\n", "upper-case"),
        (
            b"0000000000000000000000000000000000000001:3\n0000000000000000000000000000000000000002:",
            "last line",
        ),
    ],
)
def test_corrupt_single_files_are_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=expected):
        open_corpus(path)


def test_unsorted_file_is_refused(tmp_path: Path) -> None:
    lines = sorted(f"{h}:{c}\n" for h, c in corpus_lines(2000).items())
    lines.reverse()
    path = tmp_path / "unsorted.txt"
    path.write_text("".join(lines))
    with pytest.raises(CorpusError, match="not sorted"):
        open_corpus(path)


def test_damage_found_during_lookup_is_unknown(tmp_path: Path) -> None:
    lines = corpus_lines(3000)
    ordered = sorted(lines)
    victim = ordered[1234]
    text = "".join((f"{h}:XX\n" if h == victim else f"{h}:{lines[h]}\n") for h in ordered)
    path = tmp_path / "damaged.txt"
    path.write_text(text)
    with open_corpus(path) as corpus:
        outcome = corpus.check([victim])[victim]
        assert isinstance(outcome, Unknown) and "damaged" in outcome.reason
        healthy = ordered[10]
        assert corpus.check([healthy]) == {healthy: Pwned(lines[healthy])}


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"no XXXXX\.txt"):
        open_corpus(tmp_path)


def test_missing_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such"):
        open_corpus(tmp_path / "nope.txt")


def test_lookups_in_a_skewed_file_are_still_exact(tmp_path: Path) -> None:
    # Interpolation assumes uniform hashes; a clustered file must still work.
    rng = random.Random(3)
    lines = {f"00000{rng.getrandbits(140):035X}": n for n in range(1, 3000)}
    lines.update({f"FFFFF{rng.getrandbits(140):035X}": 7 for _ in range(5)})
    lines["8" * 40] = 5
    with open_corpus(write_single(tmp_path / "skewed.txt", lines)) as corpus:
        assert isinstance(corpus, SortedHashFile)
        assert all(corpus.lookup(h) == c for h, c in lines.items())
        assert corpus.lookup("00000" + "F" * 35) == 0
        with pytest.raises(CorpusError, match="no line for prefix 77777"):
            corpus.lookup("7" * 40)


@pytest.mark.parametrize("layout", ["single", "folder"])
def test_a_whole_range_is_read_from_either_layout(tmp_path: Path, layout: str) -> None:
    lines = corpus_lines(3000 if layout == "single" else 300)
    prefix = sha1("password")[:5]
    lines[prefix + "1" * 35] = 0  # a count-0 line is no breach
    if layout == "single":
        path = write_single(tmp_path / "pwned.txt", lines)
    else:
        path = tmp_path / "ranges"
        path.mkdir()
        bodies: dict[str, str] = {}
        for h, c in sorted(lines.items()):
            bodies[h[:5]] = bodies.get(h[:5], "") + f"{h[5:]}:{c}\r\n"
        for each, body in bodies.items():
            (path / f"{each}.txt").write_text(body)
    expected = {h[5:]: c for h, c in lines.items() if h.startswith(prefix) and c}
    with open_corpus(path) as corpus:
        assert corpus.range_of(prefix) == expected
        assert sha1("password")[5:] in expected
        if layout == "single":
            assert corpus.range_of("00000") == {
                h[5:]: c for h, c in lines.items() if h.startswith("00000")
            }
        else:
            covered = {h[:5] for h in lines}
            missing = next(f"{n:05X}" for n in range(16**5) if f"{n:05X}" not in covered)
            with pytest.raises(CorpusError, match="missing"):
                corpus.range_of(missing)


def test_a_range_longer_than_a_page_is_read_whole(tmp_path: Path) -> None:
    rng = random.Random(5)
    lines = corpus_lines(3000)
    crowded = {f"ABCDE{rng.getrandbits(140):035X}": n for n in range(1, 201)}
    lines.update(crowded)
    with open_corpus(write_single(tmp_path / "pwned.txt", lines)) as corpus:
        assert corpus.range_of("ABCDE") == {h[5:]: c for h, c in crowded.items()}
        assert all(corpus.lookup(h) == c for h, c in crowded.items())
