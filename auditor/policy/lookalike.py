"""Whether a web host imitates a portal: edited, confusable, embedded or free-hosted lookalikes."""

from __future__ import annotations

import enum
import functools
import json
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import idna
from publicsuffixlist import PublicSuffixList

from auditor.files.packaged import data_dir
from auditor.i18n.phrase import phrase
from auditor.policy.model import Policy, Portal
from auditor.policy.names import name_words, without_parentheses
from auditor.policy.problems import policy_error
from auditor.text import MAX_DOMAIN_LENGTH

FREE_HOSTS_FILE = "free-hosts.toml"
"""Free-hosting and URL-shortener suffixes, each with its source (``policies/``)."""
MAX_LABEL_LENGTH = 63
"""RFC 1035 §2.3.4: a longer label is no domain name, whatever else it is."""
LETTERS_PER_EDIT = 8
"""A lookalike of a portal's registrable label may be one edit off per this many letters
(hyphens aside): "viamedls" for "viamedis", two for "carteblanchepartenaires". Shorter
labels take none: one edit from a seven-letter name reaches other names of this very trade
("kalivia", another optical network, is "kalixia" with one letter changed), so "almerys" or
"kalixia" are matched as they are, under another suffix, confusable or among other words."""
MAX_EDITS = 2
"""Three edits from a label of any length read as another name, not as a misprint of it."""
MIN_KEYWORD_LENGTH = 5
"""A portal's word found among a host's words must be this long: shorter ones ("tp", "be",
"sp", "beys", "cbp") are abbreviations found in countless unrelated domains. "ameli" and
"cbpec" are five letters, and are what phishing domains are built on."""
COMMON_WORDS = frozenset({"generation", "harmonie"})
"""Portals' words that are everyday French or English words: "generation-voyages.com",
"generations.fr", "harmonie-mutuelle.fr" (the insurer's own site) and "harmonie-coiffure.fr"
are other businesses. Such a word is never flagged as an edit of a portal's domain or as a
word among others; its confusable spellings ("generation.fr" with a Cyrillic e) and the whole
official domain inside another ("generation.fr.attacker.io") still are."""
MAX_CACHED_HOSTS = 65_536
"""Verdicts kept per judge: a vault repeats the same sites entry after entry, and a bound
keeps 100,000 distinct hosts from holding memory for nothing."""

_ASCII_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
"""Letters, digits, hyphens and underscores (which real hosts carry, ``_dmarc``): anything
else in an ASCII label (``:``, ``/``, ``@``, spaces, ``%``) means it is no host name."""
_TOKEN_SEPARATORS = re.compile(r"[-_]+")
_IDNA_PREFIX = "xn--"
_LEFT_TO_RIGHT_MARK = "\u200e"
"""confusable_homoglyphs wraps right-to-left characters in this mark for display."""


class ImitationKind(enum.Enum):
    """How a host imitates a portal; the values are stable ids used in JSON."""

    EDIT = "edit"
    """A small edit of a portal's registrable domain (``viamedls.net``), or its label under
    another suffix (``almerys.co``, ``viamedis.com``)."""
    CONFUSABLE = "confusable"
    """Characters drawn like the portal's (Unicode confusables, accents, ``0`` for ``o``,
    ``rn`` for ``m``), in Unicode or punycode (``viamedis.net`` with a Cyrillic i, which is
    ``xn--vamedis-rog.net``)."""
    EMBEDDED = "embedded"
    """A portal's name or domain label among the words of another registrable domain
    (``viamedis-pro.com``, ``almerys.secure-login.fr``, ``viamedis.net.attacker.io``)."""
    FREE_HOSTING = "free-hosting"
    """Any of the above on a free-hosting or URL-shortener domain (``viamedis.wixsite.com``)."""


class HostingKind(enum.Enum):
    """A shared domain where anyone gets a site or a link (``policies/free-hosts.toml``)."""

    FREE_HOSTING = "free-hosting"
    SHORTENER = "shortener"
    """The page is named in the path (``bit.ly/abc``): a host alone names no portal."""


@dataclass(frozen=True)
class Imitation:
    """A host that imitates a portal."""

    portal: str
    """The imitated portal's id."""
    kind: ImitationKind
    host: str
    """The host in ASCII (punycode kept as ``xn--…``), lower case, without a trailing dot."""
    shown: str
    """What to show a person: the ASCII host, and for an internationalised one its
    characters spelled out in ASCII (``xn--vamedis-rog.net (v\\u0456amedis.net)``), never the
    confusable characters themselves."""


@dataclass(frozen=True)
class _Host:
    """A host name read as a browser reads it (UTS #46), in both forms."""

    ascii: str
    labels: tuple[str, ...]
    """ASCII labels, punycode as ``xn--…``."""
    unicode: tuple[str, ...]
    """The same labels decoded: what a person reads."""

    @functools.cached_property
    def suffixes(self) -> tuple[str, ...]:
        """The host, then each domain it is under: ``a.b.fr``, ``b.fr``, ``fr``."""
        labels = self.labels
        return tuple(".".join(labels[i:]) for i in range(len(labels)))

    @property
    def international(self) -> bool:
        return self.ascii != ".".join(self.unicode)

    @property
    def shown(self) -> str:
        if not self.international:
            return self.ascii
        spelled = "".join(_spelled(ch) for ch in ".".join(self.unicode))
        return f"{self.ascii} ({spelled})"


def _spelled(ch: str) -> str:
    if ch.isascii():
        return ch
    return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"


def _readable(label: str) -> bool:
    """Whether a Unicode label holds only what a host may: no ``/``, ``@``, controls, spaces."""
    return all(
        _ASCII_LABEL.fullmatch(ch) if ch.isascii() else unicodedata.category(ch)[0] not in "CZ"
        for ch in label
    )


def _remapped(text: str) -> str | None:
    """``text`` mapped as browsers map host names (UTS #46, non-transitional), or None."""
    try:
        return idna.uts46_remap(text, std3_rules=False, transitional=False)
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def _decoded(label: str) -> str | None:
    """The Unicode form of an ASCII label, or None when an ``xn--`` label is no IDNA label."""
    if not label.startswith(_IDNA_PREFIX):
        return label
    encoded = label[len(_IDNA_PREFIX) :]
    try:
        decoded = encoded.encode("ascii").decode("punycode")
        # A real A-label decodes to a mapped, non-ASCII U-label that encodes back to itself.
        if decoded.encode("punycode").decode("ascii") != encoded:
            return None
    except (UnicodeError, ValueError):
        return None
    if decoded.isascii() or not _readable(decoded) or _remapped(decoded) != decoded:
        return None
    return decoded


def _forms(label: str) -> tuple[str, str] | None:
    """A mapped label's ASCII and Unicode forms, or None if it is no label."""
    if label.isascii():
        if not _ASCII_LABEL.fullmatch(label):
            return None
        decoded = _decoded(label)
        return None if decoded is None else (label, decoded)
    if not _readable(label):
        return None
    encoded = _IDNA_PREFIX + label.encode("punycode").decode("ascii")
    return (encoded, label) if len(encoded) <= MAX_LABEL_LENGTH else None


def _parsed(host: str) -> _Host | None:
    """``host`` as a domain name, or None: empty, too long, an IP address, loopback, malformed."""
    if not isinstance(host, str) or not host or len(host) > MAX_DOMAIN_LENGTH + 1:
        return None  # 253 characters and the root's trailing dot
    text = host.lower() if host.isascii() else _remapped(host)
    if not text:
        return None
    forms = [_forms(label) for label in text.removesuffix(".").split(".")]
    if any(form is None for form in forms):
        return None
    labels = tuple(form[0] for form in forms if form is not None)
    ascii_host = ".".join(labels)
    if (
        len(labels) < 2
        or len(ascii_host) > MAX_DOMAIN_LENGTH
        or labels[-1] == "localhost"  # RFC 6761 §6.3: loopback, never a web site
        or labels[-1].isdigit()  # no top-level domain is all digits: an IPv4 address
    ):
        return None
    return _Host(ascii_host, labels, tuple(form[1] for form in forms if form is not None))


@functools.cache
def _suffix_list() -> PublicSuffixList:
    """The Public Suffix List, ICANN and private sections, from the snapshot the library
    bundles (its ``public_suffix_list.dat``): it is read from disk, never fetched. A newer list
    comes with a newer release of the package."""
    return PublicSuffixList()


@functools.cache
def _prototypes() -> Mapping[int, str]:
    """Each confusable character's prototype, for ``str.translate``.

    From Unicode's confusables.txt (UTS #39 §4), as ``confusable_homoglyphs`` ships it in its
    ``confusables.json`` (3.3.1, "updated unicode data", January 2024; it names no version: it
    holds Unicode 13.0's segmented digits and no character newer than 14.0). Each character
    there lists what it may be confused with, in both directions. A character listing exactly
    one other is a source, the other its prototype (a prototype is never itself a source), and
    the two join one class, drawn by its lower-case ASCII letter, else its ASCII letter, else
    its ASCII character, else its lowest code point. A source drawn as a sequence ("rn" for
    "m") maps to the sequence's characters' classes.
    """
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    data: dict[str, list[dict[str, str]]] = json.loads(raw.read_text(encoding="utf-8"))
    parent: dict[str, str] = {}

    def root(ch: str) -> str:
        while parent.get(ch, ch) != ch:
            ch = parent[ch]
        return ch

    def rank(ch: str) -> tuple[bool, bool, bool, str]:
        # ASCII letters first, lower case before capitals, so that "0" and "O" draw as "o".
        ascii_letter = ch.isascii() and ch.isalpha()
        return (not (ascii_letter and ch.islower()), not ascii_letter, not ch.isascii(), ch)

    sequences: dict[str, str] = {}
    for key, entries in data.items():
        source = key.replace(_LEFT_TO_RIGHT_MARK, "")
        if len(source) != 1 or len(entries) != 1:
            continue
        target = entries[0]["c"].replace(_LEFT_TO_RIGHT_MARK, "")
        if len(target) != 1:
            sequences[source] = target
            continue
        first, second = root(source), root(target)
        if first != second:
            winner, loser = sorted((first, second), key=rank)
            parent[loser] = winner
    table = {ord(ch): root(ch) for ch in parent}
    for source, target in sequences.items():
        table[ord(source)] = "".join(root(ch) for ch in target)
    return {code: mapped for code, mapped in table.items() if mapped != chr(code)}


def skeleton(text: str) -> str:
    """What ``text`` looks like: two strings with one skeleton are drawn alike.

    UTS #39's skeleton (NFD, each character to its prototype, NFD again), then without
    combining marks and in lower case, which the standard keeps: in a host name an accent is
    what a hurried reader does not see ("viamédis"), and case is not part of a domain name.
    """
    table = _prototypes()
    if text.isascii():
        return text.translate(table).lower()
    mapped = unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).translate(table))
    return "".join(ch for ch in mapped if not unicodedata.combining(ch)).lower()


@dataclass(frozen=True)
class _Target:
    """A registrable label an official domain has (``viamedis``, ``be-almerys``)."""

    portal: str
    label: str
    """In Unicode, as a person reads it."""
    skeleton: str
    edits: int
    """How many edits a lookalike may be off (``LETTERS_PER_EDIT``); 0 for common words."""
    common: bool


@functools.cache
def _free_hosts() -> Mapping[str, HostingKind]:
    """``policies/free-hosts.toml``: suffix → kind, read once per process."""
    resource = data_dir("policies").joinpath(FREE_HOSTS_FILE)
    try:
        data = tomllib.loads(resource.read_text(encoding="utf-8"))
        return {entry["suffix"]: HostingKind(entry["kind"]) for entry in data["host"]}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        damaged = phrase("policy.builtin_damaged", name=FREE_HOSTS_FILE, detail=str(exc))
        raise policy_error(damaged) from exc


def _edit_bound(label: str) -> int:
    """How many edits a lookalike of this registrable label may be off."""
    return min(MAX_EDITS, len(label.replace("-", "")) // LETTERS_PER_EDIT)


def _within(left: str, right: str, bound: int) -> int | None:
    """The optimal-string-alignment distance (``names.osa_distance``) if at most ``bound``.

    Only the diagonal band ``|i - j| <= bound`` is computed: a path leaving it costs more than
    ``bound`` edits, so a 23-letter label costs 5 cells a row instead of 24.
    """
    if abs(len(left) - len(right)) > bound:
        return None
    far = bound + 1
    width = len(right)
    before: list[int] = []
    previous = [j if j <= bound else far for j in range(width + 1)]
    for i in range(1, len(left) + 1):
        current = [far] * (width + 1)
        if i <= bound:
            current[0] = i
        a = left[i - 1]
        for j in range(max(1, i - bound), min(width, i + bound) + 1):
            b = right[j - 1]
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == right[j - 2] and left[i - 2] == b:
                best = min(best, before[j - 2] + 1)
            current[j] = min(best, far)
        if min(current) > bound:
            return None
        before, previous = previous, current
    return previous[width] if previous[width] <= bound else None


class SiteJudge:
    """Tells official hosts and lookalikes of a set of portals apart, everything precomputed."""

    def __init__(self, portals: Sequence[Portal]) -> None:
        self._psl = _suffix_list()
        self._free = _free_hosts()
        self._official: dict[str, str] = {}
        """Each official domain, in ASCII → its portal."""
        self._registrable: set[str] = set()
        """The official domains' registrable domains: their owners' other hosts are theirs."""
        targets: list[_Target] = []
        words: dict[str, str] = {}
        for portal in portals:
            for domain in portal.domains:
                targets += self._learn(portal.id, domain, words)
            for name in (portal.id, portal.name, *portal.aliases):
                if len(named := name_words(without_parentheses(name))) == 1:
                    words.setdefault(named[0], portal.id)
        self._official_sizes = sorted({domain.count(".") + 1 for domain in self._official})
        self._targets = tuple(targets)
        self._by_skeleton: dict[str, _Target] = {}
        for target in targets:
            self._by_skeleton.setdefault(target.skeleton, target)
        self._near = _by_length(targets)
        long_enough = {
            word: portal_id
            for word, portal_id in words.items()
            if len(word.replace("-", "")) >= MIN_KEYWORD_LENGTH
        }
        self._keywords = {
            word: portal_id for word, portal_id in long_enough.items() if word not in COMMON_WORDS
        }
        self._spelled_as_is = frozenset(words)
        """Every portal word as written: a word that is one is no confusable spelling of it."""
        self._keyword_skeletons: dict[str, str] = {}
        for word, portal_id in long_enough.items():
            self._keyword_skeletons.setdefault(skeleton(word), portal_id)
        self._longest_keyword = max(
            (len(_TOKEN_SEPARATORS.split(word)) for word in long_enough), default=1
        )
        self._memo: dict[str, Imitation | None] = {}

    def _learn(self, portal_id: str, domain: str, words: dict[str, str]) -> list[_Target]:
        """Record an official domain; its registrable label as targets, and its words."""
        parsed = _parsed(domain)
        if parsed is None:
            return []
        self._official.setdefault(parsed.ascii, portal_id)
        split = self._split(parsed)
        if split is None:
            return []
        index = split[0]
        self._registrable.add(".".join(parsed.labels[index:]))
        label = parsed.unicode[index]
        for word in (label, *_TOKEN_SEPARATORS.split(label)):
            words.setdefault(word, portal_id)
        common = label in COMMON_WORDS
        edits = 0 if common else _edit_bound(label)
        # The label glued to its suffix ("viamedisnet.com") is a target too, as it is only.
        glued = "".join(parsed.unicode[index:])
        return [
            _Target(portal_id, label, skeleton(label), edits, common),
            _Target(portal_id, glued, skeleton(glued), 0, common=False),
        ]

    def is_official(self, host: str) -> bool:
        """Whether ``host`` is a portal's domain or a subdomain of one."""
        parsed = _parsed(host)
        return parsed is not None and self._is_official(parsed)

    def imitation(self, host: str) -> Imitation | None:
        """How ``host`` imitates a portal; None for official hosts, honest sites and non-hosts."""
        if host in self._memo:
            return self._memo[host]
        parsed = _parsed(host)
        found = None if parsed is None else self._imitation(parsed)
        if len(self._memo) >= MAX_CACHED_HOSTS:
            self._memo.clear()
        self._memo[host] = found
        return found

    def hosting(self, host: str) -> HostingKind | None:
        """Whether ``host`` is on a free-hosting or URL-shortener domain, and which."""
        parsed = _parsed(host)
        if parsed is None:
            return None
        suffix = self._free_suffix(parsed)
        return None if suffix is None else self._free[suffix]

    def _is_official(self, parsed: _Host) -> bool:
        return any(suffix in self._official for suffix in parsed.suffixes)

    def _free_suffix(self, parsed: _Host) -> str | None:
        return next((suffix for suffix in parsed.suffixes if suffix in self._free), None)

    def _split(self, parsed: _Host) -> tuple[int, str | None] | None:
        """The index of the registrable label and the free host under it; None for a suffix.

        The registrable domain is the Public Suffix List's (private section included, so
        ``viamedis.wixsite.com`` is a site of its own), and a free host the list lacks counts
        as a suffix too (``almerys.000webhostapp.com``).
        """
        suffix = self._psl.publicsuffix(parsed.ascii)
        size = 1 if suffix is None else suffix.count(".") + 1
        free = self._free_suffix(parsed)
        if free is not None:
            size = max(size, free.count(".") + 1)
        index = len(parsed.labels) - size - 1
        return None if index < 0 else (index, free)

    def _imitation(self, parsed: _Host) -> Imitation | None:
        if self._is_official(parsed):
            return None
        split = self._split(parsed)
        if split is None:
            return None
        index, free = split
        if parsed.suffixes[index] in self._registrable:
            return None  # another host of an official domain's owner
        found = (
            self._against_targets(parsed.unicode[index])
            or self._among_words(parsed.unicode[: index + 1])
            or self._official_inside(parsed.labels)
        )
        if found is None:
            return None
        portal, kind = found
        if free is not None:
            kind = ImitationKind.FREE_HOSTING
        return Imitation(portal, kind, parsed.ascii, parsed.shown)

    def _against_targets(self, label: str) -> tuple[str, ImitationKind] | None:
        """The registrable label against each official one: confusable, or a few edits off."""
        shape = skeleton(label)
        if (target := self._by_skeleton.get(shape)) is not None:
            if label != target.label:
                return target.portal, ImitationKind.CONFUSABLE
            if not target.common:
                return target.portal, ImitationKind.EDIT  # the same label, another suffix
        if label.isascii():
            edited = self._edited(label)
            return None if edited is None else (edited, ImitationKind.EDIT)
        for target in self._targets:
            if target.edits and _within(shape, target.skeleton, target.edits) is not None:
                return target.portal, ImitationKind.CONFUSABLE
        return None

    def _edited(self, label: str) -> str | None:
        """The portal whose label ``label`` is the fewest edits from, within its bound."""
        near = self._near.get(len(label))
        if not near:
            return None
        letters = frozenset(label)
        best: tuple[int, int, str] | None = None
        for order, target, its_letters in near:
            # Each letter one has and the other lacks takes an edit: most labels stop here.
            if max(len(letters - its_letters), len(its_letters - letters)) > target.edits:
                continue
            distance = _within(label, target.label, target.edits)
            if distance is not None and (best is None or (distance, order) < best[:2]):
                best = (distance, order, target.portal)
        return None if best is None else best[2]

    def _among_words(self, labels: Sequence[str]) -> tuple[str, ImitationKind] | None:
        """A portal's word among the words of the host's labels (never inside a longer one)."""
        for words in _words(labels, self._longest_keyword):
            if (portal := self._keywords.get(words)) is not None:
                return portal, ImitationKind.EMBEDDED
            if words in self._spelled_as_is:
                continue
            if (portal := self._keyword_skeletons.get(skeleton(words))) is not None:
                return portal, ImitationKind.CONFUSABLE
        return None

    def _official_inside(self, labels: tuple[str, ...]) -> tuple[str, ImitationKind] | None:
        """A whole official domain with other labels after it (``viamedis.net.attacker.io``)."""
        for size in self._official_sizes:
            for i in range(len(labels) - size):
                portal = self._official.get(".".join(labels[i : i + size]))
                if portal is not None:
                    return portal, ImitationKind.EMBEDDED
        return None


def _by_length(
    targets: Sequence[_Target],
) -> Mapping[int, list[tuple[int, _Target, frozenset[str]]]]:
    """Each label length → the targets a label of that length may be an edit of, in order,
    with their letters: a host's label is compared with these few only."""
    near: dict[int, list[tuple[int, _Target, frozenset[str]]]] = defaultdict(list)
    for order, target in enumerate(targets):
        if not target.edits or not target.label.isascii():
            continue
        size = len(target.label)
        for length in range(size - target.edits, size + target.edits + 1):
            near[length].append((order, target, frozenset(target.label)))
    return dict(near)


def _words(labels: Sequence[str], longest: int) -> Iterator[str]:
    """Each run of up to ``longest`` words of each label, joined by ``-``."""
    for label in labels:
        words = [word for word in _TOKEN_SEPARATORS.split(label) if word]
        for size in range(1, longest + 1):
            for i in range(len(words) - size + 1):
                yield "-".join(words[i : i + size])


@functools.lru_cache(maxsize=8)
def _judge_for(portals: tuple[Portal, ...]) -> SiteJudge:
    return SiteJudge(portals)


def site_judge(policy: Policy) -> SiteJudge:
    """The judge of ``policy``'s portals, built once for each set of portals."""
    return _judge_for(policy.portals)
