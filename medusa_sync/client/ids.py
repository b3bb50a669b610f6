"""Record ids in Medusa's own form, for records whose id the client gives (see capabilities.py)."""

from __future__ import annotations

import base64
import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FROM_RFC_4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD.encode())


def entity_ids(prefix: str, count: int) -> list[str]:
    """`count` new ids as Medusa's `generateEntityId` makes them: `prefix`, "_", and a ULID (the
    time in milliseconds in 10 characters of Crockford's base32, then 80 random bits in 16), so
    that ids the client gives sort and read like the server's own."""
    milliseconds = time.time_ns() // 1_000_000
    stamp = f"{prefix}_" + "".join(_CROCKFORD[(milliseconds >> shift) & 31] for shift in range(45, -1, -5))
    randomness = base64.b32encode(os.urandom(10 * count)).translate(_FROM_RFC_4648).decode()
    return [stamp + randomness[start : start + 16] for start in range(0, 16 * count, 16)]
