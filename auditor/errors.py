"""The root of every error portal-auditor raises on purpose; each layer subclasses it."""


class AuditorError(Exception):
    """An expected failure the CLI turns into one clear line and an exit code.

    Messages never contain a password or anything derived from one: they are
    printed, logged and sometimes written into reports.
    """


class UsageError(AuditorError):
    """The command line asks for something contradictory or impossible."""
