"""Queue service settings (VISITFLOW_* environment variables, see .env.example)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from visitflow_platform.settings import ServiceSettings

# The npm packages the tablet's page loads (package.json, installed by `make install`)
DEFAULT_WEB_MODULES = Path(__file__).resolve().parents[4] / "node_modules"


class QueueSettings(ServiceSettings):
    service_name: str = "queue"
    port: int = Field(default=8102, validation_alias=AliasChoices("VISITFLOW_QUEUE_PORT"))
    rollover_check_s: float = Field(default=30.0, gt=0, description="how often closing time is checked")
    web_modules_dir: Path = Field(
        default=DEFAULT_WEB_MODULES, description="the node_modules the tablet's page loads packages from"
    )
