"""Offline lookups in a generated 20 M-line corpus: warm, cold, and a linear pass as baseline."""

from __future__ import annotations

import ctypes
import mmap
import os
import random
import time
from pathlib import Path
from typing import Any

from auditor.hibp import PrefixDirectory, SortedHashFile
from benchmarks.common import DATA

LINES = 20_000_000
PREFIXES = 16**5
FOLDER_PREFIXES = 4096
"""The per-prefix layout is written for prefixes 00000–00FFF only: 4,096 files."""
QUERIES = 10_000
_COUNTS = [b"1", b"1", b"2", b"3", b"5", b"12", b"40", b"310", b"7021", b"52311"]


def corpus_paths(lines: int) -> tuple[Path, Path, Path]:
    """(single file, per-prefix folder, query file) for a corpus of ``lines`` lines."""
    stem = DATA / f"pwned-{lines}"
    return (
        stem.with_suffix(".txt"),
        stem.with_name(stem.name + "-ranges"),
        stem.with_suffix(".queries"),
    )


def generate(lines: int = LINES, seed: int = 20) -> tuple[Path, Path, Path]:
    """Write the corpus in the downloader's format (``HASH:COUNT``, CRLF, sorted) once."""
    single, folder, queries = corpus_paths(lines)
    if single.exists() and queries.exists() and folder.exists():
        return single, folder, queries
    DATA.mkdir(parents=True, exist_ok=True)
    folder.mkdir(exist_ok=True)
    rng = random.Random(seed)
    present: list[str] = []
    base, extra = divmod(lines, PREFIXES)
    temporary = single.with_suffix(".tmp")
    with temporary.open("wb") as out:
        for number in range(PREFIXES):
            prefix = f"{number:05X}".encode()
            size = base + (1 if number < extra else 0)
            digits = rng.randbytes(18 * size).hex().upper().encode()
            suffixes = sorted(digits[36 * n : 36 * n + 35] for n in range(size))
            counts = rng.choices(_COUNTS, k=size)
            block = b"".join(
                prefix + s + b":" + c + b"\r\n" for s, c in zip(suffixes, counts, strict=True)
            )
            out.write(block)
            if number < FOLDER_PREFIXES:
                body = b"".join(
                    s + b":" + c + b"\r\n" for s, c in zip(suffixes, counts, strict=True)
                )
                (folder / f"{prefix.decode()}.txt").write_bytes(body)
            if number % 200 == 0 and size:
                present.append((prefix + suffixes[number % size]).decode())
    temporary.replace(single)
    absent = [f"{rng.getrandbits(160):040X}" for _ in range(QUERIES - len(present[: QUERIES // 2]))]
    chosen = present[: QUERIES // 2] + absent
    rng.shuffle(chosen)
    queries.write_text("\n".join(chosen))
    return single, folder, queries


def _evict(path: Path) -> None:
    """Drop the file's pages from the page cache (clean pages of an unmapped file)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def resident_bytes(path: Path) -> int:
    """How much of the file is in the page cache now (mincore on a fresh mapping)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_long,
    ]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size = path.stat().st_size
    page = mmap.PAGESIZE
    descriptor = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, descriptor, 0)
        if address in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap failed")
        try:
            vector = (ctypes.c_ubyte * ((size + page - 1) // page))()
            if libc.mincore(ctypes.c_void_p(address), size, vector) != 0:
                raise OSError(ctypes.get_errno(), "mincore failed")
            return sum(1 for flag in bytes(vector) if flag & 1) * page
        finally:
            libc.munmap(ctypes.c_void_p(address), size)
    finally:
        os.close(descriptor)


def _warm(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def linear_pass(path: Path, queries: set[str]) -> tuple[float, dict[str, int]]:
    """The KeePassXC way: read every line once, keep those whose hash is asked for."""
    wanted = {query.encode() for query in queries}
    found: dict[str, int] = {}
    start = time.perf_counter()
    with path.open("rb") as handle:
        for line in handle:
            if line[:40] in wanted:
                found[line[:40].decode()] = int(line[41:])
    return time.perf_counter() - start, found


def run(lines: int = LINES) -> dict[str, Any]:
    """Warm and cold batches of 10,000 lookups, the linear baseline, and the per-prefix layout."""
    start = time.perf_counter()
    single, folder, query_file = generate(lines)
    generated = time.perf_counter() - start
    queries = query_file.read_text().split()
    size = single.stat().st_size

    # Cold: nothing of the file cached, then one batch of 10,000 lookups.
    _evict(single)
    resident_before = resident_bytes(single)
    begin = time.perf_counter()
    with SortedHashFile(single) as corpus:
        cold_results = corpus.check(queries)
    cold_seconds = time.perf_counter() - begin
    read_cold = resident_bytes(single) - resident_before

    # Warm: the whole file in the page cache.
    _warm(single)
    with SortedHashFile(single) as corpus:
        timings = []
        for _ in range(3):
            begin = time.perf_counter()
            warm_results = corpus.check(queries)
            timings.append(time.perf_counter() - begin)
    warm_seconds = min(timings)

    linear_seconds, linear_found = linear_pass(single, set(queries))
    breached = {
        digest for digest, outcome in warm_results.items() if type(outcome).__name__ == "Pwned"
    }
    if breached != set(linear_found) or cold_results != warm_results:
        raise RuntimeError("the corpus lookups and the linear pass disagree")

    folder_queries = [q for q in queries if int(q[:5], 16) < FOLDER_PREFIXES]
    folder_queries += [
        f"{n:05X}{random.Random(n).getrandbits(140):035X}" for n in range(0, FOLDER_PREFIXES, 2)
    ]
    with PrefixDirectory(folder) as by_prefix:
        by_prefix.check(folder_queries)  # warm
        begin = time.perf_counter()
        by_prefix.check(folder_queries)
        folder_seconds = time.perf_counter() - begin

    result = {
        "lines": lines,
        "file_bytes": size,
        "generation_seconds": round(generated, 1),
        "queries": len(queries),
        "found": len(breached),
        "warm_seconds": round(warm_seconds, 4),
        "warm_lookups_per_second": round(len(queries) / warm_seconds),
        "cold_seconds": round(cold_seconds, 3),
        "cold_lookups_per_second": round(len(queries) / cold_seconds),
        "cold_bytes_read": read_cold,
        "cold_fraction_of_file": round(read_cold / size, 4),
        "eviction_effective": resident_before < size // 100,
        "linear_pass_seconds": round(linear_seconds, 2),
        "ratio_to_linear_pass": round(linear_seconds / warm_seconds),
        "folder_prefixes": FOLDER_PREFIXES,
        "folder_queries": len(folder_queries),
        "folder_lookups_per_second": round(len(folder_queries) / folder_seconds),
    }
    print(
        f"  offline {lines:,} lines: {result['warm_lookups_per_second']:,} lookups/s warm, "
        f"{result['cold_lookups_per_second']:,} cold reading {read_cold / size:.1%} of the file, "
        f"{result['ratio_to_linear_pass']}x the linear pass",
        flush=True,
    )
    return result
