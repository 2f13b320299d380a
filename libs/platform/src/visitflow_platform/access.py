"""Who may do what: the one table of role-by-action that the code enforces and docs/SECURITY.md shows.

Every endpoint declares the action it performs (`require(Action.CALL)`); the table says which
roles may perform it. Admins may do everything. Office- and region-scoped paths are further limited
to the offices or region the token names (`auth.allows`). `python -m visitflow_platform.access`
prints the table as SECURITY.md carries it; a test keeps the two equal.
"""

from __future__ import annotations

import sys
from enum import StrEnum


class Role(StrEnum):
    HOST = "host"
    COUNSELLOR = "counsellor"
    DISPLAY = "display"
    REGIONAL = "regional"
    SCRAPER = "scraper"  # Prometheus: the business figures and nothing else
    BOOKING = "booking"  # the booking system: publishes the offices' appointments, reads nothing
    ADMIN = "admin"


class Action(StrEnum):
    LIST_OFFICES = "list offices and regions"
    READ_POLICY = "read an office's opening hours, lines and rooms"
    CHECK_IN = "check a visitor in"
    READ_CHECK_IN = "read a check-in's ticket"
    READ_QUEUE = "see the waiting list and rooms, live"
    CALL = "call the next or a given visitor to a room"
    RECALL = "call a visitor again"
    START = "start a conversation"
    COMPLETE = "complete a visit with an outcome"
    NO_SHOW = "mark a visitor as not showing"
    TRANSFER = "move a visit to another line or counsellor"
    CANCEL = "cancel a visit"
    HOLD = "put a visitor on hold and back in line"
    UNDO = "undo a removal"
    REVOKE_VISIT_LINK = "withdraw a visitor's link to their own page"
    RESOLVE_FOLLOW_UP = "resolve an emergency follow-up"
    ROOM_SERVICE = "take a room out of service and back"
    READ_DISPLAY = "read the waiting-room display, live"
    READ_COUNSELLOR_ALERTS = "receive the office's counsellor alerts, live"
    READ_OFFICE_FIGURES = "read an office's figures and history"
    READ_REGION = "read a region's figures, history and live dashboard"
    SCRAPE_FIGURES = "scrape every office's live figures (Prometheus)"
    IMPORT_BOOKINGS = "import an office's bookings (booked, moved, cancelled)"


_HOST, _COUNSELLOR, _DISPLAY, _REGIONAL = Role.HOST, Role.COUNSELLOR, Role.DISPLAY, Role.REGIONAL
_QUEUE_WORK = frozenset({_HOST, _COUNSELLOR})

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.LIST_OFFICES: frozenset({_HOST, _COUNSELLOR, _REGIONAL}),
    Action.READ_POLICY: frozenset({_HOST, _COUNSELLOR, _DISPLAY}),
    Action.CHECK_IN: frozenset({_HOST}),
    Action.READ_CHECK_IN: frozenset({_HOST}),
    Action.READ_QUEUE: _QUEUE_WORK,
    Action.CALL: _QUEUE_WORK,
    Action.RECALL: _QUEUE_WORK,
    Action.START: _QUEUE_WORK,
    Action.COMPLETE: _QUEUE_WORK,
    Action.NO_SHOW: _QUEUE_WORK,
    Action.TRANSFER: _QUEUE_WORK,
    Action.CANCEL: _QUEUE_WORK,
    Action.HOLD: _QUEUE_WORK,
    Action.UNDO: _QUEUE_WORK,
    Action.REVOKE_VISIT_LINK: frozenset({_HOST}),
    Action.RESOLVE_FOLLOW_UP: frozenset({_HOST}),
    Action.ROOM_SERVICE: frozenset({_HOST}),
    Action.READ_DISPLAY: frozenset({_DISPLAY, _HOST}),
    Action.READ_COUNSELLOR_ALERTS: frozenset({_COUNSELLOR, _HOST}),
    Action.READ_OFFICE_FIGURES: frozenset({_REGIONAL, _HOST}),
    Action.READ_REGION: frozenset({_REGIONAL}),
    Action.SCRAPE_FIGURES: frozenset({Role.SCRAPER}),
    Action.IMPORT_BOOKINGS: frozenset({Role.BOOKING}),
}


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that may perform `action`; admins always may."""
    return PERMISSIONS[action] | {Role.ADMIN}


def markdown_table() -> str:
    """The table as docs/SECURITY.md shows it."""
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(role.value for role in roles) + " |",
        "| --- | " + " | ".join(":-:" for _ in roles) + " |",
    ]
    for action in Action:
        allowed = roles_for(action)
        marks = " | ".join("✓" if role in allowed else "" for role in roles)
        lines.append(f"| {action.value} | {marks} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown_table())
