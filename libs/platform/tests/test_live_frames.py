"""An office's frames for a batch: in order, named by event type, the last carrying the snapshot."""

from __future__ import annotations

from visitflow_platform.live import Outgoing, office_frames


class VisitorQueued:
    pass


class VisitorCalled:
    pass


def test_each_event_gets_a_frame_named_by_its_type_and_only_the_last_replaces_the_snapshot() -> None:
    queued, called = VisitorQueued(), VisitorCalled()
    frames = office_frames("halden", [queued, called], lambda e, last: f"{id(e)}:{last}", "snap")
    assert frames == [
        Outgoing("halden", "VisitorQueued", f"{id(queued)}:False", None),
        Outgoing("halden", "VisitorCalled", f"{id(called)}:True", "snap"),
    ]


def test_no_events_no_frames() -> None:
    assert office_frames("halden", [], lambda e, last: "x", "snap") == []
