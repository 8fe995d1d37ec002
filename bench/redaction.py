"""What the Redactor's cost does with the number of secrets it knows: redacting a line, registering one.

A long-running server knows its access token and registers every checkout token it mints, so
neither may grow with history. Redactors knowing the access token and 1, 2,000 or 10,000 checkout
tokens (shaped like the real ones: 31 characters, and 43 URL-safe ones) are compared with the
one that knows a single checkout token, in interleaved rounds.
"""

from __future__ import annotations

import itertools
import secrets
import string
import time

from timing import interleaved_sync, ratio

from checkout_mcp.policy.redact import Redactor

SIZES = (1, 2_000, 10_000)
ROUNDS, REDACT_CALLS, REGISTER_CALLS = 10, 2_000, 20
ALPHABET = string.ascii_lowercase + string.digits

TARGETS = {
    "redaction.redact_10000_vs_1": ("<=", 1.5),
    "redaction.register_10000_vs_1": ("<=", 1.5),
}


def access_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(31))


def known(size: int) -> tuple[Redactor, str]:
    """A Redactor knowing the access token and `size` checkout tokens, and one of those for a line."""
    tokens = [secrets.token_urlsafe(32) for _ in range(size)]
    return Redactor([access_token(), *tokens]), tokens[0]


def line(secret: str) -> str:
    return (
        "create_checkout_token: POST https://api.bigcommerce.com/stores/abc123/v3/checkouts/"
        f"77666326-9b1a-5a06-a1ca-71eeb916a30c/token answered 201 with token {secret} for order 100 "
        "(Authorization: Bearer not-a-known-secret-but-a-bearer-one)"
    )


def measure() -> dict[str, float]:
    started = time.perf_counter()
    redactors = {size: known(size) for size in SIZES}
    built = time.perf_counter() - started
    lines = {size: line(secret) for size, (_, secret) in redactors.items()}
    for size, (redactor, secret) in redactors.items():
        assert secret not in redactor.redact_text(lines[size])
    redacting = interleaved_sync(
        {size: lambda s=size: redactors[s][0].redact_text(lines[s]) for size in SIZES},  # type: ignore[misc]
        rounds=ROUNDS,
        calls=REDACT_CALLS,
    )
    fresh = (secrets.token_urlsafe(32) for _ in itertools.count())
    registering = interleaved_sync(
        {size: lambda s=size: redactors[s][0].register(next(fresh)) for size in SIZES},  # type: ignore[misc]
        rounds=ROUNDS,
        calls=REGISTER_CALLS,
    )
    figures = {
        "redaction.redact_1_us": redacting[1].median * 1e6,
        "redaction.register_1_us": registering[1].median * 1e6,
    }
    for size in SIZES[1:]:
        figures[f"redaction.redact_{size}_vs_1"] = ratio(redacting[size], redacting[1])
        figures[f"redaction.register_{size}_vs_1"] = ratio(registering[size], registering[1])
    figures[f"redaction.build_{SIZES[-1]}_s"] = built
    return figures


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name:45s} {value:10.3f}")
