"""Offline corpora, generated and mutated (one sorted file, a per-prefix folder): an outcome per hash.

Opening either raises a ``CorpusError`` naming the path, or gives a source whose
``check`` answers every hash with ``Pwned`` (positive sane count), ``Clean`` or
``Unknown``; a hash the file holds is never ``Clean``, and one past a cut-short
file's last line is never ``Clean``. Memory is bounded by tracemalloc.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.hibp import Clean, CorpusError, Pwned, open_corpus
from tests.fuzz.fuzzing import check_outcomes, memory_bound, mutated, names_file

hashes = st.text(alphabet="0123456789ABCDEF", min_size=40, max_size=40)
entries = st.dictionaries(hashes, st.integers(1, 10**7), min_size=1, max_size=40)


def _text(found: dict[str, int], newline: str = "\r\n") -> bytes:
    return "".join(f"{digest}:{count}{newline}" for digest, count in sorted(found.items())).encode()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus-fuzz")


def _check(path: Path, asked: list[str], found: dict[str, int] | None = None) -> dict[str, object]:
    with memory_bound():
        try:
            corpus = open_corpus(path)
        except CorpusError as exc:
            names_file(exc, path)
            return {}
        try:
            results = dict(corpus.check(asked))
        finally:
            corpus.close()  # type: ignore[attr-defined]
    check_outcomes(asked, results)
    for digest, count in (found or {}).items():
        outcome = results[digest]
        # Held by the corpus: its count, or unknown when the corpus is refused for that hash.
        assert outcome == Pwned(count) or not isinstance(outcome, Pwned | Clean), (digest, outcome)
    return results


@given(found=entries, others=st.lists(hashes, max_size=5), newline=st.sampled_from(["\r\n", "\n"]))
def test_generated_single_files(
    folder: Path, found: dict[str, int], others: list[str], newline: str
) -> None:
    path = folder / "pwned.txt"
    path.write_bytes(_text(found, newline))
    _check(path, sorted({*found, *others}), found)


@given(found=entries, others=st.lists(hashes, max_size=5), data=st.data())
def test_mutated_single_files(
    folder: Path, found: dict[str, int], others: list[str], data: st.DataObject
) -> None:
    path = folder / "pwned.txt"
    path.write_bytes(data.draw(mutated(_text(found))))
    _check(path, sorted({*found, *others}))


@given(found=entries, cut=st.integers(0, 39))
def test_single_file_cut_short_never_clears_what_it_lost(
    folder: Path, found: dict[str, int], cut: int
) -> None:
    """An interrupted download: every hash past the last line kept must not be ``Clean``."""
    ordered = sorted(found)
    kept = {digest: found[digest] for digest in ordered[: max(1, cut)]}
    lost = [digest for digest in ordered if digest not in kept] + ["F" * 40]
    path = folder / "pwned.txt"
    path.write_bytes(_text(kept))
    results = _check(path, sorted({*kept, *lost}), kept)
    assert [digest for digest in lost if results.get(digest) == Clean()] == [], (
        "a lost hash came back clean"
    )


@given(found=entries, others=st.lists(hashes, max_size=5), data=st.data())
def test_prefix_folders(
    folder: Path, found: dict[str, int], others: list[str], data: st.DataObject
) -> None:
    root = folder / "ranges"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    by_prefix: dict[str, dict[str, int]] = {}
    for digest, count in found.items():
        by_prefix.setdefault(digest[:5], {})[digest[5:]] = count
    for prefix, suffixes in by_prefix.items():
        body = "\r\n".join(
            f"{suffix}:{count}" for suffix, count in sorted(suffixes.items())
        ).encode()
        if data.draw(st.integers(0, 3)) == 0:
            body = data.draw(mutated(body))
        (root / f"{prefix}.txt").write_bytes(body)
    _check(root, sorted({*found, *others}))
