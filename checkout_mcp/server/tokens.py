"""Named bearer tokens with a scope: who may call over HTTP, and whether they may change anything.

Two sources, used together: the token in the environment variable `[server] auth_token_env` (name
"default", scope write) and the entries of `[server] tokens_file` (TOML `[[tokens]]` tables, or
JSON `{"tokens": [...]}`), each `{name, scope, sha256}`. The file holds only the SHA-256 of each
token, never the token: tokens are random (see `new_token`), so a plain hash cannot be reversed
and needs no slow KDF. A presented token is hashed and compared with every entry in constant time
(no early exit), so neither the comparison nor the entry it matched shows in the timing.

A token's name is its principal: the journal records it with each call, and the SDK binds each
HTTP session to the principal that opened it. Scope `write` may use every tool the policy offers;
scope `read` only the read tools (server/http.py serves it a read-only server). The file is read
at startup: restart the server after changing it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from mcp.server.auth.provider import AccessToken
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from checkout_mcp.config import ConfigError, ServerSettings, describe

Scope = Literal["read", "write"]
READ: Scope = "read"
WRITE: Scope = "write"
DEFAULT_NAME = "default"
TOKEN_PREFIX = "cmcp_"  # lets secret scanners recognise a leaked token
SCOPES_GRANTED: dict[Scope, list[str]] = {READ: [READ], WRITE: [READ, WRITE]}

TOKEN_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
TokenName = Annotated[str, Field(pattern=TOKEN_NAME)]


class TokenEntry(BaseModel):
    """One line of the tokens file: a name, a scope, and the SHA-256 (hex) of the token."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: TokenName
    scope: Scope
    sha256: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]

    @field_validator("sha256")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class TokensFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tokens: list[TokenEntry] = Field(default_factory=list)


def _clash(entries: list[TokenEntry]) -> str | None:
    """Why these entries cannot be told apart, if they cannot: each principal has one name and one token."""
    names = [entry.name for entry in entries]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        return f"more than one token is named {', '.join(map(repr, repeated))}"
    hashes = [entry.sha256 for entry in entries]
    if len(set(hashes)) != len(hashes):
        return "two entries have the same sha256 (one token with two names)"
    return None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Tokens:
    """The tokens this server accepts; the SDK's `TokenVerifier` for its bearer-auth middleware.

    `on_verified` learns each token that verified (to redact it wherever it might appear later).
    """

    entries: tuple[TokenEntry, ...]
    on_verified: Callable[[str], None] | None = None

    async def verify_token(self, token: str) -> AccessToken | None:
        presented = bytes.fromhex(digest(token))
        found: TokenEntry | None = None
        for entry in self.entries:
            if hmac.compare_digest(presented, bytes.fromhex(entry.sha256)):
                found = entry
        if found is None:
            return None
        if self.on_verified is not None:
            self.on_verified(token)
        return AccessToken(token=token, client_id=found.name, scopes=SCOPES_GRANTED[found.scope])

    @property
    def has_read_tokens(self) -> bool:
        return any(entry.scope == READ for entry in self.entries)


def read_tokens_file(path: Path) -> list[TokenEntry]:
    """The entries of a tokens file (TOML, or JSON if the name ends in .json); ConfigError if unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"[server] tokens_file: cannot read {path} ({error.strerror}); create it (see "
            "`checkout-mcp token new`) or remove the setting."
        ) from error
    is_json = path.suffix == ".json"
    try:
        data = json.loads(text) if is_json else tomllib.loads(text)
    except ValueError as error:  # json.JSONDecodeError and tomllib.TOMLDecodeError are ValueErrors
        kind = "JSON" if is_json else "TOML"
        raise ConfigError(f"[server] tokens_file: {path} is not valid {kind}: {error}") from error
    try:
        return TokensFile.model_validate(data).tokens
    except ValidationError as error:
        raise ConfigError(describe(error, str(path))) from error


def load_tokens(settings: ServerSettings, on_verified: Callable[[str], None] | None = None) -> Tokens | None:
    """The tokens HTTP clients may use; None when auth is off (no token in the environment, no file).

    A configured tokens file turns auth on even while it is empty: then nobody gets in.
    """
    entries: list[TokenEntry] = []
    token = settings.auth_token()
    if token is not None:
        entries.append(TokenEntry(name=DEFAULT_NAME, scope=WRITE, sha256=digest(token.get_secret_value())))
    if settings.tokens_file is not None:
        entries.extend(read_tokens_file(settings.tokens_file))
    elif token is None:
        return None
    problem = _clash(entries)
    if problem is not None:
        raise ConfigError(
            f"[server] tokens_file: {problem} (the token in {settings.auth_token_env}, if set, is named "
            f"{DEFAULT_NAME!r}); rename or remove one of them."
        )
    return Tokens(tuple(entries), on_verified)


def new_token(name: str, scope: Scope) -> tuple[str, TokenEntry]:
    """A fresh random token (256 bits) and its tokens-file entry; the token is shown once, never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, TokenEntry(name=name, scope=scope, sha256=digest(token))


def toml_entry(entry: TokenEntry) -> str:
    """The entry as a TOML table to append to a tokens file."""
    return f'[[tokens]]\nname = "{entry.name}"\nscope = "{entry.scope}"\nsha256 = "{entry.sha256}"\n'
