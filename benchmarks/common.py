"""Helpers shared by the benchmarks: timing, child processes, the machine's description."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "benchmarks" / ".data"
"""Generated inputs, kept between runs (the 20 M-line corpus takes a minute to write)."""


def code_version(root: Path = REPO) -> str:
    """A digest of the package's code and policies under ``root``, for the name of a pickle.

    A pickle of records made by other code loads without a word and is wrong: a field
    added or slotted since gives an old object's state to the new class. Named by this,
    a cache made by other code is never found.
    """
    digest = hashlib.sha256()
    files = sorted([*root.glob("auditor/**/*.py"), *root.glob("policies/*.toml")])
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def git_show(revision: str, path: str) -> str:
    """The file (or, for a folder ending in ``/``, the listing) ``path`` as ``revision`` had it."""
    return subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout


def load_module(name: str, source: str, origin: str) -> ModuleType:
    """``source`` run as a module of its own named ``name`` (``origin`` names it in tracebacks).

    Registered in ``sys.modules`` first: ``dataclasses`` and ``typing`` look a class's
    module up by its name while the module runs.
    """
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None  # a spec without a loader is always made
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, origin, "exec"), module.__dict__)
    return module


def modules_at(revision: str, package: str, names: Sequence[str]) -> dict[str, ModuleType]:
    """Modules of ``package`` (``auditor.password``) as ``revision`` had them, as ``baseline_NAME``.

    Loaded in the order given, each importing the baseline's copies of those before it
    (``from auditor.password.fold import`` becomes ``from baseline_fold import``) and the
    current ones of the rest, for a benchmark that runs old and new side by side.
    """
    folder = package.replace(".", "/")
    modules: dict[str, ModuleType] = {}
    for name in names:
        source = git_show(revision, f"{folder}/{name}.py")
        for other, module in modules.items():
            source = source.replace(f"{package}.{other} ", f"{module.__name__} ")
        modules[name] = load_module(f"baseline_{name}", source, f"{revision}:{name}.py")
    return modules


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    with contextlib.suppress(ValueError, OSError):
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int((entry / "statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    family, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        for pid, parent in parents.items():
            if parent == current and pid not in family:
                family.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in family)


@dataclass(frozen=True)
class ChildRun:
    """One command run in a child process."""

    seconds: float
    returncode: int
    peak_tree_rss: int
    """Highest sum of resident memory of the process and its workers, sampled every 50 ms."""
    stderr: str


def run_child(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> ChildRun:
    """Run ``command``, discard its stdout, and measure its wall time and peak memory."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return ChildRun(seconds, process.returncode, peak, stderr)


AUDIT_FLAGS = ("--format", "json", "--quiet", "--as-of", "2026-11-22")
"""Every benchmarked audit: JSON to a discarded stdout, no progress bar, a fixed date."""


def audit_command(*args: str) -> list[str]:
    """``portal-audit audit`` as installed with this interpreter."""
    return [sys.executable, "-m", "auditor", "audit", *args]
