"""Password strength measures: CNIL 2022-100 combinatorial entropy and zxcvbn's score.

Every function here takes a plaintext password and is called only from
``auditor.password.derive``, the secret boundary. Results are numbers, never pieces of
the password.
"""

from __future__ import annotations

import enum
import math
import string
from collections.abc import Sequence

from zxcvbn import matching

from auditor.files.packaged import package_text
from auditor.password import guessing

ZXCVBN_MAX_LENGTH = 72
"""zxcvbn 4.5 raises ValueError past 72 characters; longer passwords are scored on a prefix."""


class CharClass(enum.Enum):
    """The character classes of the CNIL entropy calculation."""

    LOWER = "lower"
    UPPER = "upper"
    DIGIT = "digit"
    SPECIAL = "special"


# CNIL's calculator counts 26 lower-case letters, 26 upper-case, 10 digits and 37
# special characters (those of an AZERTY keyboard), 99 symbols for all four
# classes (CNIL délibération 2022-100 and its online calculator). Accented and
# other non-ASCII letters are counted as specials, as an AZERTY keyboard types them.
_POOL = {CharClass.LOWER: 26, CharClass.UPPER: 26, CharClass.DIGIT: 10, CharClass.SPECIAL: 37}


_LOWER = frozenset(string.ascii_lowercase)
_UPPER = frozenset(string.ascii_uppercase)
_DIGITS = frozenset(string.digits)
_ASCII_ALPHANUMERIC = frozenset(string.ascii_letters + string.digits)
_CLASSES_BY_USE: dict[tuple[bool, bool, bool, bool], frozenset[CharClass]] = {
    (lower, upper, digit, special): frozenset(
        kind for kind, used in zip(CharClass, (lower, upper, digit, special), strict=True) if used
    )
    for lower in (False, True)
    for upper in (False, True)
    for digit in (False, True)
    for special in (False, True)
}
"""Each combination of classes (16), by which classes are used, made once and shared by
every password that has it."""
_BITS_PER_CHARACTER = {
    classes: math.log2(pool) if (pool := sum(_POOL[kind] for kind in classes)) else 0.0
    for classes in _CLASSES_BY_USE.values()
}
"""``log2`` of each combination's alphabet, worked out once, not per password."""


def char_classes(password: str) -> frozenset[CharClass]:
    """Which of the four classes the password uses."""
    # Set operations on its characters, not a test per character, and the combination
    # looked up rather than built: a group's audit classifies 75,000 passwords.
    used = set(password)
    return _CLASSES_BY_USE[
        (
            not used.isdisjoint(_LOWER),
            not used.isdisjoint(_UPPER),
            not used.isdisjoint(_DIGITS),
            not used <= _ASCII_ALPHANUMERIC,
        )
    ]


def entropy_bits(length: int, classes: frozenset[CharClass]) -> float:
    """CNIL combinatorial entropy: ``length × log2(alphabet size)``."""
    return length * _BITS_PER_CHARACTER[classes]  # any set of classes is one of the 16


FRENCH_DICTIONARY = "french"


def french_words() -> list[str]:
    """The French word list shipped with the package, most common first."""
    lines = package_text("password/wordlists/fr.txt").splitlines()
    return [line.strip().lower() for line in lines if line.strip() and not line.startswith("#")]


def _ensure_french_dictionary() -> None:
    # zxcvbn keeps its ranked dictionaries in a module-level dict: register the
    # French list once per process (worker processes call this too).
    if FRENCH_DICTIONARY not in matching.RANKED_DICTIONARIES:
        matching.add_frequency_lists({FRENCH_DICTIONARY: french_words()})


def prepare() -> None:
    """Load what scoring needs (French list, fast matcher, dictionary index) ahead of time."""
    _ensure_french_dictionary()
    guessing.prepare(matching.RANKED_DICTIONARIES)


def zxcvbn_score(password: str, user_inputs: Sequence[str]) -> int:
    """zxcvbn's 0–4 score, on the first 72 characters; 0 for the empty password.

    Only the score leaves this function: zxcvbn's full result holds pieces of
    the password (``password``, ``sequence[].token``) and is dropped here.
    """
    if not password:
        return 0
    _ensure_french_dictionary()
    # What zxcvbn() does, without its feedback and crack-time texts, and with
    # user_inputs in a dictionary of this call's own rather than in zxcvbn's
    # module-level one (which zxcvbn() overwrites on every call).
    dictionaries = {
        **matching.RANKED_DICTIONARIES,
        guessing.USER_INPUTS: matching.build_ranked_dict([word.lower() for word in user_inputs]),
    }
    return guessing.score(password[:ZXCVBN_MAX_LENGTH], dictionaries)
