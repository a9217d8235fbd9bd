"""Settings: environment (WARROOM_*) first, then an optional warroom.toml, then defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATABASE_URL = "sqlite:///./var/warroom.db"


class SettingsError(Exception):
    """The settings cannot be used as given."""


class Settings(BaseSettings):
    """Every setting warroom reads, validated once at start-up."""

    model_config = SettingsConfigDict(env_prefix="WARROOM_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    policy: str = "standard"
    url: str = "http://127.0.0.1:8000"
    token: SecretStr | None = None
    secret_key: SecretStr | None = None
    dev: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    log_format: Literal["console", "json"] = "console"
    max_body_bytes: int = 1_048_576
    token_cache_seconds: float = 10.0
    worker_poll_seconds: float = 0.2
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "warroom@localhost"
    # Matrix (client-server API): the bot account that creates rooms and reads `!inc` commands.
    matrix_homeserver: str | None = None
    matrix_access_token: SecretStr | None = None
    matrix_user_id: str | None = None
    matrix_server_name: str = ""  # for room aliases; defaults to the bot's server
    matrix_sync_timeout_ms: int = 30_000
    # Slack (Web API; the base URL is configurable for tests and proxies).
    slack_base_url: str = "https://slack.com/api"
    slack_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    # Post-only targets through apprise, by name: {"teams": "https://…workflows…", …}.
    apprise_targets: dict[str, str] = {}
    # SMS for paging: an apprise URL with {phone}, e.g. "twilio://SID:TOKEN@+15551234567/{phone}".
    sms_url: str | None = None
    # Outbound webhooks by name, signed per Standard Webhooks with `webhook_secret` (whsec_…).
    webhook_endpoints: dict[str, str] = {}
    webhook_secret: SecretStr | None = None
    # Inbound hooks by name, each with its own Standard Webhooks secret (whsec_…):
    # POST /api/v1/hooks/{name} records on an incident's timeline.
    inbound_hooks: dict[str, SecretStr] = {}
    # The public status page: its name, the URL people reach warroom at (links in
    # emails and feeds; defaults to WARROOM_URL) and how often other processes' changes
    # are picked up when no event arrives in this process.
    status_page_name: str = "Service status"
    public_url: str | None = None
    status_page_ttl_seconds: float = 5.0
    # Single sign-on (OpenID Connect): users are made on first sign-in with the default role.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_default_role: Literal["viewer", "responder", "admin"] = "viewer"
    oidc_scopes: str = "openid profile email"
    oidc_timeout_seconds: float = 10.0
    # Rate limits per client address on the public endpoints (token buckets, per process):
    # a sustained rate per minute and the burst allowed on top of it.
    login_rate_per_minute: float = 6.0
    login_burst: int = 10
    subscribe_rate_per_minute: float = 0.5
    subscribe_burst: int = 5

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("WARROOM_CONFIG", "warroom.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_path),
        )

    @model_validator(mode="after")
    def _database_url_driver(self) -> Settings:
        # "postgresql://" would pick psycopg2, which is not installed; psycopg 3 is.
        if self.database_url.startswith(("postgresql://", "postgres://")):
            self.database_url = "postgresql+psycopg://" + self.database_url.split("://", 1)[1]
        return self

    @property
    def base_url(self) -> str:
        """The public base URL, without a trailing slash."""
        return (self.public_url or self.url).rstrip("/")

    def require_secret_key(self) -> str:
        """The secret key; outside dev mode a missing or default key is refused."""
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if key and key != "change-me":
            return key
        if self.dev:
            return "dev-only-secret-key"
        raise SettingsError(
            "WARROOM_SECRET_KEY must be set to a long random value "
            "(or set WARROOM_DEV=1 for local development)"
        )
