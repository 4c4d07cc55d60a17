"""The heavy readers' libraries are loaded by the inventories that need them, not by every run."""

from __future__ import annotations

import subprocess
import sys

import pytest

LOADED = (
    "import sys, auditor.cli.main; "
    "print(' '.join(m for m in ('openpyxl', 'pykeepass', 'icalendar') if m in sys.modules))"
)


def test_starting_the_command_loads_no_reader_s_library() -> None:
    # Together they were 0.4 s of every run's start, a CSV audit's too (the reminders'
    # calendar one of them).
    done = subprocess.run(
        [sys.executable, "-c", LOADED], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == []


@pytest.mark.parametrize("module", ["openpyxl", "pykeepass"])
def test_the_readers_still_load_their_library_when_used(module: str) -> None:
    reader = {"openpyxl": "excel", "pykeepass": "keepass"}[module]
    code = (
        f"import sys, auditor.sources.{reader} as r; r._library(); print({module!r} in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "True"
