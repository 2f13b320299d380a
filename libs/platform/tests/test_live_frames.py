"""An office's frames for a batch: in order, named by event type, the last carrying the snapshot."""

from __future__ import annotations

from visitflow_platform.live import Frame, Outgoing, office_frames


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


def test_a_frame_is_encoded_as_one_server_sent_event_once() -> None:
    frame = Frame("1700000000000-0", "VisitorCalled", '{"ticket":"A-12"}')

    assert frame.sse == b'id: 1700000000000-0\r\nevent: VisitorCalled\r\ndata: {"ticket":"A-12"}\r\n\r\n'
    assert frame.sse is frame.sse  # shared by every listener of the office


def test_a_fresh_snapshot_is_a_snapshot_frame_that_is_also_stored() -> None:
    assert Outgoing.fresh_snapshot("halden", '{"snapshot":{}}') == Outgoing(
        "halden", "snapshot", '{"snapshot":{}}', '{"snapshot":{}}'
    )
