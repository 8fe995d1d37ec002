"""What a tool does to the store: declared once per tool; MCP annotations and the policy derive from it."""

from __future__ import annotations

from enum import StrEnum

from mcp.types import ToolAnnotations


class Effect(StrEnum):
    READ = "read"
    WRITE = "write"
    DESTRUCTIVE = "destructive"
    IRREVERSIBLE = "irreversible"

    @property
    def needs_confirmation(self) -> bool:
        """Destructive and irreversible calls are the ones a human must confirm."""
        return self in (Effect.DESTRUCTIVE, Effect.IRREVERSIBLE)

    def annotations(self, title: str, *, idempotent: bool) -> ToolAnnotations:
        """The MCP hints for a tool of this effect; the store is always an open world."""
        return ToolAnnotations(
            title=title,
            read_only_hint=self is Effect.READ,
            destructive_hint=self.needs_confirmation,
            idempotent_hint=self is Effect.READ or idempotent,
            open_world_hint=True,
        )
