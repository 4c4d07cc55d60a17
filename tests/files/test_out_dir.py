"""``--out DIR`` against a hostile or broken folder: symlinks, loose modes, leftovers of a kill."""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Run = Callable[..., tuple[int, str, str]]

EXAMPLE = "examples/inventaire.csv"
PRACTICE = "750056780"
"""One of the example's practices: its folder is where a planted symlink waits."""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks and modes")


def audit(run_cli: Run, out: Path, *group: str) -> tuple[int, str, str]:
    return run_cli(
        *group,
        "audit",
        EXAMPLE,
        "--no-breach-check",
        "--no-history",
        "--as-of",
        "2026-11-22",
        "--format",
        "json,csv",
        "--out",
        str(out),
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_planted_symlink_to_a_folder_below_out_is_refused(run_cli: Run, tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir(mode=0o700)
    elsewhere.mkdir()
    (out / PRACTICE).symlink_to(elsewhere)
    code, _, err = audit(run_cli, out)
    assert code == 2, err
    assert f"{out / PRACTICE}: is a symbolic link; refusing to write through it" in err
    assert "Traceback" not in err and "internal error" not in err
    assert list(elsewhere.iterdir()) == []


def test_a_planted_symlink_in_place_of_a_report_is_replaced_not_followed(
    run_cli: Run, tmp_path: Path
) -> None:
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    (out / PRACTICE).mkdir(parents=True, mode=0o700)
    victim.write_text("untouched")
    (out / PRACTICE / "report.json").symlink_to(victim)
    code, _, err = audit(run_cli, out)
    assert code == 1, err
    assert victim.read_text() == "untouched"
    assert not (out / PRACTICE / "report.json").is_symlink()


def test_an_existing_loose_out_folder_is_tightened_to_0700(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)
    (out / PRACTICE).mkdir()
    (out / PRACTICE).chmod(0o755)
    code, _, err = audit(run_cli, out, "-v")
    assert code == 1, err
    assert _mode(out) == 0o700
    assert _mode(out / PRACTICE) == 0o700
    assert "0700" in err


def test_a_new_out_folder_and_its_parents_are_0700(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    code, _, err = audit(run_cli, out)
    assert code == 1, err
    assert _mode(tmp_path / "a") == 0o700 and _mode(out) == 0o700
    assert _mode(out / PRACTICE / "report.json") == 0o600


def test_a_dangling_out_symlink_is_a_clear_error(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.symlink_to(tmp_path / "gone")
    code, _, err = audit(run_cli, out)
    assert code == 2
    assert f"{out}: is a symbolic link to nothing" in err
    assert "File exists" not in err and "Traceback" not in err
    assert not (tmp_path / "gone").exists()


def test_an_out_symlink_to_a_folder_is_the_user_s_choice(run_cli: Run, tmp_path: Path) -> None:
    real, out = tmp_path / "real", tmp_path / "out"
    real.mkdir(mode=0o700)
    out.symlink_to(real)
    code, _, err = audit(run_cli, out)
    assert code == 1, err
    assert (real / PRACTICE / "report.json").is_file()


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_run_removes_temporary_files_a_kill_left_behind(
    run_cli: Run, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / PRACTICE).mkdir(parents=True, mode=0o700)
    dead = _dead_pid()
    stale = [
        out / PRACTICE / f".report.json.{dead}.140213.tmp",
        out / f".summary.csv.{dead}.140213.tmp",
    ]
    # pid 1 is always alive: its file may be another run's write in progress.
    alive = out / PRACTICE / ".report.md.1.140213.tmp"
    unrelated = out / PRACTICE / "notes.tmp"
    for path in [*stale, alive, unrelated]:
        path.write_text("{")
    code, _, err = audit(run_cli, out)
    assert code == 1, err
    assert not any(path.exists() for path in stale)
    assert alive.exists() and unrelated.exists()


def test_an_exception_while_writing_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.files import private as privatefile

    def chunks() -> object:
        yield "partial"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        privatefile.write_private(tmp_path / "report.json", chunks())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_no_temporary_file_remains_after_a_run(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, _ = audit(run_cli, out)
    assert code == 1
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert any(out.iterdir())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the descriptor path is POSIX's")
def test_linux_writes_below_out_by_folder_descriptor(tmp_path: Path) -> None:
    # The lstat checks are the fallback for systems without *at() calls; on Linux
    # the folder must be held open, so it cannot be swapped between check and write.
    from auditor.files import private as privatefile

    assert privatefile._AT
    with privatefile.PrivateFolder.open(tmp_path / "out") as root, root.folder("750056780") as sub:
        assert sub._descriptor is not None
        written = sub.write("report.json", "{}")
    assert written.read_text(encoding="utf-8") == "{}"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


def test_a_failed_write_names_the_report_not_its_temporary_file(tmp_path: Path) -> None:
    from auditor.files import private as privatefile

    def failing() -> Iterator[str]:
        yield "{"
        raise OSError(28, "No space left on device")

    with (
        privatefile.PrivateFolder.open(tmp_path / "out") as root,
        pytest.raises(OSError, match="No space left") as raised,
    ):
        root.write("summary.json", failing())
    assert raised.value.filename == str(tmp_path / "out" / "summary.json")
