"""What a tablet is sent when its office's queue changes: not the whole snapshot again, only the visits
that changed, the order of each list, and the other parts that changed (DECISIONS §48).

A snapshot with twenty visitors waiting is about 10 KB, of which a call changes a few hundred bytes. The
page rebuilds the snapshot from the one it has: each list from its order (positions from the waiting
order), each visit from the changes or from what it had. A change names the frame it applies to
(`base`); a page whose last picture is another one starts again from the stored snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

LISTS = ("waiting", "called", "in_service")


@dataclass(frozen=True)
class Picture:
    """An office's snapshot as compared: each visit (without its position, which follows from the
    order) and each other part, as JSON. Bytes are compact to remember and cheap to compare."""

    visits: dict[str, bytes]
    parts: dict[str, bytes]

    @classmethod
    def of(cls, view: dict[str, Any]) -> Picture:
        visits = {
            visit["visit_id"]: orjson.dumps({k: v for k, v in visit.items() if k != "position"})
            for name in LISTS
            for visit in view[name]
        }
        return cls(visits, {name: orjson.dumps(part) for name, part in view.items() if name not in LISTS})


def changes(base: str, before: Picture, after: Picture, view: dict[str, Any]) -> dict[str, Any]:
    """What turns `before` (shown in frame `base`) into `after` (of `view`), ready for orjson."""
    visits: dict[str, orjson.Fragment | None] = {
        visit_id: orjson.Fragment(raw)
        for visit_id, raw in after.visits.items()
        if before.visits.get(visit_id) != raw
    }
    visits |= dict.fromkeys(before.visits.keys() - after.visits.keys())
    return {
        "base": base,
        "visits": visits,
        "order": {name: [visit["visit_id"] for visit in view[name]] for name in LISTS},
        "parts": {
            name: orjson.Fragment(raw) for name, raw in after.parts.items() if before.parts.get(name) != raw
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
