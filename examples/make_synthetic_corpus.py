"""Write the example's SYNTHETIC breach corpus in the Pwned Passwords downloader's format.

The counts are invented and the filler hashes are random: this file only
demonstrates --hibp-offline. It is not breach data. Run from the repository:

    python examples/make_synthetic_corpus.py

It is honest about its coverage, as the auditor requires of any corpus: its
first line is in prefix 00000 and its last in FFFFF (so it passes the check
that a download is whole), and it holds a few filler lines in the prefix of
every password the bundled examples use, read from ``inventaire.csv`` and from
``make_vault_examples.py`` (the KeePass, Bitwarden, Chrome and Excel examples),
so every example lookup is answered. Any other prefix has no line: a password
the examples do not use is reported ``unknown``, never clean.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "pwned-passwords-SYNTHETIC.txt"

# Passwords the demo inventory uses that a real corpus would list, with made-up counts.
BREACHED = {
    "Pharmacie2024!": 14,
    "soleil": 265_871,
    "azerty123": 1_067_219,
    "Marche2024": 3,
}
FILLER_PER_PREFIX = 5
"""Random lines added to each covered prefix: a real prefix holds hundreds, this only
shows the format (and keeps the examples' passwords among other lines)."""
EDGE_PREFIXES = ("00000", "FFFFF")
"""The first and last prefixes: a whole corpus reaches both."""
SEED = 20240201
# Where make_vault_examples.py passes a password: the builder's positional argument.
_PASSWORD_ARGUMENT = {"Login": 3, "bitwarden_login": 2}


def sha1_hex(password: str) -> str:
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def inventory_passwords(path: Path = HERE / "inventaire.csv") -> set[str]:
    """The ``Mot de passe`` column of the demo inventory (French Excel CSV)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["Mot de passe"] for row in csv.DictReader(handle, delimiter=";")} - {""}


def vault_passwords(path: Path = HERE / "make_vault_examples.py") -> set[str]:
    """Every password, current or past, that ``make_vault_examples.py`` writes.

    Parsed, not imported: importing needs the test extra and runs nothing useful
    here. Each kind of example must give at least one password, so a change of
    that script's shape fails here instead of leaving prefixes uncovered.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {"keepass": set(), "bitwarden": set(), "chrome": set()}
    found["excel"] = set()
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        kind = function.name if function.name in found else None
        rows: list[list[object]] = []
        for node in ast.walk(function):
            if not isinstance(node, ast.Call) or kind is None:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            method = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if name in _PASSWORD_ARGUMENT:
                found[kind].add(ast.literal_eval(node.args[_PASSWORD_ARGUMENT[name]]))
                for keyword in node.keywords:
                    if keyword.arg == "history":
                        found[kind].update(old for old, _ in ast.literal_eval(keyword.value))
            elif method == "write_text" and kind == "chrome":
                text = ast.literal_eval(node.args[0])
                found[kind].update(row["password"] for row in csv.DictReader(io.StringIO(text)))
            elif method == "append" and kind == "excel":
                rows.append(ast.literal_eval(node.args[0]))
        if kind == "excel" and rows:
            column = rows[0].index("Mot de passe")
            found[kind].update(str(row[column]) for row in rows[1:])
    empty = [kind for kind, passwords in found.items() if not passwords]
    if empty:
        raise SystemExit(f"{path}: found no password for {', '.join(empty)}; update this script")
    return set().union(*found.values()) - {""}


def example_passwords() -> set[str]:
    """Every password the bundled examples hold."""
    return inventory_passwords() | vault_passwords()


def corpus_bytes() -> bytes:
    """The corpus, deterministic: the same examples always give the same bytes."""
    rng = random.Random(SEED)
    counts = {sha1_hex(password): count for password, count in BREACHED.items()}
    prefixes = sorted({sha1_hex(p)[:5] for p in example_passwords()} | set(EDGE_PREFIXES))
    for prefix in prefixes:
        for _ in range(FILLER_PER_PREFIX):
            counts.setdefault(f"{prefix}{rng.getrandbits(140):035X}", rng.randint(1, 5_000))
    # The downloader writes CRLF line endings, sorted by hash.
    return b"".join(f"{h}:{c}\r\n".encode() for h, c in sorted(counts.items()))


def main() -> None:
    TARGET.write_bytes(corpus_bytes())


if __name__ == "__main__":
    main()
