"""The host tablet's check-in form in Chromium: the counsellor is chosen from the office's own, the
reference must have the check-in's format, the appointment time is the office's own (the browser here
runs in UTC, an hour off Oslo), and each tap's Idempotency-Key is a UUIDv7 of its time."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from playwright.sync_api import expect
from visitflow_devstack.testing import System
from visitflow_offices import OSLO
from visitflow_platform.access import Role
from visitflow_platform.ids import uuid7_time

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "arendal"


def test_an_appointment_checked_in_on_the_tablet_names_a_configured_counsellor(
    system: System, page: Any
) -> None:
    keys: list[str] = []

    def note_key(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        route.continue_()

    page.route("**/check-ins", note_key)
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}", Role.HOST, OFFICE))
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    page.check("input[name=kind][value=appointment]")
    counsellors = page.locator("#counsellor option")
    expect(counsellors).to_have_count(7)  # none in particular, or one of the office's six
    assert counsellors.all_inner_texts()[1:] == [f"Veileder {n}" for n in range(1, 7)]

    reference = page.locator("#reference")
    reference.fill("AR-12345")  # five digits in a row
    assert reference.evaluate("input => input.validity.patternMismatch")
    booking = f"AR-{uuid.uuid4().hex[:4].upper()}"
    reference.fill(booking)
    assert not reference.evaluate("input => input.validity.patternMismatch")
    starts = (system.clock.now() + timedelta(minutes=5)).astimezone(OSLO).replace(second=0, microsecond=0)
    browser_offset_min = page.evaluate("() => -new Date().getTimezoneOffset()")
    assert browser_offset_min * 60 != (starts.utcoffset() or timedelta()).total_seconds()  # zones differ
    page.fill("input[name=starts_at]", starts.strftime("%H:%M"))
    page.select_option("#counsellor", "veileder-3")
    page.click("button[type=submit]")
    expect(page.locator("#result")).to_contain_text("Kølapp")

    (key,) = keys
    tapped = uuid7_time(key)
    assert tapped is not None
    assert abs(tapped - time.time()) < 60  # the time of the tap
    events = [orjson.loads(value) for value in system.read_topic(system.topics.visits)]
    (checked_in,) = [
        e
        for e in events
        if e["type"] == "VisitorCheckedIn" and (e.get("appointment") or {}).get("reference") == booking
    ]
    assert checked_in["appointment"]["counsellor_id"] == "veileder-3"
    assert datetime.fromisoformat(checked_in["appointment"]["starts_at"]) == starts  # the office's 12:35
