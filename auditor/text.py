"""Shapes of inventory text (e-mail addresses, loopback hosts) and its folding for comparisons."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

# Leet substitutions people use to dress up a word ("Ph4rm@cie"). "1" stands for
# both "i" and "l", so it produces two foldings.
_LEET_COMMON = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_ONE_AS = ("i", "l")
_WORD = re.compile(r"[a-z0-9]+")
# One bare address (RFC 5322 §3.4.1 addr-spec, dot-atom form) and nothing else:
# no display name, comment, quoted local part, domain literal or list, each of
# which lets one cell name other recipients ("victim@evil.example>,<z.fr") or
# break a mail header. The local part takes a conservative subset of atext
# (letters, digits, . _ + - ' : no % or ! that old relays route on); the domain
# takes dot-separated LDH labels (RFC 1035 §2.3.1) ending in a TLD of letters or
# an IDNA "xn--" label. ASCII only: an address goes into a header unencoded.
_LOCAL_PART = re.compile(r"[A-Za-z0-9_+'-]+(?:\.[A-Za-z0-9_+'-]+)*")
_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
)
MAX_EMAIL_LENGTH = 254
"""RFC 5321 §4.5.3.1.3 allows a 256-octet path, brackets included (RFC 3696 erratum 1690)."""
MAX_LOCAL_PART_LENGTH = 64
"""RFC 5321 §4.5.3.1.1."""
MAX_DOMAIN_LENGTH = 253
"""RFC 1035 §2.3.4 (255 octets on the wire, less the length bytes)."""


def is_email(text: str) -> bool:
    """Whether ``text`` is exactly one bare e-mail address (``local@domain``), safe in a header."""
    if len(text) > MAX_EMAIL_LENGTH or not text.isascii():
        return False
    local, at, domain = text.rpartition("@")
    return (
        bool(at)
        and len(local) <= MAX_LOCAL_PART_LENGTH
        and len(domain) <= MAX_DOMAIN_LENGTH
        and _LOCAL_PART.fullmatch(local) is not None
        and _DOMAIN.fullmatch(domain) is not None
    )


def strip_accents(text: str) -> str:
    """``Santéclair`` → ``Santeclair``; ligatures such as ``œ`` become ``oe``."""
    if text.isascii():  # nothing to strip: the common case, and a hot one
        return text
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower case without accents: the form every comparison of names uses."""
    if text.isascii():  # no accent to strip: the common case, a million times an audit
        return text.casefold()
    return strip_accents(text).casefold()


def fold_key(text: str) -> str:
    """A key that ignores case, accents, spaces, hyphens and underscores (headers, names)."""
    return re.sub(r"[\s_\-.'’]+", "", fold(text))


class Folded(dict[str, str]):
    """Text → ``fold(text)``, each distinct text folded once: ``folded[login]``.

    A run names each login in many places (its findings, the rules across accounts, the
    history's rows); once known, a login's folded form is a plain look-up, not a call.
    """

    def __missing__(self, text: str) -> str:
        folded = self[text] = fold(text)
        return folded


def leet_variants(text: str) -> tuple[str, ...]:
    """The folded text, de-leeted: one variant per reading of ``1`` (``i`` or ``l``)."""
    base = fold(text).translate(_LEET_COMMON)
    if "1" not in base:
        return (base,)
    return tuple(base.replace("1", letter) for letter in _LEET_ONE_AS)


def folded_words(folded: str, min_length: int) -> frozenset[str]:
    """``words`` of text already folded (``fold``): for a caller that needs the folded text too."""
    found = _WORD.findall(folded)
    if len(found) == 1:  # a login or a one-word name: no generator for it
        return frozenset(found) if len(found[0]) >= min_length else frozenset()
    return frozenset(word for word in found if len(word) >= min_length)


def words(text: str, min_length: int) -> frozenset[str]:
    """The folded alphanumeric words of ``text`` that have at least ``min_length`` characters.

    Not cached: usernames, owners and addresses are one per account, so a cache of 65,536
    missed on every one and kept as many sets alive. Whoever asks for the same few names
    again and again (practices, portals) keeps their words itself.
    """
    return folded_words(fold(text), min_length)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
