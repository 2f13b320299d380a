"""Queue service settings (VISITFLOW_* environment variables, see .env.example)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from visitflow_platform.settings import ServiceSettings


class QueueSettings(ServiceSettings):
    service_name: str = "queue"
    port: int = Field(default=8102, validation_alias=AliasChoices("VISITFLOW_QUEUE_PORT"))
    rollover_check_s: float = Field(default=30.0, gt=0, description="how often closing time is checked")
