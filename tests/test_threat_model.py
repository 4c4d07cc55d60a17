"""docs/threat-model.md names real tests: every guarantee's test exists, so the page stays true."""

from __future__ import annotations

import re

from tests.conftest import REPO

PAGE = REPO / "docs" / "threat-model.md"
# `file.py::function`, `folder/file.py`, `folder/`, or `::function` (another test of the
# file cited last on that line), in backticks: how the page cites tests.
_TOKEN = re.compile(r"`([^`\s]+)`")
_REFERENCE = re.compile(r"^(?P<path>[^:]*\.py|[a-z_]+/)?(?:::(?P<name>.+))?$")


def _cited() -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        current: str | None = None
        for token in _TOKEN.findall(line):
            match = _REFERENCE.match(token)
            if match is None or not (token.endswith((".py", "/")) or "::" in token):
                continue
            path, name = match["path"], match["name"]
            if path == "tests/" or (path and path.endswith(".py") and "test_" not in path):
                continue  # the folder itself, or a module of the package the page names
            if path is None:
                if current is None:
                    continue
                path = current
            elif path.endswith(".py"):
                current = path
            found.append((path, name))
    return found


def test_the_page_cites_tests() -> None:
    assert len(_cited()) > 80


def test_every_cited_test_exists() -> None:
    missing = []
    for path, name in _cited():
        target = REPO / "tests" / path
        if not target.exists():
            missing.append(path)
            continue
        if name is not None and not re.search(
            rf"^(?:async )?def {re.escape(name)}\(", target.read_text(encoding="utf-8"), re.M
        ):
            missing.append(f"{path}::{name}")
    assert missing == []


def test_the_readme_links_the_page() -> None:
    assert "docs/threat-model.md" in (REPO / "README.md").read_text(encoding="utf-8")
