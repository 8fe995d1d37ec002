"""Keep secrets out of everything journaled or logged.

Two nets, because either alone leaks: values under secret-looking keys (token, access_token,
checkoutToken, X-Auth-Token, authorization, password, cookie, ...) are replaced wherever they sit
in a structure, and the literal secret values this process knows (the configured access token,
every checkout token minted at runtime) are replaced wherever they appear inside any string,
such as an error message or a URL. Confirmation ids and idempotency keys are not secrets and stay.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

REDACTED = "[redacted]"

_EXACT_SECRET_KEYS = frozenset({"authorization", "proxyauthorization", "cookie", "setcookie", "apikey"})
_SECRET_KEY_SUFFIXES = ("token", "secret", "password")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
_NOT_KEY_CHARACTERS = re.compile(r"[^a-z0-9]")


def is_secret_key(key: str) -> bool:
    """Whether a mapping key names a secret, whatever its case and separators (X-Auth-Token, access_token)."""
    normalized = _NOT_KEY_CHARACTERS.sub("", key.lower())
    return normalized in _EXACT_SECRET_KEYS or normalized.endswith(_SECRET_KEY_SUFFIXES)


def _windows(run: str, length: int) -> Iterator[str]:
    return (run[start : start + length] for start in range(len(run) - length + 1))


class Redactor:
    """Replaces secrets in values before they are journaled or logged.

    A server registers every checkout token it mints, so neither registering nor redacting may cost
    more as the secrets pile up: they are kept in one set per length, and a text is searched only
    where a secret could be: in runs of the characters secrets are made of, at least as long as the
    shortest one (one regular expression, rebuilt only when a secret brings a new character or a new
    shortest length). Each run's windows of each length are looked up in that length's set, so the
    cost follows the text and the number of distinct lengths, never the number of secrets. A
    secret is replaced wherever it occurs, the leftmost first and, where several start at one
    place, the longest (so a secret that contains another is replaced whole).

    Thread-safe: tokens are registered from request handlers while other calls are redacting.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._lock = threading.Lock()
        self._by_length: dict[int, set[str]] = {}
        self._lengths: tuple[int, ...] = ()  # longest first
        self._characters: frozenset[str] = frozenset()
        self._runs: re.Pattern[str] | None = None
        for secret in secrets:
            self.register(secret)

    def register(self, secret: str | None) -> None:
        """Remember a literal secret value (empty values are ignored: there is nothing to hide)."""
        if not secret:
            return
        with self._lock:
            same_length = self._by_length.setdefault(len(secret), set())
            if secret in same_length:
                return
            same_length.add(secret)
            shortest = self._lengths[-1] if self._lengths else None
            if len(same_length) == 1:
                self._lengths = tuple(sorted(self._by_length, reverse=True))
            if not self._characters.issuperset(secret) or shortest is None or len(secret) < shortest:
                self._characters |= frozenset(secret)
                alphabet = "".join(re.escape(character) for character in sorted(self._characters))
                self._runs = re.compile(f"[{alphabet}]{{{self._lengths[-1]},}}")

    def redact_text(self, text: str) -> str:
        """`text` with every known secret and every bearer credential replaced."""
        runs = self._runs
        if runs is not None:
            text = runs.sub(self._redact_run, text)
        return _BEARER.sub(lambda match: match.group(1) + REDACTED, text)

    def _redact_run(self, match: re.Match[str]) -> str:
        run = match.group()
        by_length = self._by_length
        lengths = [
            length
            for length in self._lengths
            if length <= len(run) and not by_length[length].isdisjoint(_windows(run, length))
        ]
        if not lengths:
            return run
        pieces: list[str] = []
        kept = at = 0
        while at <= len(run) - lengths[-1]:
            found = next((n for n in lengths if run[at : at + n] in by_length[n]), 0)
            if found:
                pieces += [run[kept:at], REDACTED]
                at = kept = at + found
            else:
                at += 1
        return "".join(pieces) + run[kept:]

    def redact(self, value: Any) -> Any:
        """A copy of `value` with secret-keyed values and known secret strings replaced.

        Mappings become dicts and sequences lists; other scalars are returned unchanged.
        """
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, Mapping):
            return {
                self.redact_text(str(key)): (
                    REDACTED if is_secret_key(str(key)) and item is not None else self.redact(item)
                )
                for key, item in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.redact(item) for item in value]
        return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message and traceback before any handler sees them.

    Attach it to handlers (a logger's filters do not run for records propagated from child loggers).
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redactor.redact_text(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self._redactor.redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
