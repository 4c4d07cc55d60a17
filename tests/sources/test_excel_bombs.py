"""Hostile workbooks: zip bombs, lying sizes, over-long cells and rows past Excel's limits."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from auditor.i18n import machine_english
from auditor.policy import Policy
from auditor.sources import SourceError, excel, open_inventory

english = machine_english().text

AS_OF = date(2026, 11, 22)
SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["FINESS", "Officine", "Portail", "Identifiant", "Titulaire", "Mot de passe"]
ROW = [750056780, "Pharmacie du Centre", "Viamedis", "jdupont", "Jean", "Xk9#mPq2vL!z"]


class _Bits:
    """A raw DEFLATE stream written by hand with the fixed Huffman codes (RFC 1951, 3.2.6)."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def put(self, value: int, count: int) -> None:
        self.acc |= value << self.count
        self.count += count
        while self.count >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.count -= 8

    def code(self, code: int, count: int) -> None:  # Huffman codes go most significant bit first
        self.put(int(f"{code:0{count}b}"[::-1], 2), count)

    def literal(self, byte: int) -> None:
        if byte < 144:
            self.code(0x30 + byte, 8)
        else:
            self.code(0x190 + byte - 144, 9)

    def repeat(self) -> None:  # length 258 (code 285), distance 1 (code 0): 13 bits
        self.code(0b11000101, 8)
        self.code(0, 5)


def deflate_run(prefix: bytes, byte: int, count: int, suffix: bytes) -> tuple[bytes, int]:
    """``prefix + bytes([byte]) * count + suffix`` compressed about 1,000:1, and its CRC-32."""
    bits = _Bits()
    bits.put(1, 1)  # the last block
    bits.put(1, 2)  # fixed Huffman codes
    for value in prefix:
        bits.literal(value)
    bits.literal(byte)
    repeats, rest = divmod(count - 1, 258)
    while repeats and bits.count:
        bits.repeat()
        repeats -= 1
    if repeats >= 8:  # eight repeats are 104 bits: 13 whole bytes, tiled instead of written
        unit = _Bits()
        for _ in range(8):
            unit.repeat()
        bits.out += bytes(unit.out) * (repeats // 8)
        repeats %= 8
    for _ in range(repeats):
        bits.repeat()
    for value in bytes([byte]) * rest + suffix:
        bits.literal(value)
    bits.code(0, 7)  # end of block
    bits.put(0, 7)
    crc = zlib.crc32(prefix)
    chunk = bytes([byte]) * (16 << 20)
    for _ in range(count // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(bytes([byte]) * (count % len(chunk)), crc)
    return bytes(bits.out), zlib.crc32(suffix, crc)


def write_zip(path: Path, members: dict[str, tuple[bytes, int, int]]) -> Path:
    """A zip of already deflated members: name → (data, CRC-32, size declared)."""
    out = io.BytesIO()
    directory = b""
    for name, (data, crc, size) in members.items():
        offset = out.tell()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(data), size)
        out.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name.encode())
        out.write(data)
        directory += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fields
            + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset)
            + name.encode()
        )
    start = out.tell()
    out.write(directory)
    count = len(members)
    out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, count, count, len(directory), start, 0))
    path.write_bytes(out.getvalue())
    return path


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def workbook_with(
    path: Path, sheet: bytes | None = None, rows: list[list[object]] | None = None
) -> Path:
    """A real workbook, optionally with its first sheet's XML replaced."""
    book = Workbook()
    for row in rows or [HEADER, ROW]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    members = {}
    with zipfile.ZipFile(buffer) as archive:
        for info in archive.infolist():
            data = sheet if info.filename == SHEET and sheet is not None else archive.read(info)
            members[info.filename] = (_deflate(data), zlib.crc32(data), len(data))
    return write_zip(path, members)


def bomb(path: Path, *, byte: int, count: int, cell: bool) -> Path:
    """A workbook whose sheet holds ``count`` copies of ``byte``: between rows, or in one cell."""
    workbook_with(path)
    with zipfile.ZipFile(path) as archive:
        original = archive.read(SHEET)
        members = {
            info.filename: (_deflate(archive.read(info)), info.CRC, info.file_size)
            for info in archive.infolist()
        }
    end = original.index(b"</sheetData>")
    prefix = original[:end] + (b'<row r="3"><c r="A3" t="inlineStr"><is><t>' if cell else b"")
    suffix = (b"</t></is></c></row>" if cell else b"") + original[end:]
    data, crc = deflate_run(prefix, byte, count, suffix)
    members[SHEET] = (data, crc, len(prefix) + count + len(suffix))
    return write_zip(path, members)


def load(path: Path, policy: Policy):  # type: ignore[no-untyped-def]
    return open_inventory(path).load(policy, AS_OF)


@pytest.mark.parametrize(
    ("byte", "count", "cell", "mib"),
    [(0x20, 2 << 30, False, "2,048"), (ord("A"), 1 << 30, True, "1,024")],
    ids=["2GiB-of-whitespace", "1GiB-cell"],
)
def test_a_real_size_zip_bomb_is_refused_from_its_directory(
    byte: int, count: int, cell: bool, mib: str, tmp_path: Path, policy: Policy
) -> None:
    path = bomb(tmp_path / "inventaire.xlsx", byte=byte, count=count, cell=cell)
    assert path.stat().st_size < 16 << 20  # fixed Huffman codes: about 160:1
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(SourceError) as raised:
            load(path, policy)
        elapsed = time.monotonic() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1
    assert peak < 16 << 20
    assert str(raised.value) == (
        f"{path}: the workbook would unpack to {mib} MiB, more than 256 MiB; "
        "not an inventory (a zip bomb?)"
    )
    assert "empty" not in str(raised.value)


def test_a_smaller_bomb_is_refused_under_lowered_caps(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bomb(tmp_path / "inventaire.xlsx", byte=0x20, count=8 << 20, cell=False)
    monkeypatch.setattr(excel, "MAX_UNPACKED_BYTES", 4 << 20)
    with pytest.raises(SourceError, match=r"would unpack to \d+ MiB, more than 4 MiB"):
        load(path, policy)


def test_too_many_members_are_refused(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workbook_with(tmp_path / "inventaire.xlsx")
    monkeypatch.setattr(excel, "MAX_MEMBERS", 3)
    with pytest.raises(SourceError, match=r"the workbook holds \d+ files, more than 3"):
        load(path, policy)


def test_a_member_that_lies_about_its_size_is_cut_there_and_refused(
    tmp_path: Path, policy: Policy
) -> None:
    # The directory says 2 KiB; the stream unpacks to 64 MiB. zipfile stops at the declared size.
    path = bomb(tmp_path / "inventaire.xlsx", byte=0x20, count=64 << 20, cell=False)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        real = archive.getinfo(SHEET).file_size
    raw = raw.replace(struct.pack("<I", real), struct.pack("<I", 2048))
    path.write_bytes(bytes(raw))
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match="damaged"):
            load(path, policy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


def test_a_cell_longer_than_excel_allows_is_a_row_problem_never_quoted(
    tmp_path: Path, policy: Policy
) -> None:
    long = "Zq" * 20_000  # 40,000 characters; Excel stops at 32,767 (and openpyxl writes no more)
    rows = _row(2, ROW) + _row(3, [*ROW[:3], "marie", long, "Pw#2y!Kq9"])
    path = workbook_with(tmp_path / "inventaire.xlsx", sheet=_sheet_xml(rows))
    result = load(path, policy)
    assert [account.username for account in result.accounts] == ["jdupont"]
    (problem,) = result.problems
    assert (problem.line, problem.column) == (3, "Titulaire")
    assert "32,767 characters" in english(problem.reason)
    assert "Zq" not in str(problem)


def test_an_over_long_header_cell_is_named_not_called_empty(tmp_path: Path, policy: Policy) -> None:
    header = _row(1, ["FINESS", "x" * 40_000])
    path = workbook_with(
        tmp_path / "inventaire.xlsx", sheet=_sheet_xml(_row(2, ROW), header=header)
    )
    result = load(path, policy)
    assert result.accounts == ()
    (problem,) = result.problems
    assert (problem.line, problem.column) == (1, "B")
    assert "empty" not in english(problem.reason)


def _row(number: int, values: list[object]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def _sheet_xml(rows: str, dimension: str = "A1:F2", header: str | None = None) -> bytes:
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{header or _row(1, HEADER)}{rows}'
        "</sheetData></worksheet>"
    ).encode()


def test_rows_past_excel_s_limit_are_refused_in_bounded_time(
    tmp_path: Path, policy: Policy
) -> None:
    rows = '<row r="2000000000"><c r="A2000000000"><v>1</v></c></row>'
    path = workbook_with(tmp_path / "inventaire.xlsx", sheet=_sheet_xml(rows))
    start = time.monotonic()
    with pytest.raises(SourceError, match=r"more than 1,048,576 rows, which Excel cannot hold"):
        load(path, policy)
    assert time.monotonic() - start < 10


def test_a_crafted_dimension_neither_drops_rows_nor_pads_them(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for dimension in ("A1:A1", "A1:XFD2000000000"):  # rows dropped; billions of padded rows
        sheet = _sheet_xml(_row(2, ROW), dimension)
        path = workbook_with(tmp_path / "inventaire.xlsx", sheet=sheet)
        start = time.monotonic()
        assert [account.username for account in load(path, policy).accounts] == ["jdupont"]
        assert time.monotonic() - start < 2
    monkeypatch.setattr(excel, "MAX_CELLS", 10)
    with pytest.raises(SourceError, match=r"more than 10 cells; too large for an inventory"):
        load(path, policy)
