"""Write the example's SYNTHETIC breach corpus in the Pwned Passwords downloader's format.

The counts are invented and the filler hashes are random: this file only
demonstrates --hibp-offline. It is not breach data. Run from the repository:

    python examples/make_synthetic_corpus.py
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

# Passwords the demo inventory uses that a real corpus would list, with made-up counts.
BREACHED = {
    "Pharmacie2024!": 14,
    "soleil": 265_871,
    "azerty123": 1_067_219,
    "Marche2024": 3,
}
FILLER_LINES = 4_000
SEED = 20240201


def main() -> None:
    rng = random.Random(SEED)
    counts = {
        hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper(): count
        for password, count in BREACHED.items()
    }
    while len(counts) < FILLER_LINES + len(BREACHED):
        counts[f"{rng.getrandbits(160):040X}"] = rng.randint(1, 5_000)
    target = Path(__file__).with_name("pwned-passwords-SYNTHETIC.txt")
    # The downloader writes CRLF line endings, sorted by hash.
    target.write_bytes(b"".join(f"{h}:{c}\r\n".encode() for h, c in sorted(counts.items())))


if __name__ == "__main__":
    main()
