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
from collections.abc import Iterator, Sequence
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


SAMPLE_SECONDS = 0.05
"""How often the resident memory of the audit's processes is summed: a shorter peak may be
missed."""
RESCAN_EVERY = 10
"""Samples between two scans of every process for the audit's new ones (0.5 s): in between,
only the processes already known are read. A scan reads two files of each of the machine's
processes; a worker is seen at most that late, when it still shares its parent's pages."""
PSS_EVERY = 20
"""Samples between two sums of the proportional sizes (1 s). ``smaps_rollup`` walks a
process's page tables, holding its memory map's lock: 0.18 s of CPU for 8 processes of
2 GB measured on this machine, so that summing it at every sample took a fifth of a core
from the audit it measured, and slowed its page faults."""


def _processes() -> Iterator[tuple[int, int, int]]:
    """(pid, parent pid, resident bytes) of every process, from /proc."""
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                resident = int((entry / "statm").read_text().split()[1]) * page
            except (OSError, IndexError, ValueError):
                continue
            yield int(entry.name), parent, resident


def _proportional(pid: int) -> int:
    """Proportional resident bytes of ``pid``: each page shared by n processes counts 1/n.

    A forked worker shares the report's pages with its parent until either writes them:
    the sum of resident sizes counts those pages twice, the sum of these once.
    """
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def process_tree(root: int) -> dict[int, int]:
    """Resident bytes of ``root`` and each of its descendants."""
    seen = list(_processes())
    family = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent, _ in seen:
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    return {pid: resident for pid, _, resident in seen if pid in family}


def _resident(pids: list[int]) -> dict[int, int]:
    """Resident bytes of each of ``pids`` still running (one small file each)."""
    page = os.sysconf("SC_PAGE_SIZE")
    sizes = {}
    for pid in pids:
        try:
            sizes[pid] = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return sizes


class Sampler:
    """The peaks of memory of a process and its descendants, one sample a call of ``once``."""

    def __init__(self, root: int, *, pss: bool = False) -> None:
        self.root = root
        self.with_pss = pss
        self.samples = 0
        self.family: list[int] = []
        self.tree = 0
        """Highest sum of resident bytes."""
        self.process = 0
        """Highest resident bytes of one process."""
        self.pss = 0
        """Highest sum of proportional bytes, at every ``PSS_EVERY``-th sample."""
        self.count = 0
        """Most processes at one sample."""

    def once(self) -> None:
        """One sample: the sizes read now, kept where they are the highest yet."""
        if self.samples % RESCAN_EVERY == 0:
            sizes = process_tree(self.root)
            self.family = list(sizes)
        else:
            sizes = _resident(self.family)
        self.tree = max(self.tree, sum(sizes.values()))
        self.process = max(self.process, max(sizes.values(), default=0))
        self.count = max(self.count, len(sizes))
        if self.with_pss and self.samples % PSS_EVERY == 0:
            self.pss = max(self.pss, sum(_proportional(pid) for pid in sizes))
        self.samples += 1


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
    sampler = Sampler(process.pid)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            sampler.once()
            done.wait(SAMPLE_SECONDS)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    thread.join()
    return ChildRun(seconds, process.returncode, sampler.tree, stderr)


AUDIT_FLAGS = ("--format", "json", "--quiet", "--as-of", "2026-11-22")
"""Every benchmarked audit: JSON to a discarded stdout, no progress bar, a fixed date."""


def audit_command(*args: str) -> list[str]:
    """``portal-audit audit`` as installed with this interpreter."""
    return [sys.executable, "-m", "auditor", "audit", *args]
