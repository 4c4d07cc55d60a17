"""Fixtures for the breach-lookup tests."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def _auditor_logs_reach_caplog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Earlier tests (an in-process CLI run, a library's ``dictConfig``) may have stopped
    the ``auditor`` loggers propagating or disabled them; these tests read their records."""
    monkeypatch.setattr(logging.getLogger("auditor"), "propagate", True)
    for name in list(logging.root.manager.loggerDict):
        if name == "auditor" or name.startswith("auditor."):
            monkeypatch.setattr(logging.getLogger(name), "disabled", False)
