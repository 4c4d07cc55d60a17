"""Shared fixtures: a network guard, the built-in policy, account factories and fake lookups."""

from __future__ import annotations

import hashlib
import logging
import socket
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from auditor.hibp import BreachSource, Clean, LookupResult, Pwned, Unknown
from auditor.models import Account, Origin, Practice, Role
from auditor.password.secret import Secret
from auditor.policy import Policy, load_policy
from auditor.progress import Advance, no_progress
from auditor.report import BreachMode, Report

REPO = Path(__file__).resolve().parents[1]
# Some tests hold the benchmarks' own logic (the default worker count's rule, the end-to-end
# corpus): ``benchmarks`` is not part of the installed package, so the checkout is searched
# for it last, after the installed ``auditor`` that every other import finds first.
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))
AS_OF = date(2026, 11, 22)
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection outside loopback fails the test (``responses`` never opens sockets)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in _LOOPBACK:
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports follow the locale unless --lang says otherwise: English here, whatever the machine."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(autouse=True)
def _package_logger_restored() -> Iterator[None]:
    """The CLI configures the "auditor" logger (its own handler and level, no propagation)
    whenever a test runs it in-process: put it back after every test, so that a later
    test's caplog still sees the package's records, whatever ran before it."""
    package = logging.getLogger("auditor")
    saved = (package.handlers[:], package.level, package.propagate, package.disabled)
    yield
    package.handlers[:], package.level, package.propagate, package.disabled = saved


@pytest.fixture(autouse=True)
def private_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The default history database goes to the test's folder, never the user's."""
    data = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data


@pytest.fixture
def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI in-process from the repository root; return (exit code, stdout, stderr)."""
    from auditor.cli import main

    def invoke(*args: str) -> tuple[int, str, str]:
        monkeypatch.chdir(REPO)
        code = 0
        try:
            main(list(args))
        except SystemExit as exited:
            code = int(exited.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def as_of() -> date:
    return AS_OF


@pytest.fixture
def repo() -> Path:
    return REPO


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


@pytest.fixture
def make_account() -> Callable[..., Account]:
    """Build an Account with sensible defaults; ``password=`` takes plain text."""

    def build(**overrides: Any) -> Account:
        password = overrides.pop("password", None)
        practice = overrides.pop("practice", Practice("750056780", "Pharmacie du Marché"))
        values: dict[str, Any] = {
            "practice": practice,
            "portal": "kalixia",
            "username": "jdoe",
            "owner": "Jeanne Doe",
            "owner_email": None,
            "role": Role.USER,
            "password_changed": date(2025, 6, 1),
            "mfa": True,
            "origin": Origin("inventory.csv", 2),
        }
        values.update(overrides)
        return Account(**values, password=Secret(password) if password is not None else None)

    return build


@dataclass
class FakeBreach(BreachSource):
    """Answers from a password → count table; hashes in ``unknown`` fail."""

    counts: Mapping[str, int] = field(default_factory=dict)
    unknown: Collection[str] = ()
    asked: list[list[str]] = field(default_factory=list)
    description: str = "fake"

    def check(
        self, sha1_hashes: Collection[str], progress: Advance = no_progress
    ) -> Mapping[str, LookupResult]:
        self.asked.append(sorted(sha1_hashes))
        by_hash = {sha1(password): count for password, count in self.counts.items()}
        failing = {sha1(password) for password in self.unknown}
        results: dict[str, LookupResult] = {}
        for digest in sha1_hashes:
            if digest in failing:
                results[digest] = Unknown("lookup failed")
            elif digest in by_hash:
                results[digest] = Pwned(by_hash[digest])
            else:
                results[digest] = Clean()
        progress(len(results))
        return results


@pytest.fixture
def fake_breach() -> Callable[..., FakeBreach]:
    return FakeBreach


@pytest.fixture
def audit_of(policy: Policy, fake_breach: Callable[..., FakeBreach]) -> Callable[..., Report]:
    """The report of an offline audit of the accounts given, as of ``AS_OF``, where the
    password "soleil" is breached (5 times) and every other one is clean."""
    from auditor.audit import Inventory, run_audit

    def audit(accounts: Iterable[Account]) -> Report:
        inventory = Inventory(tuple(accounts), (), ("inventory.csv",))
        return run_audit(
            inventory, policy, AS_OF, fake_breach({"soleil": 5}), breach_mode=BreachMode.OFFLINE
        )

    return audit


@pytest.fixture
def group_report(
    make_account: Callable[..., Account], audit_of: Callable[..., Report]
) -> Callable[..., Report]:
    """The audited report of a small group: ``each`` accounts in each of the practices given
    (``Optique N``, FINESS ``6900345NN`` when not given), every other one breached."""

    def report(count: int, each: int, practices: Sequence[Practice] | None = None) -> Report:
        shops = practices or [Practice(f"6900345{n:02d}", f"Optique {n}") for n in range(count)]
        return audit_of(
            make_account(
                practice=p, username=f"u{n}", password="soleil" if n % 2 else "Lumiere2024"
            )
            for n, p in enumerate(list(shops) * each)
        )

    return report


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write CSV text (or bytes) to a file in the test's folder and return its path."""

    def write(content: str | bytes, name: str = "inventory.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture(scope="session")
def kdbx_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty KeePass database with a cheap key derivation, copied by each test that needs one."""
    from tests.sources.vaults import blank_kdbx

    return blank_kdbx(tmp_path_factory.mktemp("kdbx"))


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


EXAMPLE_AUDIT = (
    "examples/inventaire.csv",
    "--hibp-offline",
    "examples/pwned-passwords-SYNTHETIC.txt",
    "--as-of",
    "2026-11-22",
)
"""The bundled example, audited reproducibly: the arguments most CLI tests start from."""


def loopback_send(port: int, sender: str = "informatique@groupe.example") -> tuple[str, ...]:
    """``remind`` options that send to a plain SMTP relay on 127.0.0.1:``port``."""
    return (
        "--send",
        "--from",
        sender,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(port),
        "--smtp-security",
        "none",
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server on 127.0.0.1, stopped by the test."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()
