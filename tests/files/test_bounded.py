"""read_capped: a size cap checked before reading when it can be, and on what is read always."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from auditor.files.bounded import FileTooLargeError, NotRegularFileError, read_capped
from auditor.policy import Policy
from auditor.sources import BitwardenInventory, KeePassInventory, SourceError, SourceOptions
from auditor.sources.delimited import MAX_SHEET_BYTES

AS_OF = date(2026, 11, 22)


def test_a_small_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "small"
    path.write_bytes(b"x" * 10)
    assert read_capped(path, 10) == b"x" * 10


def test_a_huge_sparse_file_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge"
    with path.open("wb") as handle:
        handle.truncate(300 * 2**20)  # 300 MiB that take no disk, and no time unless read
    with pytest.raises(FileTooLargeError) as raised:
        read_capped(path, 2**20)
    assert raised.value.size == 300 * 2**20


def _fifo_writer(path: Path, size: int) -> threading.Thread:
    def write() -> None:
        # The reader stops at its cap and closes the pipe: the rest is refused.
        with contextlib.suppress(BrokenPipeError), path.open("wb") as fifo:
            fifo.write(b"{" * size)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return writer


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_pipe_is_read_only_up_to_the_cap(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = _fifo_writer(fifo, 64 * 1024)
    with pytest.raises(FileTooLargeError):
        read_capped(fifo, 1024)
    writer.join(timeout=5)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_regular_only_refuses_a_fifo_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "planted"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(NotRegularFileError):
        read_capped(fifo, 1024, regular_only=True)
    assert time.monotonic() - started < 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_bitwarden_export_through_a_pipe_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: Policy
) -> None:
    # `portal-audit audit <(bw export …)` hands a pipe, whose size stat() says is 0.
    from auditor.sources import bitwarden

    monkeypatch.setattr(bitwarden, "MAX_JSON_BYTES", 4096)
    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    writer = _fifo_writer(fifo, 256 * 1024)
    with pytest.raises(SourceError, match="larger than 4,096 bytes"):
        BitwardenInventory(fifo, SourceOptions()).load(policy, AS_OF)
    writer.join(timeout=5)


def test_a_huge_keepass_file_is_refused_unread(tmp_path: Path, policy: Policy) -> None:
    from auditor.sources import keepass

    path = tmp_path / "big.kdbx"
    with path.open("wb") as handle:
        handle.truncate(keepass.MAX_KDBX_BYTES + 1)  # sparse: no disk, but 256 MiB if read
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match="too large"):
            KeePassInventory(path, SourceOptions()).load(policy, AS_OF)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


def test_a_huge_csv_inventory_is_refused_unread(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    path = tmp_path / "inventaire.csv"
    with path.open("wb") as handle:
        handle.write(b"practice_id;username;portal;password\n")
        handle.truncate(MAX_SHEET_BYTES + 1)  # sparse: 256 MiB of NULs if it were read
    tracemalloc.start()
    try:
        code, _, err = run_cli("audit", str(path), "--no-breach-check", "--no-history")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2
    assert f"{path}: larger than 268,435,456 bytes, more than any inventory" in err
    assert peak < 32 * 2**20


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_practice_map_through_an_endless_pipe_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.sources import delimited, load_practice_map

    monkeypatch.setattr(delimited, "MAX_SHEET_BYTES", 4096)
    fifo = tmp_path / "map.csv"
    os.mkfifo(fifo)
    writer = _fifo_writer(fifo, 256 * 1024)
    with pytest.raises(SourceError, match="larger than 4,096 bytes, more than any practice map"):
        load_practice_map(fifo)
    writer.join(timeout=5)
