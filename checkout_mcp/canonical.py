"""Canonical JSON: one byte-exact rendering of a value, so equal values compare and hash equal.

Confirmation ids are bound to the canonical form of a call's arguments, the audit journal chains
records by the hash of their canonical form, and the order ledger keys on it. Keys are sorted,
separators compact, text kept as UTF-8; Decimal renders as its string (money never becomes a
float), datetimes as ISO 8601, pydantic models as their JSON dump.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")


def canonical_json(value: Any) -> str:
    """The canonical JSON text of `value` (NaN and infinities are refused)."""
    return json.dumps(
        value,
        default=_json_default,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def sha256_hex(value: Any) -> str:
    """The SHA-256 of `value`'s canonical JSON, in hex."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
