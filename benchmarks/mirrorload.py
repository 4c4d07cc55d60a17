"""``hibp serve`` under load: 64 clients on loopback asking padded ranges, from another process."""

from __future__ import annotations

import asyncio
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.hibp import HibpError, SortedHashFile
from auditor.hibp.rangefmt import Range
from benchmarks.common import DATA, REPO

LINES = 2**20
"""About a million lines, one per prefix: every padded answer is then almost all padding,
which is the mirror's hardest case (and a gap-free corpus, so every prefix answers 200)."""
CLIENTS = 64
"""Concurrent clients, each on its own keep-alive connection, as a group's audits at once."""
REQUESTS = 30_000
DURATION = 40.0
"""The run stops at ``REQUESTS`` answers or after ``DURATION`` seconds, whichever is first."""
CHECK_EVERY = 16
"""Every answer is checked for its status and line count; every 16th is parsed whole and its
real lines compared with the corpus (the load generator must not be what is measured)."""
BEFORE = 174.0
"""Requests per second ``hibp serve`` answered at 16 waitress threads before issue 17."""
TARGET = 5 * BEFORE
_COUNTS = [b"1", b"1", b"2", b"3", b"5", b"12", b"40", b"310", b"7021", b"52311"]
_URL = re.compile(r"on (http://127\.0\.0\.1:(\d+))/range/")


def corpus(lines: int = LINES, seed: int = 17) -> Path:
    """A sorted ``HASH:COUNT`` file of ``lines`` lines spread evenly over the prefixes, once."""
    path = DATA / f"mirror-{lines}.txt"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    base, extra = divmod(lines, 16**5)
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as out:
        for number in range(16**5):
            prefix = f"{number:05X}".encode()
            size = base + (1 if number < extra else 0)
            digits = rng.randbytes(18 * size).hex().upper().encode()
            suffixes = sorted(digits[36 * n : 36 * n + 35] for n in range(size))
            counts = rng.choices(_COUNTS, k=size)
            out.write(
                b"".join(
                    prefix + s + b":" + c + b"\r\n" for s, c in zip(suffixes, counts, strict=True)
                )
            )
    temporary.replace(path)
    return path


class _Server:
    """``portal-audit hibp serve`` in its own process; its stderr kept, its memory sampled."""

    def __init__(self, path: Path, threads: int | None) -> None:
        command = [sys.executable, "-m", "auditor", "hibp", "serve", "--corpus", str(path)]
        command += ["--port", "0", *(["--threads", str(threads)] if threads else [])]
        self.process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
        assert self.process.stderr is not None
        first = self.process.stderr.readline()
        match = _URL.search(first)
        if match is None:
            self.process.kill()
            raise RuntimeError(f"the mirror did not start: {first}")
        self.port = int(match[2])
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.peak_rss = 0
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def rss(self) -> int:
        try:
            pages = int(Path(f"/proc/{self.process.pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return 0
        return pages * 4096

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak_rss = max(self.peak_rss, self.rss())
            self._done.wait(0.1)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / 100

    def stop(self) -> None:
        self._done.set()
        self.process.send_signal(signal.SIGINT)  # Ctrl-C, as a person stops it
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self._reader.join(timeout=5)


@dataclass
class _Load:
    """What the clients share: the answers' latencies, what went wrong, what to check whole."""

    ends: float
    budget: int
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    checked: list[tuple[str, bytes]] = field(default_factory=list)


async def _client(port: int, prefixes: list[str], load: _Load) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while load.budget > 0 and time.perf_counter() < load.ends:
            load.budget -= 1
            prefix = prefixes[load.budget % len(prefixes)]
            request = (
                f"GET /range/{prefix} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Add-Padding: true\r\nUser-Agent: mirrorload\r\n\r\n"
            )
            start = time.perf_counter()
            writer.write(request.encode("ascii"))
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head)[1])  # type: ignore[index]
            body = await reader.readexactly(length)
            load.latencies.append(time.perf_counter() - start)
            if not head.startswith(b"HTTP/1.1 200"):
                load.failures.append(head.split(b"\r\n", 1)[0].decode("ascii", "replace"))
            elif not 800 <= body.count(b"\n") + 1 <= 1000:
                load.failures.append("not 800-1000 lines")
            elif load.budget % CHECK_EVERY == 0:
                load.checked.append((prefix, body))
    except (OSError, asyncio.IncompleteReadError, TypeError) as exc:
        load.failures.append(type(exc).__name__)
    finally:
        writer.close()


async def _load(port: int, prefixes: list[str], clients: int, requests: int, seconds: float) -> Any:
    start = time.perf_counter()
    load = _Load(ends=start + seconds, budget=requests)
    await asyncio.gather(*(_client(port, prefixes, load) for _ in range(clients)))
    return time.perf_counter() - start, load


def _invalid(path: Path, checked: list[tuple[str, bytes]]) -> int:
    """Answers whose real lines differ from the corpus's, or whose padding is not valid."""
    wrong = 0
    with SortedHashFile(path) as source:
        for prefix, body in checked:
            try:
                real = Range.parse(body.decode("ascii"), prefix).counts()
            except HibpError:
                wrong += 1
                continue
            lines = body.decode("ascii").split("\r\n")
            padding = [line[:35] for line in lines if line.endswith(":0")]
            collides = set(padding) & set(real)
            if real != source.range_of(prefix) or collides or lines != sorted(lines):
                wrong += 1
    return wrong


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run(
    lines: int = LINES,
    clients: int = CLIENTS,
    requests: int = REQUESTS,
    seconds: float = DURATION,
    threads: int | None = None,
) -> dict[str, Any]:
    """Rate, latency percentiles, errors, queue warnings and memory of ``hibp serve``."""
    path = corpus(lines)
    prefixes = [f"{n:05X}" for n in random.Random(3).sample(range(16**5), 50_000)]
    server = _Server(path, threads)
    try:
        cpu_before = server.cpu_seconds()
        elapsed, load = asyncio.run(_load(server.port, prefixes, clients, requests, seconds))
        latencies, failures, checked = load.latencies, load.failures, load.checked
        server_cpu = server.cpu_seconds() - cpu_before
        rss = server.rss()
    finally:
        server.stop()
    warnings = sum("Task queue depth" in line for line in server.lines)
    result = {
        "corpus_lines": lines,
        "clients": clients,
        "threads": threads,
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "before_requests_per_second": BEFORE,
        "ratio_to_before": round(len(latencies) / elapsed / BEFORE, 2),
        "latency_ms_p50": round(_percentile(latencies, 0.50) * 1000, 1),
        "latency_ms_p95": round(_percentile(latencies, 0.95) * 1000, 1),
        "latency_ms_p99": round(_percentile(latencies, 0.99) * 1000, 1),
        "errors": len(failures),
        "first_error": failures[0] if failures else None,
        "answers_checked_whole": len(checked),
        "answers_invalid": _invalid(path, checked),
        "queue_warnings": warnings,
        "server_stderr_lines": len(server.lines),
        "server_cpu_ms_per_request": round(server_cpu / max(1, len(latencies)) * 1000, 3),
        "server_rss_mib": round(rss / 2**20, 1),
        "server_peak_rss_mib": round(server.peak_rss / 2**20, 1),
    }
    print(
        f"  mirror, {clients} clients: {result['requests_per_second']:,}/s "
        f"({result['ratio_to_before']}x {BEFORE:g}/s), p50 {result['latency_ms_p50']} ms, "
        f"p99 {result['latency_ms_p99']} ms, {result['errors']} errors, "
        f"{result['answers_invalid']} invalid, {warnings} queue warnings, "
        f"{result['server_peak_rss_mib']} MiB",
        flush=True,
    )
    return result


if __name__ == "__main__":
    import json

    arguments = sys.argv[1:]
    print(json.dumps(run(threads=int(arguments[0]) if arguments else None), indent=2))
