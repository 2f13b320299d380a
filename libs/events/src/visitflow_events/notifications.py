"""Notification outcomes on `visitflow.notifications.v1`. The recipient is a visit, never a person."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from .envelope import Event
from .ids import ConfiguredId
from .vocabulary import Channel


class NotificationEvent(Event):
    visit_id: UUID | None = None
    channel: Channel
    template: str = Field(max_length=64)
    attempts: int = Field(ge=1)


class NotificationRequested(NotificationEvent):
    """A notification to send: recorded first, so a worker that stops sends it later, not never.

    Carries no phone number: the sender looks it up in the contact store by visit id.
    """

    type: Literal["NotificationRequested"] = "NotificationRequested"
    attempts: int = Field(default=1, ge=1)
    ticket: str | None = None
    room_id: ConfiguredId | None = None
    counsellor_id: ConfiguredId | None = None
    position: int | None = Field(default=None, ge=1)
    wait_minutes: int | None = Field(default=None, ge=0, description="the queue's estimate, as said")
    wait_minutes_to: int | None = Field(default=None, ge=0, description="its range's end, when unsure")


class NotificationSent(NotificationEvent):
    type: Literal["NotificationSent"] = "NotificationSent"


class NotificationFailed(NotificationEvent):
    type: Literal["NotificationFailed"] = "NotificationFailed"
    error: str = Field(max_length=500)
