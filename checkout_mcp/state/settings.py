"""The `[state]` section of the configuration: where shared state lives."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class StateSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dir: Path | None = Field(
        None,
        description="Folder of the SQLite state and the audit journal (one subfolder per store); "
        "unset: the user's state directory (platformdirs), so every server on this machine shares it.",
    )
    redis_url: str | None = Field(
        None,
        pattern=r"^rediss?://",
        description="Redis for replicas on many machines (redis:// or rediss://): confirmation ids, the "
        "order ledger, checkout locks and the journal's chain are shared there instead of in SQLite.",
    )
    lock_lease_seconds: float = Field(
        30.0, gt=0, le=600, description="How long a checkout lock outlives a replica that died holding it."
    )
    journal_stdout: bool = Field(
        False,
        description="Also write every journal record to stdout as a JSON line, for a log shipper "
        "(HTTP transport only: on stdio, stdout is the protocol).",
    )
