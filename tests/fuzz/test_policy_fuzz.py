"""Policy TOML files, generated and mutated: a ``PolicyError`` naming the file or a usable policy.

Memory is bounded by tracemalloc around each load (tomllib and the policy builder
are pure Python over a small text), time by Hypothesis' deadline and pytest-timeout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from auditor.policy import Policy, PolicyError, dump_policy, load_policy
from tests.fuzz.fuzzing import REPO, memory_bound, mutated, names_file, seed

SEEDS = [seed("politique.toml")] + [
    path.read_bytes() for path in sorted((REPO / "policies").glob("*.toml"))
]
TABLES = [
    "strength",
    "rotation",
    "shared",
    "mfa",
    "deadlines",
    "severity",
    "practice_contacts",
    "[portal]",
    "[incident]",
    "[waiver]",
]
KEYS = [
    "id",
    "name",
    "operator",
    "domains",
    "max_age_days",
    "mfa",
    "portals",
    "disclosed",
    "rotate_before",
    "critical",
    "high",
    "medium",
    "low",
    "min_entropy_bits",
    "min_zxcvbn_score",
    "reminder_window_days",
    "required",
    "generic_owners",
    "check",
    "practice",
    "portal",
    "username",
    "reason",
    "accepted_by",
    "expires",
    "sources",
    "user",
    "admin",
    '"750056780"',
]
scalars = st.one_of(
    st.integers(-(10**25), 10**25).map(str),
    st.sampled_from(["99999999999999999999", "1e999", "nan", "inf", "-0", "0x7fffffffffffffff"]),
    st.sampled_from(["2024-02-05", "2024-02-30", "1979-05-27T07:32:00Z", "true", "false"]),
    st.text(max_size=20).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.sampled_from(['"viamedis"', '"almerys"', '"breached"', '"reused"', '"critical"', '"user"']),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
        | st.lists(st.tuples(st.sampled_from(KEYS), children), max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{k} = {v}" for k, v in pairs) + "}"
        )
    ),
    max_leaves=12,
)


@st.composite
def toml_texts(draw: st.DrawFn) -> str:
    """Tables of the policy's vocabulary holding keys of it, with values of any TOML shape."""
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        table = draw(st.sampled_from(TABLES))
        lines.append(f"[{table}]")
        lines += [
            f"{draw(st.sampled_from(KEYS))} = {draw(values)}"
            for _ in range(draw(st.integers(0, 5)))
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("policy-fuzz")


def _load(folder: Path, data: bytes) -> None:
    path = folder / "politique.toml"
    path.write_bytes(data)
    with memory_bound():
        try:
            policy = load_policy([path])
        except PolicyError as exc:
            names_file(exc, path)
            return
        assert isinstance(policy, Policy)
        # A policy that loads is one the audit can use: `policy show` prints it, and its
        # own dump loads back.
        path.write_text(dump_policy(policy), encoding="utf-8")
        load_policy([path])


@given(text=toml_texts())
@example(text="[deadlines]\ncritical = 99999999999999999999\n")
@example(text="[strength]\nsources = " + "[" * 5000 + "]" * 5000 + "\n")
def test_generated_policies(folder: Path, text: str) -> None:
    _load(folder, text.encode("utf-8", errors="surrogatepass"))


@given(data=st.sampled_from(SEEDS).flatmap(mutated))
def test_mutated_policies(folder: Path, data: bytes) -> None:
    _load(folder, data)
