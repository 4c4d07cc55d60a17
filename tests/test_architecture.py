"""The import rules of docs/architecture.md, read from the package's source.

Each rule is checked on every module of ``auditor/``, by parsing it (imports
inside functions and ``TYPE_CHECKING`` blocks count too), so a broken rule
fails here with the module and line that broke it.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "auditor"

# What every layer may use: shared records, errors, text helpers, files, words.
FOUNDATION = frozenset(
    {"models", "errors", "text", "safetext", "finess", "progress", "collector", "files", "i18n"}
)

# Each top-level unit of auditor/ (a package, or a module at the top) and the other
# units it may import. The version (`from auditor import __version__`) is free to all.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "errors": frozenset(),
    "text": frozenset(),
    "safetext": frozenset(),
    "finess": frozenset(),
    "progress": frozenset(),
    "collector": frozenset(),
    "files": frozenset(),
    "i18n": frozenset({"errors", "files", "safetext"}),
    "models": frozenset({"i18n", "text", "password.secret"}),
    "policy": FOUNDATION,
    "hibp": FOUNDATION,
    "sources": FOUNDATION | {"policy", "password.secret"},
    "password": FOUNDATION | {"policy", "hibp"},
    "checks": FOUNDATION | {"policy", "hibp", "password"},
    "report": FOUNDATION | {"policy", "hibp", "password"},
    "formats": FOUNDATION | {"policy", "hibp", "password", "report"},
    "history": FOUNDATION | {"policy", "report"},
    "remind": FOUNDATION | {"policy", "report", "formats", "history"},
    "audit": FOUNDATION | {"policy", "hibp", "sources", "password", "checks", "report", "history"},
    "cli": FOUNDATION
    | {
        "policy",
        "hibp",
        "sources",
        "password",
        "checks",
        "report",
        "formats",
        "history",
        "remind",
        "audit",
    },
    "__main__": frozenset({"cli"}),
}


@dataclass(frozen=True)
class Import:
    """One ``import``/``from … import`` of an ``auditor`` module, where it is written."""

    module: str
    """The importing module, dotted (``auditor.checks.password``)."""
    target: str
    """The module imported, dotted (``auditor.password.derive``)."""
    where: str
    """``auditor/checks/password.py:12``."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = REPO.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


@functools.cache
def _parsed() -> tuple[tuple[str, Path, ast.Module], ...]:
    return tuple(
        (_module_name(path), path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    )


def _modules() -> Iterator[tuple[str, Path, ast.Module]]:
    yield from _parsed()


def _imports() -> Iterator[Import]:
    for module, path, tree in _modules():
        for node in ast.walk(tree):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "auditor":
                        yield Import(module, alias.name, where)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] != "auditor":
                    continue
                for alias in node.names:
                    # `from auditor.report import changes` imports a module;
                    # `from auditor.report import Report` imports from one.
                    sub = f"{node.module}.{alias.name}"
                    yield Import(module, sub if _is_module(sub) else node.module, where)


def _unit(dotted: str) -> str:
    """``auditor.checks.password`` → ``checks``; ``auditor`` (the version) → ``""``."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else ""


def _allowed(importer: str, target: str) -> bool:
    here, there = _unit(importer), _unit(target)
    if there in {"", here}:
        return True
    rules = MAY_IMPORT[here]
    # A rule may name one module of a package: models may use password.secret only.
    return there in rules or ".".join(target.split(".")[1:3]) in rules


def test_every_unit_of_the_package_has_a_rule() -> None:
    units = {_unit(module) for module, _, _ in _modules()} - {""}
    assert units == set(MAY_IMPORT), "add the new package to MAY_IMPORT and docs/architecture.md"


def test_each_package_imports_only_what_its_layer_may() -> None:
    broken = [
        f"{found.where}: {_unit(found.module)} may not import {found.target}"
        for found in _imports()
        if not _allowed(found.module, found.target)
    ]
    assert broken == []


@pytest.mark.parametrize("layer", ["checks", "report", "formats", "remind", "history"])
def test_what_reads_facts_never_reads_inventories_or_the_command_line(layer: str) -> None:
    # Said on its own as well: a check or a format that opened sources could
    # reach a password, and one that imported the CLI would be driven by it.
    offending = [
        f"{found.where}: {found.target}"
        for found in _imports()
        if _unit(found.module) == layer and _unit(found.target) in {"sources", "cli", "audit"}
    ]
    assert offending == []


def _calls(attribute: str) -> Iterator[tuple[str, str]]:
    for module, path, tree in _modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == attribute
            ):
                yield module, f"{path.relative_to(REPO)}:{node.lineno}"


def test_only_the_secret_boundary_reveals_a_password() -> None:
    outside = [where for module, where in _calls("reveal") if _unit(module) != "password"]
    assert outside == []
    assert any(_unit(module) == "password" for module, _ in _calls("reveal"))


def test_only_the_secret_boundary_hashes_or_scores_a_password() -> None:
    # zxcvbn's results hold pieces of the password, and a SHA-1 of it is what
    # the breach lookup needs: both are computed inside password/ and nowhere else.
    sha1 = [where for module, where in _calls("sha1") if _unit(module) != "password"]
    zxcvbn = [
        f"{path.relative_to(REPO)}:{node.lineno}"
        for module, path, tree in _modules()
        if _unit(module) != "password"
        for node in ast.walk(tree)
        if (isinstance(node, ast.Import) and any(a.name.startswith("zxcvbn") for a in node.names))
        or (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("zxcvbn"))
    ]
    assert sha1 == []
    assert zxcvbn == []


def test_only_sources_models_and_the_boundary_know_the_secret_type() -> None:
    knowing = {
        _unit(found.module) for found in _imports() if found.target == "auditor.password.secret"
    }
    assert knowing <= {"sources", "models", "password"}


def _runtime_imports() -> dict[str, set[str]]:
    """Module → the modules it imports when loaded (top level, outside TYPE_CHECKING)."""
    graph: dict[str, set[str]] = {}
    for module, _, tree in _modules():
        edges = graph.setdefault(module, set())
        for node in tree.body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    target = sub if _is_module(sub) else node.module
                    if target.startswith("auditor.") and target != module:
                        edges.add(target)
    return graph


def test_no_module_imports_itself_back_through_others() -> None:
    graph = _runtime_imports()
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_architecture_page_states_the_same_rules() -> None:
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    for unit, allowed in MAY_IMPORT.items():
        if unit == "__main__":
            continue
        row = re.search(rf"^\| `{re.escape(unit)}`.*$", page, re.M)
        assert row, f"docs/architecture.md has no row for {unit}"
        named = set(re.findall(r"`([a-z0-9_]+(?:\.[a-z_]+)?)`", row[0].split("|")[-2]))
        expected = set(allowed) - (FOUNDATION if allowed >= FOUNDATION else set())
        if allowed >= FOUNDATION:
            assert "foundation" in row[0].split("|")[-2].lower(), unit
        assert named == expected, f"{unit}: the page says {sorted(named)}"
