"""The policy layer's error."""

from auditor.errors import AuditorError


class PolicyError(AuditorError):
    """A policy file cannot be read or says something invalid."""
