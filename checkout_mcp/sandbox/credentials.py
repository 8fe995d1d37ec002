"""The sandbox's store hash and tokens, derived from its seed alone: a server knows whom it serves
without building the demo store (cold start)."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    """What a client needs to reach the sandbox's management API; derived from the seed."""

    store_hash: str
    access_token: str
    read_only_token: str


def demo_credentials(seed: int) -> Credentials:
    """The sandbox's store hash and tokens: fixed per seed, so a demo's config can be written once."""
    rng = random.Random(f"credentials:{seed}")
    alphabet = string.ascii_lowercase + string.digits

    def word(length: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(length))

    return Credentials(store_hash=f"sbx{word(7)}", access_token=word(31), read_only_token=word(31))
