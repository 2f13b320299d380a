"""Regions and offices: opening hours, drop-in windows, service lines, rooms, targets, holidays."""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from functools import cached_property
from typing import Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator
from visitflow_events import UP_NEXT_MAX, Reason, VisitKind
from visitflow_events.ids import holds_a_number


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as in `date.weekday()`."""
        return list(Weekday).index(self)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# An id the configuration gives a counsellor or a device: opaque and lower-case. No configured id may
# hold a run of digits long enough for an identity or phone number, whatever an editor of the file types.
OPAQUE_ID = r"^[a-z][a-z0-9-]{1,31}$"


def _opaque(value: str) -> str:
    if holds_a_number(value):
        raise ValueError("an id may not hold five or more digits in a row")
    return value


class Labelled(_Strict):
    """Something the configuration knows by an opaque id and shows by its label."""

    id: str = Field(pattern=OPAQUE_ID)
    name: str = Field(min_length=1, max_length=60)

    _no_number = field_validator("id")(_opaque)


class Counsellor(Labelled):
    """A counsellor (veileder) of an office: the id goes into events, the label onto screens."""


class Device(Labelled):
    """A host's tablet or a kiosk registered to an office; check-ins name it by its id."""


class Window(_Strict):
    """A span of the day on some weekdays, e.g. drop-in Monday, Wednesday and Friday 12:00-15:00."""

    days: tuple[Weekday, ...] = Field(min_length=1)
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"window ends ({self.end:%H:%M}) before it starts ({self.start:%H:%M})")
        return self


class QueueOrder(StrEnum):
    FIFO = "fifo"
    APPOINTMENT_TIME = "appointment_time"


class Line(_Strict):
    """A service line: its ticket prefix, which visits it takes, and how it is ordered."""

    id: str = Field(pattern=r"^[a-z_]{2,32}$")
    prefix: str = Field(pattern=r"^[A-Z]{1,3}$")
    name: str
    kind: VisitKind
    reasons: tuple[Reason, ...] = ()
    priority: int = Field(ge=0, description="lower is called first by a plain call-next")
    order: QueueOrder = QueueOrder.FIFO


class RoomKind(StrEnum):
    CONVERSATION = "conversation"
    MEETING = "meeting"
    PUBLIC_PC = "public_pc"


class Room(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    name: str
    kind: RoomKind = RoomKind.CONVERSATION

    _no_number = field_validator("id")(_opaque)


class AppointmentWindow(_Strict):
    early_minutes: int = Field(default=30, ge=0, le=240)
    late_minutes: int = Field(default=15, ge=0, le=240)


UNDO_SECONDS_MAX = 300  # the longest undo an office may allow; the queue forgets removals after it


class Policy(_Strict):
    opening_hours: tuple[Window, ...]
    appointment_checkin: AppointmentWindow = AppointmentWindow()
    no_show_after_calls: int = Field(
        default=3, ge=1, le=10, description="calls before a recall is refused and the host marks a no-show"
    )
    sms_nearly_position: int = Field(
        default=3,
        ge=1,
        le=UP_NEXT_MAX,
        description='an SMS says "nearly your turn" to a visitor within this many of the next call',
    )
    service_level_minutes: int = Field(default=15, ge=1)
    default_service_minutes: int = Field(default=12, ge=1, le=240)
    undo_seconds: int = Field(
        default=15, ge=0, le=UNDO_SECONDS_MAX, description="how long a host may undo a removal (0: never)"
    )
    appointment_grace_minutes: int = Field(
        default=15,
        ge=0,
        le=240,
        description="a booked appointment nobody checked in for by its start plus this is missed",
    )
    visitor_page_on_display: StrictBool = Field(
        default=False,
        description="the waiting-room display asks visitors to scan the code on their slip to follow "
        "their place on their own phone",
    )
    max_wait_minutes: int = Field(
        default=45,
        ge=1,
        le=480,
        description="a visitor who has waited longer is called before those of higher-priority lines "
        "who have not (emergencies always first)",
    )


class Office(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    _no_number = field_validator("id")(_opaque)
    name: str
    region_id: str
    drop_in: tuple[Window, ...] = ()
    drop_in_target_per_day: int = Field(ge=0)
    expected_drop_ins_per_day: int = Field(default=60, ge=0, description="what the simulator plays")
    rooms: tuple[Room, ...] = Field(min_length=1)
    public_pcs: int = Field(default=0, ge=0)
    holidays: tuple[date, ...] = ()
    lines: tuple[Line, ...]
    policy: Policy
    counsellors: tuple[Counsellor, ...] = ()
    devices: tuple[Device, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for what, ids in (
            ("line id", [line.id for line in self.lines]),
            ("ticket prefix", [line.prefix for line in self.lines]),
            ("room id", [room.id for room in self.rooms]),
            ("counsellor id", [counsellor.id for counsellor in self.counsellors]),
            ("device id", [device.id for device in self.devices]),
        ):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{what} used twice: {', '.join(dupes)}")
        for kind in VisitKind:
            if not any(line.kind == kind and not line.reasons for line in self.lines):
                raise ValueError(f"no line takes {kind.value} visits (add a line with kind {kind.value})")
        return self

    def line(self, line_id: str) -> Line | None:
        """The queue looks a visit's line up for every visit it orders."""
        lines, by_id = self._lines_by_id
        return (by_id if lines is self.lines else _by_id(self.lines)[1]).get(line_id)

    def room(self, room_id: str) -> Room | None:
        """The display and the queue look a call's room up for every call they show."""
        rooms, by_id = self._rooms_by_id
        return (by_id if rooms is self.rooms else _by_id(self.rooms)[1]).get(room_id)

    # Each index holds the tuple it was made of: a copy of the office with other lines or rooms
    # (`model_copy(update=...)`) carries the cached values along, and makes its own.
    @cached_property
    def _lines_by_id(self) -> tuple[tuple[Line, ...], dict[str, Line]]:
        return _by_id(self.lines)

    @cached_property
    def _rooms_by_id(self) -> tuple[tuple[Room, ...], dict[str, Room]]:
        return _by_id(self.rooms)

    def counsellor(self, counsellor_id: str) -> Counsellor | None:
        return next((c for c in self.counsellors if c.id == counsellor_id), None)

    def device(self, device_id: str) -> Device | None:
        return next((d for d in self.devices if d.id == device_id), None)

    def line_for(self, kind: VisitKind, reason: Reason) -> Line:
        """The line a visit joins: one that names the reason, else the plain line of its kind."""
        matching = [line for line in self.lines if line.kind == kind]
        return next((line for line in matching if reason in line.reasons), None) or next(
            line for line in matching if not line.reasons
        )


class Region(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    _no_number = field_validator("id")(_opaque)
    name: str


class Defaults(_Strict):
    lines: tuple[Line, ...]
    policy: Policy
    holidays: tuple[date, ...] = ()
    counsellors: tuple[Counsellor, ...] = ()
    devices: tuple[Device, ...] = ()


class OfficeSpec(_Strict):
    """An office as written in the file: anything left out comes from `defaults`."""

    id: str
    name: str
    region: str
    drop_in: tuple[Window, ...] = ()
    drop_in_target_per_day: int
    expected_drop_ins_per_day: int = 60
    rooms: tuple[Room, ...]
    public_pcs: int = 0
    holidays: tuple[date, ...] = ()
    lines: tuple[Line, ...] | None = None
    policy: dict[str, object] | None = None
    counsellors: tuple[Counsellor, ...] | None = None
    devices: tuple[Device, ...] | None = None


class ConfigFile(_Strict):
    version: int = Field(ge=1)
    timezone: str = "Europe/Oslo"
    defaults: Defaults
    regions: tuple[Region, ...] = Field(min_length=1)
    offices: tuple[OfficeSpec, ...] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Oslo)") from None
        return value


_Identified = TypeVar("_Identified", "Line", "Room")


def _by_id(items: tuple[_Identified, ...]) -> tuple[tuple[_Identified, ...], dict[str, _Identified]]:
    return items, {item.id: item for item in items}
