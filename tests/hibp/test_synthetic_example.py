"""The bundled synthetic corpus is honest: whole at both ends, covering the examples and nothing else."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from auditor.hibp import Clean, Pwned, Unknown, open_corpus
from auditor.password.derive import sha1_hex

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "examples" / "pwned-passwords-SYNTHETIC.txt"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_synthetic_corpus", REPO / "examples" / "make_synthetic_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_the_corpus_spans_00000_to_fffff() -> None:
    lines = CORPUS.read_bytes().splitlines()
    assert lines[0].startswith(b"00000") and lines[-1].startswith(b"FFFFF")


def test_every_example_password_is_answered_and_others_are_unknown() -> None:
    generator = _generator()
    passwords = generator.example_passwords()
    assert {"soleil", "Pharmacie2024!", "Lumiere2024", "Marche-Paris2025!"} <= passwords
    digests = {sha1_hex(password) for password in passwords}
    with open_corpus(CORPUS) as corpus:
        result = corpus.check(digests)
        assert all(isinstance(outcome, Pwned | Clean) for outcome in result.values())
        assert result[sha1_hex("soleil")] == Pwned(generator.BREACHED["soleil"])
        other = sha1_hex("a password no example uses")
        assert other[:5] not in {digest[:5] for digest in digests}
        assert isinstance(corpus.check([other])[other], Unknown)


def test_the_bundled_file_is_what_the_generator_writes() -> None:
    assert CORPUS.read_bytes() == _generator().corpus_bytes()
