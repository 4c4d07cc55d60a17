"""Parsing of range bodies (``SUFFIX:COUNT`` lines), shared by the API client and the corpus."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from auditor.hibp.interface import Clean, HibpError, LookupResult, Pwned, Unknown

PREFIX_LENGTH = 5
SUFFIX_LENGTH = 35
NTLM_SUFFIX_LENGTH = 27
_LINE = re.compile(r"^([0-9A-Fa-f]+):(\d+)$")


_BODY = re.compile(r"(?:[0-9A-Fa-f]{35}:\d+[ \t]*(?:\r?\n|\Z)\s*)*")
_PADDING = re.compile(r"^[0-9A-F]{35}:0+[ \t]*(?:\r?\n|\Z)", re.MULTILINE)


@dataclass(frozen=True)
class Range:
    """One prefix's answer, checked: upper-case ``SUFFIX:COUNT`` lines.

    Kept as text, not parsed into a dictionary: an audit wants one or two
    suffixes out of 800–1000 lines, and finding them in the text costs a
    fraction of what building a dictionary of every line costs.
    """

    text: str

    @classmethod
    def parse(cls, body: str, where: str) -> Range:
        """Check a range body; anything that is not ``35-hex:count`` lines raises ``HibpError``.

        Garbage in one line makes the whole body untrustworthy, so there is no
        partial answer.
        """
        # One regular expression checks the whole body in C; a body that fails
        # it is walked line by line, which says which line is wrong.
        if _BODY.fullmatch(body.lstrip()):
            return cls(body.upper())
        return cls.from_counts(_parse_line_by_line(body, where))

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Range:
        return cls(format_range(counts))

    def count(self, suffix: str) -> int:
        """How often the hash with this suffix was seen; 0 when absent or padding.

        HIBP pads answers with fake suffixes whose count is 0 when asked to with
        ``Add-Padding`` (haveibeenpwned.com/API/v3#PwnedPasswordsPadding): they
        are not breached passwords. A run of 35 hex digits can only be a whole
        suffix field, so ``find`` is exact.
        """
        start = self.text.find(suffix)
        if start < 0:
            return 0
        end = self.text.find("\n", start)
        return int(self.text[start + SUFFIX_LENGTH + 1 : None if end < 0 else end])

    def counts(self) -> dict[str, int]:
        """Every breached suffix and its count; padding (count 0) left out."""
        found = {}
        for line in self.text.split():
            suffix, _, count = line.partition(":")
            if number := int(count):
                found[suffix] = number
        return found

    def without_padding(self) -> str:
        """The text without its count-0 padding lines."""
        return _PADDING.sub("", self.text).rstrip()


def _parse_line_by_line(body: str, where: str) -> dict[str, int]:
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
        if count := int(match[2]):
            found[match[1].upper()] = count
    return found


def by_prefix(sha1_hashes: Iterable[str]) -> dict[str, list[str]]:
    """Hashes grouped by the 5-hex prefix a range lookup asks for, prefixes sorted."""
    groups: dict[str, list[str]] = {}
    for digest in sorted(sha1_hashes):
        groups.setdefault(digest[:PREFIX_LENGTH], []).append(digest)
    return groups


def outcomes(
    groups: Mapping[str, Iterable[str]], ranges: Mapping[str, Range | Unknown]
) -> dict[str, LookupResult]:
    """Each hash's outcome from its prefix's answer: a failed range makes all of them unknown."""
    results: dict[str, LookupResult] = {}
    for prefix, digests in groups.items():
        answer = ranges[prefix]
        for digest in digests:
            if isinstance(answer, Unknown):
                results[digest] = answer
            elif count := answer.count(digest[PREFIX_LENGTH:]):
                results[digest] = Pwned(count)
            else:
                results[digest] = Clean()
    return results


def format_range(found: Mapping[str, int]) -> str:
    """A range body as the API sends it: sorted ``SUFFIX:COUNT`` lines joined by CRLF."""
    return "\r\n".join(f"{suffix}:{count}" for suffix, count in sorted(found.items()))
