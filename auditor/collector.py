"""The cyclic garbage collector kept off long-lived objects while a large audit works on them."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_frozen = 0
"""How many ``frozen()`` blocks are open."""


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """The objects alive now left out of the collector's full passes until the block ends.

    A group's audit holds millions of objects (accounts, facts, findings) that the checks,
    the report and its writers never free; every full pass walked them all again, and ten
    times the objects took ten times as long per pass. What the block makes is collected as
    usual; on leaving, the objects frozen here are the collector's again.
    """
    global _frozen  # noqa: PLW0603 - the collector's state is the process's too
    gc.freeze()
    _frozen += 1
    try:
        yield
    finally:
        _frozen -= 1
        gc.unfreeze()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off while the block makes many objects that hold no cycle.

    Its full passes would walk them again and again as they pile up (the report's
    findings and sentences: 40 % of building it at 20,000 accounts). On leaving it is
    back if it was on; within ``frozen()``, what the block made is frozen too, rather
    than walked once there and then (a fifth of building the report at 100,000 accounts).
    A block that makes cyclic garbage keeps it until the collector runs again.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            if _frozen:  # not ``gc.get_freeze_count()``, which walks every frozen object
                gc.freeze()
            gc.enable()
