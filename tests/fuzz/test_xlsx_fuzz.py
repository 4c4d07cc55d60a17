"""Excel workbooks, generated, mutated, truncated and inflated: a refusal naming the file or accounts.

Every load runs in the bounded worker (``BoundedWorker``): its address space is
limited with ``RLIMIT_AS`` to what it holds after start-up plus ``BOMB_MEMORY_MIB``,
and a load that passes ``EXAMPLE_SECONDS`` gets it killed.
"""

from __future__ import annotations

import functools
import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.fuzz.fuzzing import PROFILE, BoundedWorker, budget, check_in_worker, mutated, seed
from tests.fuzz.inventories import Sheet, sheets

EXAMPLE = seed("inventaire.xlsx")
SHEET_MEMBER = "xl/worksheets/sheet1.xml"
BOMB_MIB = [128] + ([512, 1024, 2048] if PROFILE == "deep" else [])
"""Sizes of the inflated sheet: the CI profile builds only the one that takes half a second."""


cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=40),
)


@st.composite
def workbooks(draw: st.DrawFn) -> bytes:
    """A workbook of one to three sheets: inventory rows, with cells of any type mixed in."""
    book = Workbook()
    book.remove(book.active)
    for number in range(draw(st.integers(1, 3))):
        sheet = book.create_sheet(f"Feuille{number}")
        table: Sheet = draw(sheets(max_rows=5))
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", title) for title in table.header])
        for row in table.rows:
            values = [draw(cell_values) if draw(st.integers(0, 4)) == 0 else v for v in row]
            # Characters openpyxl refuses to write: a real workbook cannot hold them either.
            sheet.append(
                [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
    return out.getvalue()


@st.composite
def member_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with one or two of its zip members mutated, re-zipped consistently."""
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    replace = {}
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)):
        replace[name] = draw(mutated(zipfile.ZipFile(io.BytesIO(data)).read(name)))
    return _rezip(data, replace)


@functools.cache
def _bomb(folder: Path, kind: str, mib: int) -> bytes:
    """The example with its sheet inflated by ``mib`` MiB of whitespace or of one cell's text."""
    path = folder / f"bomb-{kind}-{mib}.xlsx"
    source = zipfile.ZipFile(io.BytesIO(EXAMPLE))
    sheet = source.read(SHEET_MEMBER)
    if kind == "whitespace":
        head, tail = sheet.split(b"<sheetData>", 1)
        head, filler = head + b"<sheetData>", b" "
    else:
        head, tail = sheet.rsplit(b"</sheetData>", 1)
        head += b'<row r="99"><c r="A99" t="inlineStr"><is><t>'
        filler, tail = b"A", b"</t></is></c></row></sheetData>" + tail
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != SHEET_MEMBER:
                target.writestr(info.filename, source.read(info))
                continue
            with target.open(SHEET_MEMBER, "w", force_zip64=True) as member:
                member.write(head)
                chunk = filler * 2**20
                for _ in range(mib):
                    member.write(chunk)
                member.write(tail)
    return path.read_bytes()


@budget(ci=10)
@given(data=workbooks())
def test_generated_workbooks(bounded_worker: BoundedWorker, folder: Path, data: bytes) -> None:
    check_in_worker(bounded_worker, folder / "inventaire.xlsx", data)


@given(data=member_mutations(EXAMPLE))
def test_example_with_mutated_members(
    bounded_worker: BoundedWorker, folder: Path, data: bytes
) -> None:
    check_in_worker(bounded_worker, folder / "inventaire.xlsx", data)


@budget(ci=10)
@given(book=workbooks(), data=st.data())
def test_generated_workbooks_with_mutated_members(
    bounded_worker: BoundedWorker, folder: Path, book: bytes, data: st.DataObject
) -> None:
    check_in_worker(bounded_worker, folder / "inventaire.xlsx", data.draw(member_mutations(book)))


@given(data=st.one_of(mutated(EXAMPLE), st.integers(0, len(EXAMPLE)).map(lambda n: EXAMPLE[:n])))
def test_example_mutated_or_truncated_as_bytes(
    bounded_worker: BoundedWorker, folder: Path, data: bytes
) -> None:
    check_in_worker(bounded_worker, folder / "inventaire.xlsx", data)


@pytest.mark.parametrize("kind", ["whitespace", "cell"])
@pytest.mark.parametrize("mib", BOMB_MIB)
def test_inflated_sheets(
    bounded_worker: BoundedWorker,
    folder: Path,
    kind: str,
    mib: int,
) -> None:
    """A few MB of zip that inflate to hundreds of MB: refused or read within the bounds."""
    check_in_worker(bounded_worker, folder / "inventaire.xlsx", _bomb(folder, kind, mib))
