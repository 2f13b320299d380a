"""What a tablet is sent when its office's queue changes: not the whole snapshot again, only the visits
the batch's events touched, the order of each list, and the other parts that changed
(docs/decisions/tablet-receives-changes.md).

A snapshot with twenty visitors waiting is 6-11 KB, of which a call changes a few hundred bytes. The
page rebuilds the snapshot from the one it has: each list from its order (positions from the waiting
order), each visit from the change or from what it had. A change names the frame it applies to
(`base`); a page whose picture came with another frame starts again from the stored snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from visitflow_events import Event, VisitEvent, WaitsEstimated

LISTS = ("waiting", "called", "in_service")


@dataclass(frozen=True)
class Shown:
    """What an office's tablets were last sent: the frame, and the snapshot's parts besides its lists."""

    frame_id: str
    parts: dict[str, Any]

    @classmethod
    def of(cls, frame_id: str, view: dict[str, Any]) -> Shown:
        return cls(frame_id, {name: part for name, part in view.items() if name not in LISTS})


def changes(shown: Shown, events: Sequence[Event], view: dict[str, Any]) -> dict[str, Any] | None:
    """The change from what was shown to `view`, which `events` made; None when only the whole snapshot
    says it (the day closed, or a new day began: visits left without an event of their own).

    A visit's entry changes only by an event about it (`evolve`), so only those are looked at: the
    work is the batch's, not the queue's length."""
    about_visits = [event for event in events if isinstance(event, VisitEvent)]
    about_office = [event for event in events if not isinstance(event, VisitEvent | WaitsEstimated)]
    if about_office or shown.parts.get("business_date") != view["business_date"]:
        return None
    touched = {str(event.visit_id) for event in about_visits}
    on_lists = {visit["visit_id"]: visit for name in LISTS for visit in view[name]}
    return {
        "base": shown.frame_id,
        "visits": {visit_id: on_lists.get(visit_id) for visit_id in touched},  # None: gone
        "order": {name: [visit["visit_id"] for visit in view[name]] for name in LISTS},
        "parts": {
            name: part for name, part in view.items() if name not in LISTS and shown.parts.get(name) != part
        },
    }


def apply(before: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The snapshot after `change`, as the tablet page computes it (tablet.js `applyChanges`), on the JSON
    as received. For clients written in Python, and to test the format."""
    visits = {visit["visit_id"]: visit for name in LISTS for visit in before[name]}
    for visit_id, visit in change["visits"].items():
        if visit is None:
            visits.pop(visit_id, None)
        else:
            visits[visit_id] = visit
    after: dict[str, Any] = before | change["parts"]
    for name in LISTS:
        after[name] = [visits[visit_id] for visit_id in change["order"][name]]
    after["waiting"] = [visit | {"position": index + 1} for index, visit in enumerate(after["waiting"])]
    return after
