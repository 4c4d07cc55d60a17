"""The wrapper that keeps a plaintext password from leaking through repr, logs or pickles."""

from __future__ import annotations

from typing import NoReturn


class Secret:
    """A password in memory, between the source that read it and ``derive``.

    ``str()``, ``repr()`` and f-strings show a mask, so a password put in a log
    line, an exception or a report by mistake shows up as ``********``.
    Only ``reveal()`` gives the plaintext, and only ``auditor.password.derive`` calls it.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The plaintext; call only from the secret boundary (``auditor.password.derive``)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        # Equality between secrets is a reuse test: that belongs to derive's keyed
        # fingerprints, not to accidental comparisons elsewhere.
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> NoReturn:
        # A pickle could end up in a cache or on disk: refuse. Worker processes
        # receive plain strings from derive instead.
        raise TypeError("a Secret cannot be pickled")
