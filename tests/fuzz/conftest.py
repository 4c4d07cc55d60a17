"""Fuzz profiles (``ci`` by default, ``deep`` with ``PORTAL_AUDIT_FUZZ=deep``) and fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from tests.fuzz.fuzzing import (
    DEEP_TEST_SECONDS,
    EXAMPLE_SECONDS,
    PROFILE,
    REPO,
    BoundedWorker,
)

PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]
"""Every phase but ``explain``, whose line tracer makes a failing openpyxl example take minutes."""

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=timedelta(seconds=EXAMPLE_SECONDS),
    # CI runs the same examples every time, and writes nothing into the checkout.
    derandomize=True,
    database=None,
    phases=PHASES,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=3000,
    deadline=timedelta(seconds=EXAMPLE_SECONDS),
    database=DirectoryBasedExampleDatabase(
        os.environ.get("PORTAL_AUDIT_FUZZ_DB", str(REPO / ".hypothesis" / "examples"))
    ),
    phases=PHASES,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(PROFILE)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every fuzz test, and give the deep profile the time its examples need."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.fuzz)
            if PROFILE == "deep":
                item.add_marker(pytest.mark.timeout(DEEP_TEST_SECONDS))


@pytest.fixture(scope="session")
def bounded_worker() -> Iterator[BoundedWorker]:
    worker = BoundedWorker()
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture(scope="module")
def folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch folder per fuzz module, where each example's file is written."""
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
