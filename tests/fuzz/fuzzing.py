"""The property every parser must hold, its bounds, a bounded worker, and the input mutations."""

from __future__ import annotations

import functools
import json
import os
import select
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from auditor.errors import AuditorError
from auditor.hibp import Clean, LookupResult, Pwned, Unknown
from auditor.models import Account
from auditor.policy import Policy, load_policy
from auditor.sources import LoadResult, SourceOptions, open_inventory

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AS_OF = date(2026, 11, 22)
SECRET = "exemple"
"""The password of the bundled encrypted examples (examples/make_vault_examples.py)."""

PROFILE_VARIABLE = "PORTAL_AUDIT_FUZZ"
"""``PORTAL_AUDIT_FUZZ=deep`` selects the long profile; unset (or ``ci``) the fast one."""
PROFILE = os.environ.get(PROFILE_VARIABLE, "ci") or "ci"
EXAMPLE_SECONDS = 5.0
"""Wall-clock bound of one example: a real inventory of a few hundred rows loads in
well under a second; anything near this is a hang or a cost bomb."""
PARSER_MEMORY_MIB = 64
"""Peak Python allocation of one example of the pure-Python parsers (CSV, TOML, range
answers, corpus lines): the generated inputs are a few kilobytes, so an example that
needs more is amplifying its input."""
BOMB_MEMORY_MIB = 1024
"""Address space a bomb-prone parser (XLSX, KDBX, Bitwarden) may add to its worker: the
Argon2 memory of Bitwarden's and KeePassXC's defaults (64 MiB) many times over, and
half of the 2.2 GB that a 2 MB workbook used to take (issue 13)."""
DEEP_TEST_SECONDS = 1800
"""pytest-timeout of one fuzz test in the deep profile (thousands of examples each)."""
SANE_COUNT = 10**12
"""Above any real breach count (the most common password is seen some 10**8 times):
an outcome past it comes from a count that should have made the answer unknown."""


@functools.cache
def builtin_policy() -> Policy:
    """The built-in policy, loaded once (a module value, so Hypothesis does not print it)."""
    return load_policy()


# ---------------------------------------------------------------------------
# The property


def names_file(exc: AuditorError, path: Path | str) -> None:
    """An expected refusal must say which file it is about."""
    assert str(path) in str(exc), f"{type(exc).__name__} does not name {path}: {exc}"


def check_load_result(result: object, path: Path | str) -> LoadResult:
    """What a source returns: accounts and problems, each of them placed in ``path``."""
    assert isinstance(result, LoadResult), type(result)
    for account in result.accounts:
        assert isinstance(account, Account), type(account)
        assert account.origin.path.startswith(str(path)), account.origin
    for problem in result.problems:
        # A workbook's problems are placed in "file (sheet)".
        assert problem.path.startswith(str(path)), problem
    return result


def load_or_refuse(path: Path, options: SourceOptions | None = None) -> LoadResult | AuditorError:
    """Load ``path`` in this process: a valid result, or an ``AuditorError`` naming it.

    Any other exception propagates, so Hypothesis reports it with its traceback.
    """
    try:
        result = open_inventory(path, options).load(builtin_policy(), AS_OF)
    except AuditorError as exc:
        names_file(exc, path)
        return exc
    return check_load_result(result, path)


def check_outcomes(asked: list[str], results: object) -> None:
    """One outcome per hash asked: ``Pwned`` with a positive sane count, ``Clean`` or ``Unknown``."""
    assert isinstance(results, dict) or hasattr(results, "items"), type(results)
    assert set(results) == set(asked), "an outcome for every hash, and only those"  # type: ignore[arg-type]
    for digest in asked:
        outcome: LookupResult = results[digest]  # type: ignore[index]
        assert isinstance(outcome, Pwned | Clean | Unknown), type(outcome)
        if isinstance(outcome, Pwned):
            assert type(outcome.count) is int, type(outcome.count)
            assert 0 < outcome.count <= SANE_COUNT, "a breach count must be positive and sane"
        if isinstance(outcome, Unknown):
            assert isinstance(outcome.reason, str) and outcome.reason


@contextmanager
def memory_bound(limit_mib: int = PARSER_MEMORY_MIB) -> Iterator[None]:
    """Fail when the block's peak Python allocation passes ``limit_mib``."""
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= limit_mib * 2**20, f"peak allocation {peak / 2**20:.0f} MiB > {limit_mib} MiB"


# ---------------------------------------------------------------------------
# A worker process with bounded address space and time, for the bomb-prone parsers

WORKER_SCRIPT = Path(__file__).with_name("bounded_worker.py")


class BoundedWorker:
    """A long-lived child that loads inventories under ``RLIMIT_AS``, one at a time.

    A load that passes ``EXAMPLE_SECONDS`` gets the child killed (and a fresh one
    started for the next example); one that passes the memory bound ends in a
    ``MemoryError`` the child reports, or in the child's death.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, str(WORKER_SCRIPT), str(BOMB_MEMORY_MIB)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
        )
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.strip() == "ready", f"fuzz worker did not start: {ready!r}"
        return process

    def load(self, path: Path, secret: str | None = None) -> dict[str, Any]:
        """The child's account of loading ``path``; fails the example on a hang or a death."""
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps({"path": str(path), "secret": secret}) + "\n")
        process.stdin.flush()
        readable, _, _ = select.select([process.stdout], [], [], EXAMPLE_SECONDS)
        if not readable:
            self.stop()
            pytest.fail(f"loading {path.name} took longer than {EXAMPLE_SECONDS} s")
        line = process.stdout.readline()
        if not line:
            code = process.wait(timeout=5)
            self.stop()
            pytest.fail(f"the worker died loading {path.name} (exit {code}): memory bound?")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(timeout=5)
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()


def budget(ci: int, **overrides: Any) -> settings:
    """Fewer examples in the CI profile for a test whose examples cost a tenth of a second."""
    return settings(max_examples=ci, **overrides) if PROFILE == "ci" else settings(**overrides)


def check_in_worker(
    worker: BoundedWorker, path: Path, data: bytes, secret: str | None = None
) -> None:
    """Write ``data`` to ``path``, have the bounded worker load it, and hold the property."""
    path.write_bytes(data)
    check_worker_answer(worker.load(path, secret), path)


def check_worker_answer(answer: dict[str, Any], path: Path) -> None:
    """The property, as ``bounded_worker.py`` saw it: a valid result or an AuditorError naming the file."""
    status = answer["status"]
    if status == "crash":
        pytest.fail(
            f"{answer['type']} raised at {answer['where']} (not an AuditorError)\n{answer['frames']}"
        )
    if status == "refused":
        assert str(path) in answer["message"], (
            f"{answer['type']} does not name {path}: {answer['message']}"
        )
        assert not answer["out_of_memory"], (
            f"refused only because an allocation passed the {BOMB_MEMORY_MIB} MiB bound: "
            f"{answer['message']}"
        )
        return
    assert status == "loaded", answer
    assert answer["problems_elsewhere"] == [], answer
    assert answer["foreign_accounts"] == [], answer


# ---------------------------------------------------------------------------
# Mutations of seed files

CONTROL = [
    b"\x00",
    b"\x0b",
    b"\x0c",
    b"\x1b]52;c;",
    b"\x1b[2J",
    b"\r",
    b"\n",
    b"\r\n",
    b'"',
    b"'",
    b'""',
    b"\xc2\x85",  # U+0085 NEXT LINE in UTF-8
    b"\xe2\x80\xa8",  # U+2028 LINE SEPARATOR
    b"\xef\xbb\xbf",  # a BOM in the middle
    b"\xff\xfe",
    b"\x85",
    b"\x1a",
]
HUGE = [
    b"9" * 5000,
    b"-1",
    b"0",
    b"1e999",
    b"18446744073709551616",
    b"99999999999999999999",
    b"NaN",
    b"[" * 3000,
    b"{" * 3000,
    b"%s%n",
    b"\\u0000",
]


def _position(draw: st.DrawFn, data: bytearray, end: bool = True) -> int:
    return draw(st.integers(0, len(data) if end else max(0, len(data) - 1)))


def _flip(draw: st.DrawFn, data: bytearray) -> bytearray:
    if data:
        at = _position(draw, data, end=False)
        data[at] ^= 1 << draw(st.integers(0, 7))
    return data


def _set_byte(draw: st.DrawFn, data: bytearray) -> bytearray:
    if data:
        data[_position(draw, data, end=False)] = draw(st.integers(0, 255))
    return data


def _insert(draw: st.DrawFn, data: bytearray) -> bytearray:
    at = _position(draw, data)
    piece = draw(
        st.one_of(
            st.sampled_from(CONTROL), st.sampled_from(HUGE), st.binary(min_size=1, max_size=8)
        )
    )
    return data[:at] + piece + data[at:]


def _delete(draw: st.DrawFn, data: bytearray) -> bytearray:
    at = _position(draw, data)
    return data[:at] + data[at + draw(st.integers(1, 64)) :]


def _truncate(draw: st.DrawFn, data: bytearray) -> bytearray:
    return data[: _position(draw, data)]


def _duplicate(draw: st.DrawFn, data: bytearray) -> bytearray:
    at = _position(draw, data)
    length = draw(st.integers(1, 256))
    return data[:at] + data[at : at + length] * draw(st.integers(2, 4)) + data[at:]


def _lines(draw: st.DrawFn, data: bytearray) -> bytearray:
    lines = bytes(data).split(b"\n")
    if len(lines) < 2:
        return data
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    match draw(st.sampled_from(["swap", "duplicate", "drop", "splice"])):
        case "swap":
            lines[i], lines[j] = lines[j], lines[i]
        case "duplicate":
            lines.insert(j, lines[i])
        case "drop":
            del lines[i]
        case _:
            cut_i, cut_j = len(lines[i]) // 2, len(lines[j]) // 2
            lines[i] = lines[i][:cut_i] + lines[j][cut_j:]
    return bytearray(b"\n".join(lines))


def _swap_columns(draw: st.DrawFn, data: bytearray) -> bytearray:
    delimiter = draw(st.sampled_from([b";", b",", b"\t"]))
    i, j = draw(st.integers(0, 11)), draw(st.integers(0, 11))
    out = []
    for line in bytes(data).split(b"\n"):
        cells = line.split(delimiter)
        if max(i, j) < len(cells):
            cells[i], cells[j] = cells[j], cells[i]
        out.append(delimiter.join(cells))
    return bytearray(b"\n".join(out))


MUTATIONS: list[Callable[[st.DrawFn, bytearray], bytearray]] = [
    _flip,
    _set_byte,
    _insert,
    _delete,
    _truncate,
    _duplicate,
    _lines,
    _swap_columns,
]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes, max_mutations: int = 4) -> bytes:
    """``seed`` after one to ``max_mutations`` byte, line and column mutations."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, max_mutations))):
        data = draw(st.sampled_from(MUTATIONS))(draw, data)
    return bytes(data)


def seed(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()
