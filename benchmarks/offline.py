"""Offline lookups in a generated 20 M-line corpus, warm and cold, side by side with the peers.

The readers compared, on the same sorted batch of 10,000 hashes, in one process and
interleaved round by round (the machine is shared: contention hits all alike):
- ``indexed``: ``SortedHashFile`` with its ``CORPUS.idx`` (one read per lookup);
- ``search``: ``SortedHashFile`` without an index (its interpolation search);
- ``pwnedpasswords-offline``: the PyPI package's mmap bisection (``bench`` extra);
- ``mmap bisect``: a hand-written binary search over the mapped file.
Warm batches are compared by CPU time (they only compute; on a shared machine wall time
also counts waiting for a core), cold ones by wall time. Cold runs drop the page cache
first (``/proc/sys/vm/drop_caches`` as root, else ``posix_fadvise(DONTNEED)`` on the
corpus and its index) and open the reader inside the timing. A linear pass (KeePassXC's
way) is the baseline of the ratio to a scan; lookups per second are wall-clock.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.hibp import PrefixDirectory, Pwned, SortedHashFile
from auditor.hibp.index import index_path
from auditor.hibp.offline import build_index
from benchmarks.common import DATA

LINES = 20_000_000
PREFIXES = 16**5
FOLDER_PREFIXES = 4096
"""The per-prefix layout is written for prefixes 00000–00FFF only: 4,096 files."""
QUERIES = 10_000
WARM_ROUNDS = 5
COLD_ROUNDS = 3
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


def drop_caches(*paths: Path) -> str:
    """Empty the page cache: all of it as root, else these files' pages; says which was used."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        for path in paths:
            if path.exists():
                _evict(path)
        return "posix_fadvise(POSIX_FADV_DONTNEED) on the corpus and its index"
    return "echo 3 > /proc/sys/vm/drop_caches"


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


class MmapBisect:
    """The hand-written peer: a binary search over the mapped file, back to each line's start."""

    def __init__(self, path: Path) -> None:
        self._handle = path.open("rb")
        self._data = mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ)
        self._size = len(self._data)

    def count(self, digest: bytes) -> int:
        data, low, high = (
            self._data,
            0,
            self._size,
        )  # low is a line start; the line is in [low, high)
        while low < high:
            start = max(data.rfind(b"\n", 0, (low + high) // 2) + 1, low)
            key = data[start : start + 40]
            if key < digest:
                end = data.find(b"\n", start)
                low = self._size if end < 0 else end + 1
            elif key > digest:
                high = start
            else:
                end = data.find(b"\n", start)
                return int(data[start + 41 : None if end < 0 else end])
        return 0

    def close(self) -> None:
        self._data.close()
        self._handle.close()


Batch = Callable[[Path, list[str]], set[str]]
"""Open a reader, look every hash up, close it: the hashes found breached."""


def _indexed(path: Path, queries: list[str]) -> set[str]:
    with SortedHashFile(path) as corpus:
        if not corpus.indexed:
            raise RuntimeError("the index was not used")
        found = corpus.check(queries)
    return {digest for digest, outcome in found.items() if isinstance(outcome, Pwned)}


def _search(path: Path, queries: list[str]) -> set[str]:
    with SortedHashFile(path, use_index=False) as corpus:
        found = corpus.check(queries)
    return {digest for digest, outcome in found.items() if isinstance(outcome, Pwned)}


def _pwnedpasswords_offline(path: Path, queries: list[str]) -> set[str]:
    from pwnedpasswords_offline import PwnedPasswordsOfflineChecker

    with PwnedPasswordsOfflineChecker(path, bloom_file=None) as checker:
        return {digest for digest in queries if checker.lookup_hash(digest)}


def _mmap_bisect(path: Path, queries: list[str]) -> set[str]:
    peer = MmapBisect(path)
    try:
        return {digest for digest in queries if peer.count(digest.encode())}
    finally:
        peer.close()


READERS: dict[str, Batch] = {
    "indexed": _indexed,
    "search": _search,
    "pwnedpasswords-offline": _pwnedpasswords_offline,
    "mmap bisect": _mmap_bisect,
}
PEERS = ("pwnedpasswords-offline", "mmap bisect")


def side_by_side(
    path: Path, queries: list[str], rounds: int, before: Callable[[], object] | None = None
) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds of each reader's batch, round by round, the order turned each round."""
    names = list(READERS)
    seconds: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in names}
    answers: dict[str, set[str]] = {}
    for round_number in range(rounds):
        turned = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in turned:
            if before is not None:
                before()
            wall, cpu = time.perf_counter(), time.process_time()
            answers[name] = READERS[name](path, queries)
            seconds[name]["cpu"].append(time.process_time() - cpu)
            seconds[name]["wall"].append(time.perf_counter() - wall)
    if len({frozenset(found) for found in answers.values()}) != 1:
        raise RuntimeError(f"the readers disagree: { ({n: len(f) for n, f in answers.items()}) }")
    return seconds


def _ratios(seconds: dict[str, dict[str, list[float]]], clock: str) -> dict[str, Any]:
    """Each reader's best batch by ``clock`` (wall or cpu), and the ratios to the best peer."""
    best = {name: min(times[clock]) for name, times in seconds.items()}
    peer = min(PEERS, key=lambda name: best[name])
    return {
        "clock": clock,
        "seconds": {name: round(value, 4) for name, value in best.items()},
        "all_seconds": {
            name: {kind: [round(t, 4) for t in values] for kind, values in times.items()}
            for name, times in seconds.items()
        },
        "best_peer": peer,
        "ratio_to_best_peer": round(best[peer] / best["indexed"], 2),
        "search_ratio_to_best_peer": round(best[peer] / best["search"], 2),
    }


def run(lines: int = LINES) -> dict[str, Any]:
    """Warm and cold batches of 10,000 lookups by every reader, the linear baseline, the folder."""
    start = time.perf_counter()
    single, folder, query_file = generate(lines)
    generated = time.perf_counter() - start
    queries = sorted(query_file.read_text().split())
    size = single.stat().st_size
    begin = time.perf_counter()
    build_index(single)
    index_seconds = time.perf_counter() - begin
    sidecar = index_path(single)

    # Cold: the page cache emptied before each batch; the reader opened inside the timing.
    method = drop_caches(single, sidecar)
    resident_before = resident_bytes(single)
    with SortedHashFile(single) as corpus:
        corpus.check(queries)
    read_cold = resident_bytes(single) - resident_before
    evicting = side_by_side(single, queries, COLD_ROUNDS, lambda: drop_caches(single, sidecar))
    cold = _ratios(evicting, "wall")  # waiting for the disk is what a cold batch measures

    # Warm: the whole file in the page cache.
    _warm(single)
    _warm(sidecar)
    # Warm batches only compute: their CPU time, which a shared machine's other work does not
    # inflate as it does wall time (a process waiting for a core); wall time is kept too.
    warm = _ratios(side_by_side(single, queries, WARM_ROUNDS), "cpu")

    linear_seconds, linear_found = linear_pass(single, set(queries))
    breached = _indexed(single, queries)
    if breached != set(linear_found):
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

    warm_seconds = min(warm["all_seconds"]["indexed"]["wall"])
    cold_seconds = cold["seconds"]["indexed"]
    result = {
        "lines": lines,
        "file_bytes": size,
        "generation_seconds": round(generated, 1),
        "index_seconds": round(index_seconds, 2),
        "queries": len(queries),
        "found": len(breached),
        "warm_seconds": warm_seconds,
        "warm_lookups_per_second": round(len(queries) / warm_seconds),
        "search_warm_lookups_per_second": round(
            len(queries) / min(warm["all_seconds"]["search"]["wall"])
        ),
        "cold_seconds": cold_seconds,
        "cold_lookups_per_second": round(len(queries) / cold_seconds),
        "cold_bytes_read": read_cold,
        "cold_fraction_of_file": round(read_cold / size, 4),
        "eviction": method,
        "eviction_effective": resident_before < size // 100,
        "warm": warm,
        "cold": cold,
        "linear_pass_seconds": round(linear_seconds, 2),
        "ratio_to_linear_pass": round(linear_seconds / warm_seconds),
        "folder_prefixes": FOLDER_PREFIXES,
        "folder_queries": len(folder_queries),
        "folder_lookups_per_second": round(len(folder_queries) / folder_seconds),
        "load": os.getloadavg()[0],
    }
    print(
        f"  offline {lines:,} lines: {result['warm_lookups_per_second']:,} lookups/s warm "
        f"({warm['ratio_to_best_peer']}x {warm['best_peer']}), "
        f"{result['cold_lookups_per_second']:,} cold ({cold['ratio_to_best_peer']}x "
        f"{cold['best_peer']}, {method}), {result['ratio_to_linear_pass']}x the linear pass",
        flush=True,
    )
    return result
