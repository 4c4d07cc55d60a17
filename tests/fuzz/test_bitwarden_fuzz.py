"""Bitwarden JSON exports, generated, nested, mutated and with any KDF: a refusal naming the file or accounts.

Every load runs in the bounded worker (``BoundedWorker``): ``RLIMIT_AS`` bounds what
Argon2 or the JSON parser may allocate, and a load that passes ``EXAMPLE_SECONDS``
gets the worker killed and the example failed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.fuzzing import SECRET, BoundedWorker, check_in_worker, mutated, seed
from tests.fuzz.inventories import cell, passwords

EXAMPLE = seed("bitwarden-export.json")
ENCRYPTED: dict[str, Any] = json.loads(EXAMPLE)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from([10**400, -(10**20), "", "2024-02-30T00:00:00Z", "https://[::1"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def maybe(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the plausible value, sometimes any JSON value in its place."""
    return st.one_of(plausible, plausible, plausible, json_values)


uris = st.lists(
    st.fixed_dictionaries(
        {
            "match": maybe(st.none()),
            "uri": maybe(cell("https://www.santeclair.fr", "https://www.itelis.fr", "itelis.fr")),
        }
    ),
    max_size=3,
)
dates = cell("2024-11-02T12:00:00.000Z", "2024-11-02", "not a date", "")
items = st.fixed_dictionaries(
    {
        "id": maybe(st.text(max_size=8)),
        "folderId": maybe(st.sampled_from(["lumiere", None, "absent"])),
        "type": maybe(st.sampled_from([1, 2, 3])),
        "name": maybe(cell("Santéclair", "Itelis", "Banque")),
        "fields": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "name": maybe(st.text(max_size=10)),
                        "value": maybe(st.text(max_size=10)),
                        "type": maybe(st.sampled_from([0, 1])),
                    }
                ),
                max_size=2,
            )
        ),
        "login": maybe(
            st.fixed_dictionaries(
                {
                    "uris": maybe(uris),
                    "username": maybe(cell("optique.lumiere", "m.petit")),
                    "password": maybe(passwords),
                    "totp": maybe(st.sampled_from([None, "otpauth://totp/x?secret=JBSWY3DP"])),
                    "passwordRevisionDate": maybe(dates),
                }
            )
        ),
        "collectionIds": maybe(st.lists(st.text(max_size=6), max_size=2)),
        "passwordHistory": maybe(
            st.lists(
                st.fixed_dictionaries({"lastUsedDate": maybe(dates), "password": maybe(passwords)}),
                max_size=2,
            )
        ),
        "creationDate": maybe(dates),
        "revisionDate": maybe(dates),
    }
)
documents = st.fixed_dictionaries(
    {
        "encrypted": maybe(st.just(False)),
        "folders": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "id": maybe(st.just("lumiere")),
                        "name": maybe(cell("Optique Lumière 690034566", "Perso")),
                    }
                ),
                max_size=2,
            )
        ),
        "items": maybe(st.lists(items, max_size=4)),
    }
)
kdf_values = st.one_of(
    st.integers(-1, 20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([600_000, 10**7, 10**9, 4096, 2**31, 65536]),
    json_values,
)


@given(document=st.one_of(documents, json_values))
@example(document={"encrypted": False, "items": [{"type": 1, "login": {"uris": True}}]})
@example(document={"encrypted": False, "items": [{"type": 1, "passwordHistory": True}]})
def test_generated_exports(bounded_worker: BoundedWorker, folder: Path, document: Any) -> None:
    check_in_worker(bounded_worker, folder / "export.json", json.dumps(document).encode(), SECRET)


@given(text=st.sampled_from(["[", '{"items": [', '{"a": ']), depth=st.integers(1, 200_000))
@example(text="[", depth=100_000)
def test_deep_nesting(bounded_worker: BoundedWorker, folder: Path, text: str, depth: int) -> None:
    check_in_worker(bounded_worker, folder / "export.json", (text * depth).encode(), SECRET)


@given(digits=st.integers(1, 100_000))
@example(digits=5000)
def test_huge_numbers(bounded_worker: BoundedWorker, folder: Path, digits: int) -> None:
    check_in_worker(
        bounded_worker,
        folder / "export.json",
        b'{"encrypted": false, "items": [{"type": ' + b"7" * digits + b"}]}",
        SECRET,
    )


@given(
    kdf=st.dictionaries(
        st.sampled_from(["kdfType", "kdfIterations", "kdfMemory", "kdfParallelism"]),
        kdf_values,
        min_size=1,
    )
)
@example(kdf={"kdfType": 1, "kdfIterations": 50, "kdfMemory": 4096, "kdfParallelism": 4})
@example(kdf={"kdfType": 0, "kdfIterations": 10**9})
def test_encrypted_export_with_any_kdf(
    bounded_worker: BoundedWorker, folder: Path, kdf: dict[str, Any]
) -> None:
    check_in_worker(
        bounded_worker, folder / "export.json", json.dumps(ENCRYPTED | kdf).encode(), SECRET
    )


@given(data=mutated(EXAMPLE))
def test_mutated_encrypted_example(
    bounded_worker: BoundedWorker, folder: Path, data: bytes
) -> None:
    check_in_worker(bounded_worker, folder / "export.json", data, SECRET)


@given(document=documents, data=st.data())
def test_mutated_generated_exports(
    bounded_worker: BoundedWorker, folder: Path, document: Any, data: st.DataObject
) -> None:
    check_in_worker(
        bounded_worker,
        folder / "export.json",
        data.draw(mutated(json.dumps(document, indent=1).encode())),
        SECRET,
    )
