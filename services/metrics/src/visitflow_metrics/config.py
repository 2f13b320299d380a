"""Metrics service settings (VISITFLOW_* environment variables, see .env.example)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from visitflow_platform.settings import ServiceSettings


class MetricsSettings(ServiceSettings):
    service_name: str = "metrics"
    port: int = Field(default=8104, validation_alias=AliasChoices("VISITFLOW_METRICS_PORT"))
    # Until the worker notices that Redis lost the read model (a wipe, a new Redis), the API serves today
    # as empty while the worker's live frames carry the whole day, so the two disagree: notice at once
    # (one EXISTS per check).
    history_check_s: float = Field(
        default=1.0, gt=0, description="worker: how often it checks Redis still holds the read model"
    )
    live_clock_s: float = Field(default=5.0, gt=0, description="dashboard stream: seconds between clocks")
    lag_interval_s: float = Field(default=15.0, gt=0, description="how often consumer lag is measured")
    history_max_days: int = Field(default=800, ge=1, description="the longest history one request reads")
