"""Settings shared by every service, read from the environment (documented in .env.example)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from visitflow_events import Topics
from visitflow_offices import Clock, OfficeDirectory, load_offices, make_clock

DEV_SECRET = "visitflow-development-secret-not-for-production"  # noqa: S105 - refused in production
DEFAULT_OFFICES_FILE = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VISITFLOW_", extra="ignore", frozen=True)

    service_name: str = "visitflow"
    environment: Literal["development", "test", "production"] = "development"
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092", validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS")
    )
    redis_url: str = Field(default="redis://127.0.0.1:16379/0", validation_alias=AliasChoices("REDIS_URL"))
    topic_prefix: str = "visitflow"
    partitions: int = Field(default=12, ge=1, le=1000)
    replication_factor: int = Field(default=1, ge=1, le=5)
    offices_file: Path = DEFAULT_OFFICES_FILE
    offices_cache_dir: Path | None = Field(
        default=None, description="where the parsed office file is kept for the next process to start"
    )
    clock_start: datetime | None = None
    clock_speed: float = Field(default=1.0, gt=0, le=10_000)
    clock_epoch: float | None = None
    host: str = "127.0.0.1"
    port: int = 8100
    log_level: str = "INFO"
    kafka_timeout_s: float = Field(default=5.0, gt=0, description="how long an API waits for a broker ack")
    kafka_linger_ms: int = Field(
        default=0, ge=0, le=100, description="how long a producer waits for more records before it sends"
    )
    reply_timeout_s: float = Field(default=5.0, gt=0, description="how long an API waits for the queue")
    max_body_bytes: int = Field(default=16_384, ge=1024)
    max_header_bytes: int = Field(
        default=16_384, ge=1024, description="a request line and headers larger than this get 431"
    )
    request_read_timeout_s: float = Field(
        default=10.0, gt=0, description="how long a client may take to send a whole request"
    )
    max_connections: int = Field(
        default=4096, ge=1, description="open connections per API process; beyond, requests get 503"
    )
    redis_max_connections: int = Field(
        default=64, ge=1, description="Redis connections per API process; a request waits for one at most 5 s"
    )
    listen_backlog: int = Field(default=2048, ge=1, description="connections waiting to be accepted")
    live_streams_per_subject: int = Field(
        default=20, ge=1, description="live streams one token subject may hold open per API process"
    )
    api_docs: bool | None = Field(
        default=None, description="serve /docs and /openapi.json; unset: everywhere but in production"
    )
    auth_issuer: str = "visitflow-dev"
    auth_audience: str = "visitflow"
    auth_jwks_url: str | None = Field(default=None, description="the identity provider's key set")
    auth_secret: str = Field(default=DEV_SECRET, min_length=16, description="HS256 secret, development only")
    pseudonym_secret: str = Field(
        default=DEV_SECRET, min_length=16, description="keys the pseudonyms of token subjects in events"
    )
    checkin_rate_per_minute: int = Field(default=60, ge=1, description="check-ins one caller may make")
    cors_origins: str = Field(default="", description="comma-separated origins allowed to call this API")
    checkin_public_url: str = Field(default="http://127.0.0.1:8101", description="where pages reach checkin")
    queue_public_url: str = Field(
        default="http://127.0.0.1:8102", description="where the counsellor page reads the day's appointments"
    )
    notify_public_url: str = Field(
        default="http://127.0.0.1:8103", description="where visitors' phones reach their own page (notify)"
    )

    @field_validator("auth_jwks_url", "auth_secret", "pseudonym_secret", "offices_cache_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object, info: ValidationInfo) -> object:
        if value != "":
            return value
        return DEV_SECRET if info.field_name in ("auth_secret", "pseudonym_secret") else None

    @model_validator(mode="after")
    def _production_is_explicit(self) -> ServiceSettings:
        if self.environment == "production" and self.clock_start is not None:
            raise ValueError("VISITFLOW_CLOCK_START is for development and tests; unset it in production")
        if self.environment == "production" and self.auth_jwks_url is None and self.auth_secret == DEV_SECRET:
            raise ValueError(
                "production needs VISITFLOW_AUTH_JWKS_URL (the identity provider's keys) or a real "
                "VISITFLOW_AUTH_SECRET; the development secret is refused"
            )
        if self.environment == "production" and self.pseudonym_secret in (DEV_SECRET, self.auth_secret):
            raise ValueError("production needs its own VISITFLOW_PSEUDONYM_SECRET, not the token secret")
        return self

    @field_validator("api_docs", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def serves_api_docs(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.environment != "production"

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @cached_property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @cached_property
    def offices(self) -> OfficeDirectory:
        return load_offices(self.offices_file, self.offices_cache_dir)

    @cached_property
    def clock(self) -> Clock:
        return make_clock(self.clock_start, self.clock_speed, self.clock_epoch)
