"""Parsing of range bodies (``SUFFIX:COUNT`` lines), shared by the API client and the corpus."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from auditor.hibp.interface import Clean, HibpError, LookupResult, Pwned, Unknown

PREFIX_LENGTH = 5
SUFFIX_LENGTH = 35
NTLM_SUFFIX_LENGTH = 27
_LINE = re.compile(r"^([0-9A-Fa-f]+):(\d+)$")


def parse_range(body: str, where: str) -> dict[str, int]:
    """Suffix → count for every line of a range body; padding lines (count 0) are dropped.

    HIBP pads answers with fake suffixes whose count is 0 when asked to with
    ``Add-Padding`` (haveibeenpwned.com/API/v3#PwnedPasswordsPadding): they are
    not breached passwords. Anything that is not ``35-hex:count`` makes the whole
    body untrustworthy, so it raises instead of returning a partial answer.
    """
    found: dict[str, int] = {}
    for number, raw in enumerate(body.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None or len(match[1]) != SUFFIX_LENGTH:
            if match is not None and len(match[1]) == NTLM_SUFFIX_LENGTH:
                raise HibpError(f"{where}: line {number} is an NTLM hash, expected SHA-1")
            raise HibpError(f"{where}: line {number} is not SUFFIX:COUNT")
        count = int(match[2])
        if count:
            found[match[1].upper()] = count
    return found


def by_prefix(sha1_hashes: Iterable[str]) -> dict[str, list[str]]:
    """Hashes grouped by the 5-hex prefix a range lookup asks for, prefixes sorted."""
    groups: dict[str, list[str]] = {}
    for digest in sorted(sha1_hashes):
        groups.setdefault(digest[:PREFIX_LENGTH], []).append(digest)
    return groups


def outcomes(
    groups: Mapping[str, Iterable[str]], ranges: Mapping[str, dict[str, int] | Unknown]
) -> dict[str, LookupResult]:
    """Each hash's outcome from its prefix's answer: a failed range makes all of them unknown."""
    results: dict[str, LookupResult] = {}
    for prefix, digests in groups.items():
        answer = ranges[prefix]
        for digest in digests:
            if isinstance(answer, Unknown):
                results[digest] = answer
            elif count := answer.get(digest[PREFIX_LENGTH:]):
                results[digest] = Pwned(count)
            else:
                results[digest] = Clean()
    return results


def format_range(found: Mapping[str, int]) -> str:
    """A range body as the API sends it: sorted ``SUFFIX:COUNT`` lines joined by CRLF."""
    return "\r\n".join(f"{suffix}:{count}" for suffix, count in sorted(found.items()))
