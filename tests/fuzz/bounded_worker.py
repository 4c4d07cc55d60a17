"""A child process that loads inventories under an address-space limit, for the fuzz tests.

Run as ``python bounded_worker.py MEMORY_MIB``: it imports everything first, then
limits its address space (``RLIMIT_AS``, Linux) to what it uses plus MEMORY_MIB,
says ``ready``, and answers one JSON line per JSON request line
(``{"path": ..., "secret": ...}``). The parent bounds the time of each request.
"""

from __future__ import annotations

import json
import sys
import traceback
import warnings
from datetime import date
from pathlib import Path
from typing import Any

from auditor.errors import AuditorError
from auditor.models import Account
from auditor.policy import load_policy
from auditor.sources import LoadResult, SourceOptions, Unlock, open_inventory

AS_OF = date(2026, 11, 22)


def _limit_address_space(extra_mib: int) -> None:
    if not sys.platform.startswith("linux"):
        return  # RLIMIT_AS is not enforced elsewhere: only the time bound holds there
    import resource

    status = Path("/proc/self/status").read_text(encoding="ascii")
    used_kib = next(
        int(line.split()[1]) for line in status.splitlines() if line.startswith("VmSize:")
    )
    limit = used_kib * 1024 + extra_mib * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _ran_out_of_memory(exc: BaseException) -> bool:
    """Whether the refusal came from an allocation that the address-space limit made fail.

    Such a file would have taken that memory outside the worker: the source must
    refuse it from its parameters, before allocating.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MemoryError) or "memory allocation" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _answer(request: dict[str, Any], policy: Any) -> dict[str, Any]:
    path = Path(request["path"])
    secret = request.get("secret")

    def ask(kind: Unlock, asked: Path) -> str:
        if secret is None:
            raise AuditorError(f"{asked}: needs the {kind.value}")
        return str(secret)

    try:
        result = open_inventory(path, SourceOptions(ask_secret=ask)).load(policy, AS_OF)
    except AuditorError as exc:
        return {
            "status": "refused",
            "type": type(exc).__name__,
            "message": str(exc),
            "out_of_memory": _ran_out_of_memory(exc),
        }
    except BaseException as exc:  # noqa: BLE001 - the property is that nothing else escapes
        frames = traceback.extract_tb(exc.__traceback__)
        last = frames[-1] if frames else None
        return {
            "status": "crash",
            "type": type(exc).__name__,
            "where": f"{Path(last.filename).name}:{last.lineno}" if last else "?",
            "frames": "".join(frames.format()[-8:]),
        }
    if not isinstance(result, LoadResult):
        return {"status": "crash", "type": type(result).__name__, "where": "load()", "frames": ""}
    return {
        "status": "loaded",
        "accounts": len(result.accounts),
        "problems": len(result.problems),
        "foreign_accounts": [
            repr(type(account))
            for account in result.accounts
            if not isinstance(account, Account) or not account.origin.path.startswith(str(path))
        ],
        "problems_elsewhere": [
            problem.path for problem in result.problems if not problem.path.startswith(str(path))
        ],
    }


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    # Library warnings are not the property under test (the audit shows them as log lines).
    warnings.simplefilter("ignore")
    policy = load_policy()
    _limit_address_space(int(sys.argv[1]))
    _say("ready")
    for line in sys.stdin:
        try:
            answer = _answer(json.loads(line), policy)
        except MemoryError:
            answer = {"status": "crash", "type": "MemoryError", "where": "worker", "frames": ""}
        _say(json.dumps(answer))


if __name__ == "__main__":
    main()
