"""What a tablet's live stream carries: the office's snapshot, and each event with the new picture.
Written by the queue worker's outbox, served by the queue API."""

from __future__ import annotations

from typing import Any

import orjson
from visitflow_events import Event, as_dict

SCOPE = "queue"


def snapshot_frame(view: dict[str, Any]) -> str:
    """The snapshot as stored and as first sent to a new listener."""
    return orjson.dumps({"snapshot": view}).decode()


def frame(event: Event, state: dict[str, Any] | None) -> str:
    """An event's frame; the last of an office's batch also carries the new picture (`state`): the
    whole snapshot, or the changes to the one last shown."""
    return orjson.dumps({"event": as_dict(event), **(state or {})}).decode()
