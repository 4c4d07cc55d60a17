"""The end-to-end benchmark's corpus lists a tenth of the inventory's passwords, still sorted."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from auditor.hibp import Pwned, SortedHashFile
from benchmarks.endtoend import breached_corpus


def _sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


def _corpus(path: Path, lines: int) -> Path:
    rng = random.Random(5)
    # The first and last prefixes present, as the reader checks of a whole corpus.
    ends = [f"00000{rng.getrandbits(140):035X}", f"FFFFF{rng.getrandbits(140):035X}"]
    hashes = sorted([*ends, *(f"{rng.getrandbits(160):040X}" for _ in range(lines - 2))])
    path.write_bytes(b"".join(f"{digest}:7\r\n".encode() for digest in hashes))
    return path


def test_the_breached_share_of_distinct_passwords_is_merged_in_sorted_and_found(
    tmp_path: Path,
) -> None:
    corpus = _corpus(tmp_path / "pwned.txt", 500)
    passwords = [f"Pharmacie{n}!" for n in range(40)] * 2  # each twice: 40 distinct

    merged = breached_corpus(corpus, passwords, 0.25)

    lines = merged.read_bytes().split(b"\r\n")[:-1]
    assert len(lines) == 500 + 10
    assert lines == sorted(lines)
    assert corpus.read_bytes().count(b"\r\n") == 500, "the generated corpus is left as it was"
    digests = [_sha1(password) for password in passwords[:40]]
    reader = SortedHashFile(merged)
    try:
        found = reader.check(digests)
    finally:
        reader.close()
    assert sum(isinstance(outcome, Pwned) for outcome in found.values()) == 10
    # (The others' prefixes are absent from so small a corpus: unknown, never clean.)
    assert merged.with_name(merged.name + ".idx").exists(), "indexed, as the audit reads it"


def test_the_same_inventory_gives_the_same_file_and_none_is_added_at_share_zero(
    tmp_path: Path,
) -> None:
    corpus = _corpus(tmp_path / "pwned.txt", 100)
    passwords = [f"Optique{n}" for n in range(30)]

    first = breached_corpus(corpus, passwords, 0.1)
    again = breached_corpus(corpus, list(reversed(passwords)), 0.1)

    assert first == again
    assert breached_corpus(corpus, passwords, 0) == corpus
