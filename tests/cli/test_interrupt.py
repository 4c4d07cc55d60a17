"""Ctrl-C and SIGTERM on a real ``portal-audit`` process: one line, a known exit code, no leftovers."""

from __future__ import annotations

import os
import random
import signal
import string
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.processes import children

REPO = Path(__file__).resolve().parents[2]
PASSWORDS = 20_000
"""Distinct passwords: tens of seconds of scoring on two cores, far more than the
test waits before it interrupts (it signals as soon as the workers run)."""
WAIT = 30.0
"""Seconds allowed for each step (the workers to start, the process to end)."""

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds the scoring workers through /proc"
)

# Makes the JSON report's writer stop after its first chunk, so that the signal
# surely arrives while a temporary file is open.
_SLOW_WRITER = """
import sys, time
from auditor.formats import jsonfmt
from auditor.cli import main

original = jsonfmt.JsonFormat.chunks

def slow(self, report):
    chunks = original(self, report)
    yield next(chunks)
    time.sleep(60)
    yield from chunks

jsonfmt.JsonFormat.chunks = slow
main(sys.argv[1:])
"""


@pytest.fixture(scope="module")
def big_inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(13)
    alphabet = string.ascii_letters + string.digits + "!#$%&*+-.:;=?@_"
    path = tmp_path_factory.mktemp("interrupt") / "big.csv"
    rows = [
        f"750056780,kalixia,user{i},Person {i},{''.join(rng.choices(alphabet, k=14))},2025-06-01,yes"
        for i in range(PASSWORDS)
    ]
    path.write_text(
        "practice_id,portal,username,owner,password,password_changed,mfa\n" + "\n".join(rows)
    )
    return path


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _scoring_workers_run(pid: int) -> bool:
    """The forkserver (a child of the audit) has forked at least one worker."""
    return any(children(server) for server in children(pid))


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []

    def start(*command: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's job is
            env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "NO_COLOR": "1"},
        )
        processes.append(process)
        return process

    yield start
    for process in processes:  # on failure: nothing of the test keeps running
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        pytest.fail(f"still running {WAIT} s after the signal; stderr: {err[-2000:]}")
    return process.returncode, err


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _forkserver_starts(pid: int) -> bool:
    """The audit has started its forkserver, which is still loading (no worker yet).

    The wrong moment of issue 13: the forkserver, importing zxcvbn, took Ctrl-C
    and printed a traceback.
    """
    return bool(children(pid)) and not _scoring_workers_run(pid)


@pytest.mark.parametrize(
    ("sent", "code", "said"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["ctrl-c", "sigterm"],
)
@pytest.mark.parametrize(
    "moment", [_forkserver_starts, _scoring_workers_run], ids=["forkserver-starts", "scoring"]
)
def test_a_signal_while_workers_score_ends_in_one_line_and_no_worker_stays(
    started: Callable[..., subprocess.Popen[str]],
    big_inventory: Path,
    moment: Callable[[int], bool],
    sent: signal.Signals,
    code: int,
    said: str,
) -> None:
    process = started(
        "-m",
        "auditor",
        "audit",
        str(big_inventory),
        "--no-breach-check",
        "--no-history",
        "--jobs",
        "2",
        "--format",
        "json",
    )
    _wait_for(lambda: moment(process.pid) or process.poll() is not None, moment.__name__)
    assert process.poll() is None, f"the audit ended before {moment.__name__}"
    os.killpg(process.pid, sent)  # as a terminal sends Ctrl-C: to the whole group
    returncode, err = _finish(process)
    assert returncode == code, err[-2000:]
    assert f"portal-audit: {said}" in err
    assert "Traceback" not in err, err[-2000:]
    _wait_for(lambda: _group_gone(process.pid), "the workers and the forkserver to end")


@pytest.mark.parametrize(
    ("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_a_signal_while_reports_are_written_leaves_no_temporary_file(
    started: Callable[..., subprocess.Popen[str]],
    tmp_path: Path,
    sent: signal.Signals,
    code: int,
) -> None:
    out = tmp_path / "out"
    process = started(
        "-c",
        _SLOW_WRITER,
        "audit",
        "examples/inventaire.csv",
        "--no-breach-check",
        "--no-history",
        "--format",
        "json",
        "--out",
        str(out),
    )

    def temporary_files() -> list[Path]:
        return list(out.rglob("*.tmp")) if out.exists() else []

    _wait_for(lambda: bool(temporary_files()) or process.poll() is not None, "a temporary file")
    assert process.poll() is None, "the audit ended before it wrote"
    os.kill(process.pid, sent)
    returncode, err = _finish(process)
    assert returncode == code, err[-2000:]
    assert "Traceback" not in err, err[-2000:]
    assert temporary_files() == []


def test_a_second_sigterm_cannot_interrupt_the_clean_up() -> None:
    # Supervisors often send SIGTERM more than once: the first one starts the
    # clean-up (every finally), and a second one must not raise inside it.
    from auditor.cli.main import Terminated, _raise_terminated

    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        with pytest.raises(Terminated):
            _raise_terminated(signal.SIGTERM, None)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)
