"""One request as `Transport` hands it to the HTTP client, and its answer as read.

The shapes both sides share: `transport` (the rules) builds a `Call` and reads a `Received`;
`connection` (httpx) sends the one and makes the other. This module does not import httpx, so
`transport` does not either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
MAX_BODY_BYTES = 8 * 2**20
"""No answer of the store's API comes near this; past it, the answer is refused."""


@dataclass(frozen=True, slots=True)
class Call:
    """One logical request: what to send, and what to say about it if it fails."""

    method: str
    path: str = field(repr=False)  # under the base URL, or a whole URL (a visited link: it carries a token)
    operation: str
    json_body: Any
    params: Mapping[str, str] | None
    headers: Mapping[str, str] | None
    if_ambiguous: str | None
    single_use: bool = False  # a GET that spends what it names (a redirect link) is not idempotent

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT_METHODS and not self.single_use


@dataclass(frozen=True, slots=True)
class Received:
    """An answer as read: its status and headers, and its body already decoded (gzip undone).

    Not an httpx.Response: one built from a decoded body and the headers as sent would decode it
    a second time (content-encoding), and building one costs as much as reading the answer.
    """

    status_code: int
    reason_phrase: str
    headers: httpx.Headers
    content: bytes
