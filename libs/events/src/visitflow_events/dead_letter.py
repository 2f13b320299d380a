"""What goes on `visitflow.dead-letter.v1`: the untouched message and why it could not be handled."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field


class DeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True)

    source_topic: str
    source_partition: int
    source_offset: int
    consumer: str
    reason: str = Field(max_length=2000)
    payload: str = Field(description="the original value, decoded as UTF-8 with replacement")
    dead_lettered_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
