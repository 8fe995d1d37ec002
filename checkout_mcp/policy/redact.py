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
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"

_EXACT_SECRET_KEYS = frozenset({"authorization", "proxyauthorization", "cookie", "setcookie", "apikey"})
_SECRET_KEY_SUFFIXES = ("token", "secret", "password")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")


def is_secret_key(key: str) -> bool:
    """Whether a mapping key names a secret, whatever its case and separators (X-Auth-Token, access_token)."""
    normalized = re.sub(r"[^a-z0-9]", "", key.lower())
    return normalized in _EXACT_SECRET_KEYS or normalized.endswith(_SECRET_KEY_SUFFIXES)


class Redactor:
    """Replaces secrets in values before they are journaled or logged.

    Thread-safe: tokens are registered from request handlers while other calls are redacting.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.register(secret)

    def register(self, secret: str | None) -> None:
        """Remember a literal secret value (empty values are ignored: there is nothing to hide)."""
        if not secret:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            # Longest first, so a secret that contains another is replaced whole.
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def redact_text(self, text: str) -> str:
        """`text` with every known secret and every bearer credential replaced."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        return _BEARER.sub(lambda match: match.group(1) + REDACTED, text)

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
