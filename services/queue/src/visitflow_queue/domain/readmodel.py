"""What hosts and screens see of an office's queue: a JSON snapshot computed from the state and the time.

The time matters twice: the waiting order (`ordering`: who has waited past the office's limit) and the
day's end (`closing`, from `CLOSING_NOTICE` before the office closes until its day is closed). Without a
time the snapshot shows neither. `time_changes` says when the time alone changed an office's snapshot,
so the worker pushes it again though nothing happened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from visitflow_events import StaffingOption, VisitStage, said_minutes
from visitflow_offices import OSLO, Office, business_date, closing_time

from .appointments import DayBook, expected
from .estimates import Forecast, Wait, forecast, mean_service_seconds, wait_view
from .ordering import is_overdue, waiting_in_order
from .state import OfficeQueue, OpenVisit

CLOSING_NOTICE = timedelta(minutes=30)


def _visit(office: Office, visit: OpenVisit) -> dict[str, Any]:
    """A visit as screens show it: its counsellor by id and configured label, and only one the office has
    (a visit queued before counsellors were checked may name anything)."""
    view = visit.model_dump(mode="json", exclude_none=True, exclude={"counsellor_id"})
    counsellor = office.counsellor(visit.counsellor_id) if visit.counsellor_id else None
    if counsellor is not None:
        view |= {"counsellor_id": counsellor.id, "counsellor": counsellor.name}
    return view


def _placed(view: dict[str, Any], position: int | None) -> dict[str, Any]:
    """A waiting visit's view carries its place in the line; a called one's none."""
    return view if position is None else view | {"position": position}


def _fresh_view(office: Office, visit: OpenVisit, position: int | None) -> dict[str, Any]:
    return _placed(_visit(office, visit), position)


class VisitViews:
    """Each visit's view made once per version of the visit and place in the line, for an office's
    successive snapshots.

    Visits are immutable and a change replaces only the changed ones, so a visit object the state still
    holds still has the view made for it; a check-in at the end of the line moves nobody. Remembers
    the visits of the last snapshot only. A view is shared by the snapshots that show it and never
    changed."""

    def __init__(self) -> None:
        # by id(), to spare hashing UUIDs: (the visit, its view, its view with its place)
        self._views: dict[int, tuple[OpenVisit, dict[str, Any], dict[str, Any]]] = {}
        self._next: dict[int, tuple[OpenVisit, dict[str, Any], dict[str, Any]]] = {}
        self._rooms: tuple[tuple[Any, ...], list[dict[str, Any]]] | None = None
        # by id() of the visit id, to spare hashing UUIDs: (the visit id, its estimate, the id as said,
        # the estimate's view)
        self._waits: dict[int, tuple[UUID, Wait, str, dict[str, Any]]] = {}

    def __call__(self, office: Office, visit: OpenVisit, position: int | None = None) -> dict[str, Any]:
        made = self._views.get(id(visit))
        if made is None or made[0] is not visit:  # the visit is held, so its id is not another's
            base = _visit(office, visit)
            made = (visit, base, _placed(base, position))
        elif made[2].get("position") != position:
            made = (visit, made[1], _placed(made[1], position))
        self._next[id(visit)] = made
        return made[2]

    def rooms(self, office: Office, state: OfficeQueue) -> list[dict[str, Any]]:
        """The office's rooms (`_rooms`), made again only when their occupants or closures changed: a
        check-in changes neither, and an office may have dozens of rooms."""
        key = (tuple(state.occupants().items()), state.closed_rooms, state.closed_until)
        if self._rooms is None or self._rooms[0] != key:
            self._rooms = (key, _rooms(office, state))
        return self._rooms[1]

    def waits(self, estimates: dict[UUID, Wait]) -> dict[str, dict[str, Any]]:
        """Each waiting visitor's estimate as screens receive it (`wait_view`), the entry of the last
        snapshot kept while its figures are unchanged (a check-in at the end of the line changes few)."""
        made = {}
        for visit_id, wait in estimates.items():
            last = self._waits.get(id(visit_id))
            if last is None or last[0] is not visit_id:  # the visit id is held, so its id() is not another's
                last = (visit_id, wait, str(visit_id), wait_view(wait))
            elif last[1] != wait:
                last = (visit_id, wait, last[2], wait_view(wait))
            made[id(visit_id)] = last
        self._waits = made
        return {said: view for _, _, said, view in made.values()}

    def done(self) -> None:
        """A snapshot is made: forgets the visits it did not show."""
        self._views, self._next = self._next, {}


def _waits(estimates: dict[UUID, Wait]) -> dict[str, dict[str, Any]]:
    return {str(visit_id): wait_view(wait) for visit_id, wait in estimates.items()}


def _rooms(office: Office, state: OfficeQueue) -> list[dict[str, Any]]:
    occupied = state.occupants()
    return [
        {
            "room_id": room.id,
            "name": room.name,
            "kind": room.kind.value,
            "in_service": room.id not in state.closed_rooms,
            **(
                {"closed_until": state.closed_until[room.id].isoformat()}
                if room.id in state.closed_rooms and room.id in state.closed_until
                else {}
            ),
            **(
                {
                    "ticket": occupied[room.id].ticket,
                    "visit_id": str(occupied[room.id].visit_id),
                    "stage": occupied[room.id].stage.value,
                }
                if room.id in occupied
                else {}
            ),
        }
        for room in office.rooms
    ]


def closes_at(state: OfficeQueue, office: Office, now: datetime, zone: ZoneInfo = OSLO) -> datetime | None:
    """When the office closes, if that is less than `CLOSING_NOTICE` away or past while its day is still
    open (it is closed `decide.DAY_CLOSES_AFTER` later); else None."""
    today = business_date(now, zone)
    if state.business_date != today or state.day_closed:
        return None
    closes = closing_time(office, today, zone)
    return closes if closes is not None and now >= closes - CLOSING_NOTICE else None


def closing(
    state: OfficeQueue, office: Office, now: datetime, zone: ZoneInfo = OSLO
) -> dict[str, Any] | None:
    """What the day's end will find, for the hosts to act on before it: the visitors waiting and in a
    conversation, and the emergencies not yet in one (they would be carried over)."""
    closes = closes_at(state, office, now, zone)
    if closes is None:
        return None
    return {
        "at": f"{closes.astimezone(zone):%H:%M}",
        "waiting": sum(1 for v in state.visits.values() if v.stage is VisitStage.WAITING),
        "in_service": sum(1 for v in state.visits.values() if v.stage is VisitStage.IN_SERVICE),
        "emergencies": sum(
            1 for v in state.visits.values() if v.stage is not VisitStage.IN_SERVICE and v.emergency
        ),
    }


def time_changes(
    state: OfficeQueue, office: Office, before: datetime, now: datetime, zone: ZoneInfo = OSLO
) -> bool:
    """Whether the snapshot at `now` may differ from the one made at `before` by the time alone: the
    closing notice began (or the day turned), or a visitor waiting crossed the office's limit."""
    if (closes_at(state, office, before, zone) is None) != (closes_at(state, office, now, zone) is None):
        return True
    return any(is_overdue(office, v, before) != is_overdue(office, v, now) for v in state.waiting())


def _follow_ups(state: OfficeQueue) -> list[dict[str, Any]]:
    return [
        follow_up.model_dump(mode="json", include={"visit_id", "ticket", "kind", "since"})
        for follow_up in sorted(state.follow_ups.values(), key=lambda f: (f.since, f.ticket))
    ]


def _said(seconds: int | None) -> int | None:
    return None if seconds is None else said_minutes(seconds, seconds, seconds)[0]


def _last_change(state: OfficeQueue) -> datetime:
    """The time of the state's latest known moment, for a snapshot made without a clock."""
    moments = [v.started_at or v.called_at or v.checked_in_at for v in state.visits.values()]
    return max(moments, default=datetime.fromtimestamp(0, tz=OSLO))


def snapshot(
    state: OfficeQueue,
    office: Office,
    views: VisitViews | None = None,
    now: datetime | None = None,
    zone: ZoneInfo = OSLO,
    estimates: Forecast | None = None,
    staffing: tuple[StaffingOption, ...] | None = None,
    day: DayBook | None = None,
) -> dict[str, Any]:
    """The office's picture: `follow_up` first (the emergencies carried over from earlier days, oldest
    first), then the day's lists, rooms and lines; at `now`, in call order and with the day's `closing`;
    and today's appointments from `day` (`appointments.expected`), empty without it."""
    view: Callable[[Office, OpenVisit, int | None], dict[str, Any]] = (
        views if views is not None else _fresh_view
    )
    estimates = estimates or forecast(state, office, now or _last_change(state), zone)
    waiting = estimates.waiting_in_order(state, now)
    if waiting is None:
        waiting = waiting_in_order(state, office, now=now)
    in_lines = Counter(visit.line_id for visit in waiting)
    lines = [
        {
            "line_id": line.id,
            "name": line.name,
            "prefix": line.prefix,
            "waiting": in_lines[line.id],
            "mean_service_s": round(mean_service_seconds(state, office, line.id)),
            **wait_view(estimates.lines[line.id]),
        }
        for line in office.lines
    ]
    rooms = views.rooms(office, state) if views is not None else _rooms(office, state)
    result: dict[str, Any] = {
        "follow_up": _follow_ups(state),
        "office_id": office.id,
        "business_date": state.business_date.isoformat() if state.business_date else None,
        "waiting": [view(office, visit, index + 1) for index, visit in enumerate(waiting)],
        "called": sorted(
            (view(office, v, None) for v in state.visits.values() if v.stage is VisitStage.CALLED),
            key=lambda v: (v["called_at"], v["ticket"]),  # two called at once: by ticket
        ),
        "in_service": sorted(
            (view(office, v, None) for v in state.visits.values() if v.stage is VisitStage.IN_SERVICE),
            key=lambda v: v["ticket"],
        ),
        "rooms": rooms,
        "lines": lines,
        # each waiting visitor's estimate: a part of its own, for it changes with every call
        "waits": views.waits(estimates.visits) if views is not None else _waits(estimates.visits),
        "counsellors": [{"counsellor_id": c.id, "name": c.name} for c in office.counsellors],
        "issued_today": len(state.tickets),
        "undo_seconds": office.policy.undo_seconds,
        "appointments": expected(day, office, state, now, zone)
        if day is not None and now is not None
        else {"next_hour": [], "later": [], "arrived": [], "missed": []},
    }
    if staffing is not None:  # the office lead's hint: the next hour with a room more or fewer
        result["staffing"] = [
            {"rooms": option.rooms, "expected_wait_s": option.expected_wait_s, "now": option.as_now}
            for option in staffing
        ]
    if now is not None and (notice := closing(state, office, now, zone)) is not None:
        result["closing"] = notice
    if views is not None:
        views.done()
    return result
