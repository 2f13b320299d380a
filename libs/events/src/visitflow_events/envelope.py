"""The envelope every message carries, after NAV's rapids-and-rivers: who, what, when, and why."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from .ids import ConfiguredId, Pseudonym


class Message(BaseModel):
    """Common envelope fields. Unknown fields are ignored so that old consumers read newer versions.
    A message that is not valid says where, never what it held (its errors go to logs and dead letters)."""

    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    schema_version: int = 1
    occurred_at: AwareDatetime
    office_id: ConfiguredId = Field(min_length=1, max_length=64)
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
    actor_id: Pseudonym | None = Field(default=None, max_length=64, description="who asked, as a pseudonym")

    @property
    def message_id(self) -> UUID:
        return self.command_id

    @property
    def fingerprint(self) -> str:
        """What the command asks for, as JSON: its type and its own fields, not when, by whom or under
        which id. An Idempotency-Key used again for another request is told apart by it. Not a digest: the
        fields are ids and words the contract allows, and a hex digest's runs of digits would read as
        phone numbers to anyone scanning the topics for them."""
        return self.model_dump_json(exclude=set(Command.model_fields), exclude_none=True)
