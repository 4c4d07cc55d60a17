"""The ``portal-audit`` command line: parse, build objects, call the core, pick the exit code.

One module per command (``audit``, ``remind``, ``history``, ``hibp``, ``policy``),
the inputs ``audit`` and ``remind`` share (``inputs``, ``options``, ``unlock``),
and ``main``: the group, and the one place an error becomes a line and an exit code.
"""

from auditor.cli.main import cli, main

__all__ = ["cli", "main"]
