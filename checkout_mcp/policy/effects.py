"""What a tool does to the store: declared once per tool; the policy and MCP annotations derive from it."""

from __future__ import annotations

from enum import StrEnum


class Effect(StrEnum):
    READ = "read"
    WRITE = "write"
    DESTRUCTIVE = "destructive"
    IRREVERSIBLE = "irreversible"

    @property
    def needs_confirmation(self) -> bool:
        """Destructive and irreversible calls are the ones a human must confirm."""
        return self in (Effect.DESTRUCTIVE, Effect.IRREVERSIBLE)
