"""Notify service settings (VISITFLOW_* environment variables, see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from visitflow_platform.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service_name: str = "notify"
    port: int = Field(default=8103, validation_alias=AliasChoices("VISITFLOW_NOTIFY_PORT"))
    display_calls: int = Field(default=8, ge=1, le=30, description="calls a waiting-room display keeps")
    display_linger_min: float = Field(
        default=10, gt=0, le=120, description="minutes a call stays on a display after its visitor went in"
    )
    sms_provider: Literal["outbox", "http"] = "outbox"
    sms_outbox_file: Path = Path("var/sms-outbox.jsonl")
    sms_gateway_url: str = "http://127.0.0.1:9090/sms"
    sms_timeout_s: float = Field(default=3.0, gt=0)
    sms_attempts: int = Field(default=4, ge=1, le=10)
    sms_backoff_s: float = Field(default=0.5, ge=0)
    send_concurrency: int = Field(default=8, ge=1, le=64)

    @property
    def display_linger(self) -> timedelta:
        return timedelta(minutes=self.display_linger_min)
