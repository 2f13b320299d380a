"""The envelope every message carries, after NAV's rapids-and-rivers: who, what, when, and why."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from .ids import ConfiguredId, Pseudonym

_CORRELATIONS = UUID("8a1c6f3e-2b7d-4e59-a0c4-5d3e9f1b7a26")


def new_envelope(
    *,
    office_id: str,
    correlation_id: UUID,
    occurred_at: datetime,
    producer: str,
    causation_id: UUID | None = None,
    event_id: UUID | None = None,
    command_id: UUID | None = None,
) -> dict[str, Any]:
    """The envelope fields of one message, an event's (`event_id`) or a command's (`command_id`), as
    keyword arguments for its type: `VisitorQueued(**new_envelope(...), visit_id=...)`. Every producer
    builds its envelopes here. `correlation_id` says what the message is about: `visit_correlation`,
    `booking_correlation` or `office_day_correlation`."""
    if (event_id is None) == (command_id is None):
        raise ValueError("an envelope has an event_id or a command_id, not both or neither")
    envelope: dict[str, Any] = {
        "occurred_at": occurred_at,
        "office_id": office_id,
        "correlation_id": correlation_id,
        "producer": producer,
    }
    if causation_id is not None:
        envelope["causation_id"] = causation_id
    if event_id is not None:
        envelope["event_id"] = event_id
    else:
        envelope["command_id"] = command_id
    return envelope


def visit_correlation(visit_id: UUID) -> UUID:
    """Everything about one visit (its check-in, calls, conversation, outcome, transfer, no-show, hold,
    undo, the day end's closing of it, and the notices they cause) carries the visit's own id."""
    return visit_id


def booking_correlation(office_id: str, booking_id: str) -> UUID:
    """Everything about one booking (booked, moved, cancelled, missed) carries one id from its office and
    reference."""
    return uuid5(_CORRELATIONS, f"booking:{office_id}:{booking_id}")


def office_day_correlation(office_id: str, business_date: date) -> UUID:
    """What is about an office's whole day (rooms in and out of service, the wait estimates, the day's
    close, a call of the next visitor before it names one) carries one id of the office and the day."""
    return uuid5(_CORRELATIONS, f"office-day:{office_id}:{business_date.isoformat()}")


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
