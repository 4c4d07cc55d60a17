"""Print every command's ``--help`` (between markers), as ``portal-audit`` would: run by the help tests.

A process of its own: option texts such as ``--history``'s default are computed
when the CLI is imported, from the environment the test gives this process.
"""

from __future__ import annotations

import contextlib
import io
import sys

from auditor.cli import main

COMMANDS = (
    (),
    ("audit",),
    ("remind",),
    ("history",),
    ("hibp",),
    ("hibp", "download"),
    ("hibp", "index"),
    ("hibp", "serve"),
    ("policy",),
    ("policy", "show"),
    ("policy", "check"),
)


def render(command: tuple[str, ...], extra: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main([*command, *extra, "--help"])
    return out.getvalue()


if __name__ == "__main__":
    for command in COMMANDS:
        sys.stdout.write(f"=== {' '.join(command) or 'portal-audit'}\n")
        sys.stdout.write(render(command, sys.argv[1:]))
