"""What the simulated hosts and counsellors do, decided from the queue's snapshot (pure, seeded).

Each conversation's length and outcome follow from the day's seed and the visitor's ticket alone
(`conversation`), not from a stream of draws shared by the day: when the hosts look at the list a
moment earlier or later, the same visitor still talks as long and leaves the same way.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from visitflow_events import Outcome

OUTCOMES = {
    Outcome.SERVED: 70,
    Outcome.STEERED_TO_SELF_SERVICE: 15,
    Outcome.REFERRED_TO_CONTACT_CENTRE: 8,
    Outcome.APPOINTMENT_BOOKED: 7,
}
SERVICE_MINUTES = {
    "deliver_documents": 5,
    "case_status": 7,
    "self_service_help": 10,
    "emergency_assistance": 20,
}


@dataclass(frozen=True)
class Action:
    path: str
    body: dict[str, Any] | None = None


def _minutes_since(stamp: datetime | str | None, now: datetime) -> float:
    if stamp is None:
        return 0.0
    moment = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(stamp)
    return (now - moment).total_seconds() / 60


@dataclass(frozen=True)
class Conversation:
    minutes: float
    outcome: Outcome


Talk = Callable[[dict[str, Any]], Conversation]  # a visit's conversation, given its entry in the live list


def hosts_seed(office_id: str, seed: int) -> str:
    """The seed of an office's conversations (`conversation`) in a simulation of that seed."""
    return f"hosts:{office_id}:{seed}"


def conversation(seed: str, ticket: str, reason: str) -> Conversation:
    """How long a visitor's conversation lasts (0.6 to 1.6 times its reason's typical length) and how it
    ends: drawn from the seed and the ticket, so the same visitor of the same day always gets the same."""
    rng = random.Random(f"{seed}:{ticket}")
    minutes = SERVICE_MINUTES.get(reason, 12) * rng.uniform(0.6, 1.6)
    outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
    return Conversation(minutes, outcome)


def next_actions(
    snapshot: dict[str, Any],
    now: datetime,
    no_shows: set[str],
    seed: str,
    calls_before_no_show: int = 3,
    since: Mapping[str, datetime] | None = None,
    walk_minutes: float = 1.5,
    talk: Talk | None = None,
) -> list[Action]:
    """Hosts call the next visitor to every free room; called visitors walk in (or never come: they are
    recalled, and marked as no-shows once called as often as the office allows); conversations end
    after their length with their outcome (`talk`: the visit's `conversation` of the seed, unless
    told). Walks and conversations count from `since` (a visit's last call or start as the hosts
    reckon it) where it knows the visit, else from the snapshot's stamps."""
    since = since or {}
    actions: list[Action] = []
    for visit in snapshot.get("called", []):
        visit_id = visit["visit_id"]
        waited = _minutes_since(since.get(visit_id) or visit.get("called_at"), now)
        if visit_id in no_shows:
            if waited >= walk_minutes:
                gone = visit.get("calls", 1) >= calls_before_no_show
                actions.append(Action(f"visits/{visit_id}/{'no-show' if gone else 'recall'}"))
        elif waited >= walk_minutes:
            actions.append(Action(f"visits/{visit_id}/start"))
    for visit in snapshot.get("in_service", []):
        held = (
            talk(visit)
            if talk is not None
            else conversation(seed, visit.get("ticket", visit["visit_id"]), visit["reason"])
        )
        if _minutes_since(since.get(visit["visit_id"]) or visit.get("started_at"), now) >= held.minutes:
            actions.append(Action(f"visits/{visit['visit_id']}/complete", {"outcome": held.outcome.value}))
    waiting = len(snapshot.get("waiting", []))
    for room in snapshot.get("rooms", []):
        if (
            waiting
            and "visit_id" not in room
            and room["kind"] == "conversation"
            and room.get("in_service", True)
        ):
            actions.append(Action("call-next", {"room_id": room["room_id"]}))
            waiting -= 1
    return actions


def due(arrival_at: datetime, now: datetime, tolerance: timedelta = timedelta(0)) -> bool:
    return arrival_at <= now + tolerance
