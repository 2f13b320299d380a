"""One wait figure everywhere, on the real system: the check-in answer, the host's tablet and the
waiting-room display give the same visitor the same estimate at the same moment, the queue's."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from visitflow_devstack.testing import System, eventually
from visitflow_events import (
    OfficeWaits,
    UndecodableMessage,
    VisitorCalled,
    VisitorQueued,
    WaitsEstimated,
    decode,
    said_bounds_s,
)
from visitflow_platform.access import Role

pytestmark = pytest.mark.integration
OFFICE = "elverum"  # two conversation rooms; no drop-in on Mondays, so only these emergencies wait
EMERGENCY = {"kind": "emergency", "reason": "emergency_assistance"}


def _line(lines: list[dict[str, Any]], line_id: str) -> dict[str, Any]:
    return next(line for line in lines if line["line_id"] == line_id)


def test_the_tablet_and_the_display_show_the_same_figure_for_the_same_visitor(system: System) -> None:
    system.clear(OFFICE)
    for _ in range(4):
        assert system.check_in(OFFICE, EMERGENCY).status_code == 201
    for room in ("samtalerom-1", "samtalerom-2"):
        called = system.command(OFFICE, "call-next", {"room_id": room})
        assert called.status_code == 200, called.text
        visit_id = called.json()["events"][0]["visit_id"]
        assert system.command(OFFICE, f"visits/{visit_id}/start").status_code == 200

    answer = system.check_in(OFFICE, EMERGENCY)
    assert answer.status_code == 201
    me = answer.json()

    # The display counts the waiting from the visits it is told of and takes the estimate from the
    # queue's estimates published with them (on the batch's last VisitorQueued, else a WaitsEstimated
    # after them): for a moment it may show the
    # three waiting with the figure from before this check-in. It must come to the queue's figure.
    def both() -> tuple[dict[str, Any], dict[str, Any]] | None:
        tablet = system.waiting_list(OFFICE)
        display = system.notify.get(f"/api/offices/{OFFICE}/display").json()
        shown = _line(display["lines"], "emergency")
        settled = shown["waiting"] == 3 and shown["expected_wait_s"] == me["estimated_wait_s"]
        return (tablet, shown) if settled and len(tablet["waiting"]) == 3 else None

    tablet, display_line = eventually(both, what="the display shows the three waiting and the queue's figure")
    tablet_line = _line(tablet["lines"], "emergency")
    mine = tablet["waits"][me["visit_id"]]

    # two conversations just started in the two rooms: the newest emergency waits for a room
    assert me["estimated_wait_s"] > 0
    assert mine["expected_wait_s"] == tablet_line["expected_wait_s"] == me["estimated_wait_s"]
    assert display_line["expected_wait_s"] == me["estimated_wait_s"]
    said = (me["minutes"], me.get("minutes_to"))  # the answer leaves out what is none
    assert (
        (mine["minutes"], mine["minutes_to"]) == (tablet_line["minutes"], tablet_line["minutes_to"]) == said
    )
    assert (display_line["expected_minutes"], display_line["expected_minutes_to"]) == said

    published: list[WaitsEstimated | OfficeWaits] = []
    for value in system.read_topic(system.topics.visits):
        try:
            event = decode(value)
        except UndecodableMessage:
            continue
        if event.office_id != OFFICE:
            continue
        if isinstance(event, WaitsEstimated):
            published.append(event)
        elif isinstance(event, VisitorQueued) and event.waits is not None:
            published.append(event.waits)
    last = {line.line_id: line for line in published[-1].lines}
    assert last["emergency"].waiting == 3
    assert last["emergency"].estimate.expected_s == me["estimated_wait_s"]
    system.clear(OFFICE)


def test_quoted_against_actual_is_an_office_figure_for_prometheus(system: System) -> None:
    system.clear(OFFICE)
    answer = system.check_in(OFFICE, EMERGENCY)
    assert answer.status_code == 201
    assert system.command(OFFICE, "call-next", {"room_id": "samtalerom-1"}).status_code == 200
    scraper = {"Authorization": f"Bearer {system.token(Role.SCRAPER)}"}

    def figures() -> dict[str, float] | None:
        text = system.metrics.get("/metrics/offices", headers=scraper).text
        found = {
            sample.name: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if family.name.startswith("visitflow_office_estimate")
            and sample.labels.get("office") == OFFICE
            and sample.labels.get("line") == "all"
        }
        return found if found.get("visitflow_office_estimate_abs_error_mean_seconds") is not None else None

    scraped = eventually(figures, what="the office's quoted-against-actual figures")
    # every visitor of the office called today: the quote at check-in against the wait to the first call
    quoted: dict[Any, VisitorQueued] = {}
    errors, held = [], []
    for value in system.read_topic(system.topics.visits):
        try:
            event = decode(value)
        except UndecodableMessage:
            continue
        if event.office_id != OFFICE:
            continue
        if isinstance(event, VisitorQueued):
            quoted[event.visit_id] = event
        elif isinstance(event, VisitorCalled) and event.call_number == 1 and event.visit_id in quoted:
            queued = quoted.pop(event.visit_id)
            waited = max(0, round((event.occurred_at - queued.checked_in_at).total_seconds()))
            errors.append(queued.estimated_wait_s - waited)
            assert queued.estimated_low_s is not None
            assert queued.estimated_high_s is not None
            said = said_bounds_s(queued.estimated_wait_s, queued.estimated_low_s, queued.estimated_high_s)
            held.append(said[0] <= waited <= said[1])
    assert scraped["visitflow_office_estimate_abs_error_mean_seconds"] == round(
        sum(abs(e) for e in errors) / len(errors)
    )
    assert scraped["visitflow_office_estimate_bias_seconds"] == round(sum(errors) / len(errors))
    # and whether what each was told (the figure or range the screens said) held
    assert scraped["visitflow_office_estimate_said_held_ratio"] == round(sum(held) / len(held), 3)
    system.clear(OFFICE)
