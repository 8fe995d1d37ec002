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

    def annotations(self, *, idempotent: bool) -> ToolAnnotations:
        """The MCP hints for a tool of this effect, leaving out what the spec's defaults already say.

        Defaults (MCP spec): readOnlyHint false, destructiveHint true, idempotentHint false,
        openWorldHint true (the store is an open world). The destructive and idempotent hints only
        mean something for tools that are not read-only. The title is the tool's own `title`.
        """
        if self is Effect.READ:
            return ToolAnnotations(read_only_hint=True)
        return ToolAnnotations(destructive_hint=self.needs_confirmation, idempotent_hint=idempotent or None)
