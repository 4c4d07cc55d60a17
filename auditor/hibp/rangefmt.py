"""Parsing of range bodies (``SUFFIX:COUNT`` lines), shared by the API client and the corpus."""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from auditor.hibp.interface import Clean, HibpError, LookupResult, Pwned, Unknown
from auditor.i18n.failure import failure

PREFIX_LENGTH = 5
SUFFIX_LENGTH = 35
NTLM_SUFFIX_LENGTH = 27
MAX_COUNT_DIGITS = 12
"""A count longer than this is not a count: the most seen password is at about 50 million
(8 digits); a longer digit string would cost Python's int() quadratic time or its
4,300-digit limit (a ValueError) instead of a clear refusal."""
MAX_BODY_BYTES = 2 * 2**20
"""2 MiB: a real padded answer is about 30-40 KB (800-1,000 lines of 40 bytes at most), so
a body 50 times that is no answer; refusing it bounds what a hostile server can make us hold."""
_LINE = re.compile(rf"^([0-9A-Fa-f]+):([0-9]{{1,{MAX_COUNT_DIGITS}}})$")
# ASCII digits only ([0-9], not \d, which also matches other scripts' digits), and at most
# MAX_COUNT_DIGITS of them; whitespace between lines is ASCII too.
_BODY = re.compile(
    rf"(?:[0-9A-Fa-f]{{35}}:[0-9]{{1,{MAX_COUNT_DIGITS}}}[ \t]*(?:\r?\n|\Z)[ \t\r\n]*)*"
)
_SUFFIX_OF = operator.itemgetter(slice(SUFFIX_LENGTH))
"""The suffix field of a checked line (a whitespace-split token of a body ``_BODY`` matched)."""
_BREACHED_LINE = re.compile(r":0*[1-9]")
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
        partial answer. Neither is a body without a single breached line (empty,
        blank, or padding only): every real prefix lists hundreds of breached
        suffixes, so such a body is a broken server or corpus, never "clean".
        Nor is a body that lists one suffix twice: ``…:0`` then ``…:1`` reads as
        clean or as breached depending on which line is believed.
        """
        if len(body) > MAX_BODY_BYTES:
            raise failure(
                HibpError, "hibp_error.over_cap", where=where, mib=str(MAX_BODY_BYTES // 2**20)
            )
        # One regular expression checks the whole body in C; a body that fails
        # it is walked line by line, which says which line is wrong.
        if _BODY.fullmatch(body.lstrip(" \t\r\n")) and _distinct(text := body.upper()):
            found = cls(text)
        else:
            found = cls.from_counts(_parse_line_by_line(body, where))
        if _BREACHED_LINE.search(found.text) is None:
            raise failure(HibpError, "hibp_error.no_breach_line", where=where)
        return found

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
        return _count(self.text[start + SUFFIX_LENGTH + 1 : None if end < 0 else end])

    def counts(self) -> dict[str, int]:
        """Every breached suffix and its count; padding (count 0) left out."""
        found = {}
        for line in self.text.split():
            suffix, _, count = line.partition(":")
            if number := _count(count):
                found[suffix] = number
        return found

    def without_padding(self) -> str:
        """The text without its count-0 padding lines."""
        return _PADDING.sub("", self.text).rstrip()


def _count(text: str) -> int:
    """A count field as a number; ``HibpError`` unless it is 1 to 12 ASCII digits.

    ``parse`` already checked the fields of a parsed range; a ``Range`` built
    any other way gets the same check here instead of a ``ValueError``.
    """
    digits = text.strip()
    if not 0 < len(digits) <= MAX_COUNT_DIGITS or not digits.isascii() or not digits.isdigit():
        raise failure(HibpError, "hibp_error.count_digits")
    return int(digits)


def _distinct(text: str) -> bool:
    """Whether no suffix of a body that ``_BODY`` matched is listed twice.

    Uniqueness, not strict order: the API sends suffixes sorted, but a mirror
    that does not sort still gives one reading per suffix, while a repeat gives
    two. Both checks cost the same (about 110 us on a padded 950-line body,
    against 270 us for the rest of ``parse``): whitespace splits the checked
    body into exactly its ``SUFFIX:COUNT`` lines, and the set is built in C.
    """
    lines = text.split()
    return len(set(map(_SUFFIX_OF, lines))) == len(lines)


def _parse_line_by_line(body: str, where: str) -> dict[str, int]:
    found: dict[str, int] = {}
    seen: set[str] = set()  # every suffix, padding too: "…:0" then "…:1" is two readings
    for number, raw in enumerate(body.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None or len(match[1]) != SUFFIX_LENGTH:
            if match is not None and len(match[1]) == NTLM_SUFFIX_LENGTH:
                raise failure(HibpError, "hibp_error.ntlm_line", where=where, line=str(number))
            raise failure(HibpError, "hibp_error.not_suffix_count", where=where, line=str(number))
        suffix = match[1].upper()
        if suffix in seen:
            # The suffix itself is not quoted: it is most of a password's SHA-1.
            raise failure(HibpError, "hibp_error.repeated_suffix", where=where, line=str(number))
        seen.add(suffix)
        if count := int(match[2]):
            found[suffix] = count
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
                continue
            try:
                count = answer.count(digest[PREFIX_LENGTH:])
            except HibpError as exc:
                results[digest] = Unknown(f"range {prefix}: {exc}")
                continue
            results[digest] = Pwned(count) if count else Clean()
    return results


def format_range(found: Mapping[str, int]) -> str:
    """A range body as the API sends it: sorted ``SUFFIX:COUNT`` lines joined by CRLF."""
    return "\r\n".join(f"{suffix}:{count}" for suffix, count in sorted(found.items()))
