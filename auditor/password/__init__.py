"""The secret boundary: where a password, read by a source, becomes facts and is dropped.

The rule (DESIGN.md, "Secrets"): a plaintext password exists only in memory,
inside a ``Secret`` (``secret``), between the source that read it and
``derive``. ``derive`` is the one caller of ``Secret.reveal()``: for each
distinct password it computes, in one place, what the checks need (the breach
outcome from the SHA-1 prefix, the zxcvbn score with ``strength`` and
``guessing``, the context words it holds with ``context``, its likeness to
earlier passwords with ``previous``, a keyed fingerprint for reuse), then lets
the plaintext go. Nothing outside this package reads a password; a test
(``tests/test_architecture.py``) holds that rule.
"""
