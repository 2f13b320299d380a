"""Check-in service settings (VISITFLOW_* environment variables, see .env.example)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from visitflow_platform.settings import ServiceSettings


class CheckinSettings(ServiceSettings):
    service_name: str = "checkin"
    port: int = Field(default=8101, validation_alias=AliasChoices("VISITFLOW_CHECKIN_PORT"))
