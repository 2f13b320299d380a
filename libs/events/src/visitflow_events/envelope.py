"""The envelope every message carries, after NAV's rapids-and-rivers: who, what, when, and why."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class Message(BaseModel):
    """Common envelope fields. Unknown fields are ignored so that old consumers read newer versions."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    schema_version: int = 1
    occurred_at: AwareDatetime
    office_id: str = Field(min_length=1, max_length=64)
    correlation_id: UUID
    causation_id: UUID | None = None
    producer: str = Field(min_length=1, max_length=64)

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @property
    def message_id(self) -> UUID:
        raise NotImplementedError


class Event(Message):
    """Something that happened. Past tense, immutable, identified by `event_id`."""

    event_id: UUID

    @property
    def message_id(self) -> UUID:
        return self.event_id


class Command(Message):
    """Something a person asked for. Imperative, identified by `command_id` (the Idempotency-Key)."""

    command_id: UUID
    actor_id: str | None = Field(default=None, max_length=64)

    @property
    def message_id(self) -> UUID:
        return self.command_id
