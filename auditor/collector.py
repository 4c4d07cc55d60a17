"""The cyclic garbage collector kept off long-lived objects while a large audit works on them."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """The objects alive now left out of the collector's full passes until the block ends.

    A group's audit holds millions of objects (accounts, facts, findings) that the checks,
    the report and its writers never free; every full pass walked them all again, and ten
    times the objects took ten times as long per pass. What the block makes is collected as
    usual; on leaving, the objects frozen here are the collector's again.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
