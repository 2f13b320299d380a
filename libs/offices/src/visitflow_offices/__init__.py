"""Office configuration and calendar: the pure rules every service reads."""

from .calendar import OSLO, OfficeHours, Span, business_date, closing_time, office_hours
from .clock import Clock, FixedClock, ScaledClock, SystemClock, make_clock
from .model import (
    OPAQUE_ID,
    Counsellor,
    Device,
    Line,
    Office,
    Policy,
    QueueOrder,
    Region,
    Room,
    RoomKind,
    Weekday,
    Window,
)
from .registry import OfficeConfigError, OfficeDirectory, load_offices, parse_config

__all__ = [
    "OPAQUE_ID",
    "OSLO",
    "Clock",
    "Counsellor",
    "Device",
    "FixedClock",
    "Line",
    "Office",
    "OfficeConfigError",
    "OfficeDirectory",
    "OfficeHours",
    "Policy",
    "QueueOrder",
    "Region",
    "Room",
    "RoomKind",
    "ScaledClock",
    "Span",
    "SystemClock",
    "Weekday",
    "Window",
    "business_date",
    "closing_time",
    "load_offices",
    "make_clock",
    "office_hours",
    "parse_config",
]
