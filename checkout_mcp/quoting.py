"""Text that outside parties wrote, made safe to show inside our own sentences.

Names, companies, address lines, customer messages, coupon and gift-certificate codes and product
names come from shoppers or the store's catalogue, not from this server. Wherever such text enters
a sentence that a model or a human reads (a summary, a preview, a question to the human, an
error), it goes through `quoted`: labelled with who wrote it and rendered as one JSON string, so
newlines, quotes and control characters cannot end the quote and an instruction inside it reads
as data. Structured content keeps the text as it is.
"""

from __future__ import annotations

import json

MAX_QUOTED = 120


def quoted(label: str, text: str, limit: int = MAX_QUOTED) -> str:
    """`label «"text"»`: the text as a JSON string (cut at `limit` characters), after its label."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"{label} «{json.dumps(shown, ensure_ascii=False)}»"


def shopper(text: str) -> str:
    """Text a shopper wrote (a name, an address, a message)."""
    return quoted("shopper wrote", text)


def store(text: str, limit: int = MAX_QUOTED) -> str:
    """Text from the store's catalogue or another outside party (a product name, a code)."""
    return quoted("store text", text, limit)


def store_said(text: str) -> str:
    """The store's own words in an error (its title, its field errors), which may echo outside text."""
    return quoted("the store said", text, limit=300)
