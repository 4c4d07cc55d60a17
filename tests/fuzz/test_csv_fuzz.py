"""CSV inventories, generated and mutated: a clear refusal naming the file or valid accounts.

Memory is bounded by tracemalloc around each load (the CSV reader is pure Python
over an in-memory text), time by Hypothesis' deadline and pytest-timeout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.errors import AuditorError
from tests.fuzz.fuzzing import load_or_refuse, memory_bound, mutated, seed
from tests.fuzz.inventories import Sheet, csv_bytes, echoed, sheets

EXAMPLE = seed("inventaire.csv")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("csv-fuzz")


def _load(folder: Path, data: bytes, name: str = "inventaire.csv") -> object:
    path = folder / name
    path.write_bytes(data)
    with memory_bound():
        return load_or_refuse(path)


def _messages(outcome: object) -> list[str]:
    if isinstance(outcome, AuditorError):
        return [str(outcome)]
    return [str(problem) for problem in getattr(outcome, "problems", ())]


@given(sheet=sheets(), data=st.data())
def test_generated_inventories_load_or_are_refused_by_name(
    folder: Path, sheet: Sheet, data: st.DataObject
) -> None:
    outcome = _load(folder, data.draw(csv_bytes(sheet)))
    assert echoed(sheet.passwords, *_messages(outcome)) == [], "a message quotes a password"


@given(data=mutated(EXAMPLE))
def test_mutated_example_inventory(folder: Path, data: bytes) -> None:
    _load(folder, data)


@given(sheet=sheets(), data=st.data())
def test_mutated_generated_inventories(folder: Path, sheet: Sheet, data: st.DataObject) -> None:
    _load(folder, data.draw(mutated(data.draw(csv_bytes(sheet)))))


@given(
    header=st.sampled_from(
        [b"practice_id;username;password\n", b"FINESS,Identifiant,Mot de passe\r\n", b""]
    ),
    body=st.binary(max_size=400),
    suffix=st.sampled_from(["inventaire.csv", "inventaire.tsv", "inventaire.txt"]),
)
def test_any_bytes_after_a_header(folder: Path, header: bytes, body: bytes, suffix: str) -> None:
    _load(folder, header + body, suffix)
