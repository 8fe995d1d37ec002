"""Settings: a TOML file plus the environment, validated by pydantic; one clear error per bad key.

Secrets never live in the file: the file names the environment variable that holds each one.
Environment overrides use the prefix CHECKOUT_MCP_ and `__` between levels, e.g.
CHECKOUT_MCP_POLICY__MODE=read-only.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from checkout_mcp.bigcommerce.binding import Surface
from checkout_mcp.policy.modes import PolicySettings
from checkout_mcp.state.settings import StateSettings
from checkout_mcp.tools.registry import TOOLSETS, Toolset

EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
Origin = Annotated[str, Field(pattern=r"^https?://[^/\s]+$")]  # scheme://host[:port], port may be *


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and says how to fix it."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreSettings(Section):
    kind: Literal["sandbox", "live"] = "sandbox"
    store_hash: Annotated[str | None, Field(pattern=r"^[a-z0-9]{1,32}$")] = None
    api_url: HttpUrl = HttpUrl("https://api.bigcommerce.com")
    storefront_url: HttpUrl | None = None
    access_token_env: EnvName = "BIGCOMMERCE_ACCESS_TOKEN"
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 15.0
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 4

    @model_validator(mode="after")
    def live_store_needs_a_surface(self) -> StoreSettings:
        if self.kind == "live" and self.store_hash is None and self.storefront_url is None:
            raise ValueError(
                "a live store needs store_hash (management API) or storefront_url (storefront API)"
            )
        return self

    def access_token(self) -> SecretStr | None:
        """The management API token, read from the environment variable the file names."""
        value = os.environ.get(self.access_token_env)
        return SecretStr(value) if value else None


StoreName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]


class StoreProfile(StoreSettings):
    """A named store, `[stores.NAME]`: over HTTP at /stores/NAME/mcp, with its own policy (the top-level
    `[policy]`, less its journal file, unless it has a `[stores.NAME.policy]`), state namespace and
    journal (by default in its own state folder)."""

    policy: PolicySettings | None = None


class ServerSettings(Section):
    transport: Literal["stdio", "http"] = "stdio"
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9/_-]*$")] = "/mcp"
    auth_token_env: EnvName = "CHECKOUT_MCP_AUTH_TOKEN"
    tokens_file: Path | None = None
    stateless: bool = False
    allowed_hosts: list[str] = Field(default_factory=list)
    allowed_origins: list[Origin] = Field(default_factory=list)
    max_request_bytes: Annotated[int, Field(ge=1024, le=64 * 2**20)] = 2**20
    log_format: Literal["text", "json"] = "text"
    shutdown_grace_seconds: Annotated[float, Field(ge=0, le=3600)] = 30.0

    def auth_token(self) -> SecretStr | None:
        """The bearer token HTTP clients must send, from the environment; None means no auth."""
        value = os.environ.get(self.auth_token_env)
        return SecretStr(value) if value else None


class ToolsetSettings(Section):
    enabled: list[Toolset] = Field(default_factory=lambda: list(TOOLSETS))


class SandboxSettings(Section):
    seed: int = 1
    surfaces: Annotated[list[Surface], Field(min_length=1)] = Field(
        default_factory=lambda: ["management", "storefront"]
    )
    frozen_clock: bool = False
    rate_limit_quota: Annotated[int, Field(ge=1)] = 150
    rate_limit_window_ms: Annotated[int, Field(ge=1)] = 30_000


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHECKOUT_MCP_", env_nested_delimiter="__", extra="forbid")
    reads_environment: ClassVar[bool] = True

    store: StoreSettings = Field(default_factory=StoreSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    toolsets: ToolsetSettings = Field(default_factory=ToolsetSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    state: StateSettings = Field(default_factory=StateSettings)
    stores: dict[StoreName, StoreProfile] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment wins over the file (passed as init values); no .env or secrets dir."""
        return (env_settings, init_settings) if cls.reads_environment else (init_settings,)

    @property
    def is_live(self) -> bool:
        return self.store.kind == "live"

    def for_store(self, name: str | None) -> Config:
        """The configuration one named store is served with (None: the top-level `[store]`)."""
        if name is None:
            return self
        if name not in self.stores:
            known = ", ".join(sorted(self.stores)) or "none is configured"
            raise ConfigError(f"There is no store profile {name!r} ([stores.{name}]); known: {known}.")
        profile = self.stores[name]
        store = StoreSettings(**profile.model_dump(exclude={"policy"}))
        # An inherited [policy] brings no journal file: that one is the top-level store's record.
        policy = profile.policy or self.policy.model_copy(update={"journal": None})
        return self.model_copy(update={"store": store, "policy": policy, "stores": {}})


class _ResolvedConfig(Config):
    """A Config validated from values already resolved: the environment is not read a second time."""

    reads_environment = False


def describe(error: ValidationError, source: str) -> str:
    """pydantic's errors as `[section] key: what is wrong`, one per line."""
    lines = [f"Invalid configuration in {source}:"]
    for problem in error.errors():
        location = [str(part) for part in problem["loc"]]
        key = (
            f"[{location[0]}] {'.'.join(location[1:])}"
            if len(location) > 1
            else location[0]
            if location
            else "?"
        )
        lines.append(f"  {key}: {problem['msg']}")
    lines.append("See config.example.toml for every setting and its allowed values.")
    return "\n".join(lines)


def load_config(path: Path | None = None, **overrides: dict[str, Any]) -> Config:
    """Read the TOML file (if any) under the environment, then apply `overrides` (command-line flags).

    Precedence, strongest first: `overrides`, the environment, the file, the defaults.
    """
    data: dict[str, Any] = {}
    source = str(path) if path else "the environment"
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as missing:
            raise ConfigError(
                f"Config file {path} does not exist; pass an existing file to --config."
            ) from missing
        except tomllib.TOMLDecodeError as bad:
            raise ConfigError(f"Config file {path} is not valid TOML: {bad}") from bad
    try:
        config = Config(**data)
        if overrides:
            merged = config.model_dump()
            for section, values in overrides.items():
                merged.setdefault(section, {}).update(values)
            config = _ResolvedConfig(**merged)
    except ValidationError as error:
        raise ConfigError(describe(error, source)) from error
    if config.state.journal_stdout and config.server.transport == "stdio":
        raise ConfigError(
            "[state] journal_stdout: on the stdio transport stdout carries the MCP protocol, so journal "
            'records cannot go there; set [server] transport = "http", or journal_stdout = false.'
        )
    for section, store in [("store", config.store), *((f"stores.{n}", s) for n, s in config.stores.items())]:
        if store.kind == "live" and store.store_hash and store.access_token() is None:
            raise ConfigError(
                f"[{section}] access_token_env: the environment variable {store.access_token_env} is not "
                "set; export the store's API token there (never put it in the file)."
            )
    return config
