"""Breach lookups in Have I Been Pwned's Pwned Passwords, online or offline."""

from auditor.hibp.cache import CacheStats, RangeCache
from auditor.hibp.interface import (
    BreachSource,
    Clean,
    CorpusError,
    HibpError,
    LookupResult,
    Pwned,
    Unknown,
)
from auditor.hibp.offline import PrefixDirectory, SortedHashFile, open_corpus
from auditor.hibp.online import DEFAULT_LOOKUP_DEADLINE, RangeApiClient, RetryPolicy
from auditor.hibp.session import DEFAULT_API, USER_AGENT, make_session

__all__ = [
    "DEFAULT_API",
    "DEFAULT_LOOKUP_DEADLINE",
    "USER_AGENT",
    "BreachSource",
    "CacheStats",
    "Clean",
    "CorpusError",
    "HibpError",
    "LookupResult",
    "PrefixDirectory",
    "Pwned",
    "RangeApiClient",
    "RangeCache",
    "RetryPolicy",
    "SortedHashFile",
    "Unknown",
    "make_session",
    "open_corpus",
]
