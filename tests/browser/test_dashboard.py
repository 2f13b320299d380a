"""The regional dashboard in Chromium: Norwegian labels, the region's offices, charts drawn as SVG,
and a check-in raising the office's count live, without reloading the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from visitflow_devstack.testing import System, eventually
from visitflow_platform.auth import Role

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_a_check_in_raises_the_offices_count_live(system: System, page: Any) -> None:
    page.goto(system.page_url("metrics", "/dashboard?region=hedmark", Role.REGIONAL, region="hedmark"))
    row = page.locator('tr[data-office="elverum"]')
    expect(row.locator("th")).to_have_text("NAV Elverum")
    expect(page.locator("#region")).to_have_value("hedmark")
    expect(page.locator("#offices thead")).to_contain_text("I kontoret nå")
    expect(page.locator("#hourly-chart")).to_be_visible()
    # the row is drawn before the live snapshot fills it: start from the figures the API has now
    today = system.metrics.get("/api/regions/hedmark/today").json()
    office = next(o for o in today["offices"] if o["office_id"] == "elverum")
    before, waiting_before = office["in_office"], office["waiting"]
    expect(row.locator(".in-office")).to_have_text(str(before))
    expect(row.locator(".waiting")).to_have_text(str(waiting_before))

    # drop-in is closed in Elverum on Mondays; an emergency is always queued
    answer = system.check_in("elverum", {"kind": "emergency", "reason": "emergency_assistance"})
    assert answer.status_code == 201, answer.text

    expect(row.locator(".in-office")).to_have_text(str(before + 1))
    expect(row.locator(".waiting")).to_have_text(str(waiting_before + 1))
    expect(page.locator("#hourly-chart svg rect.s-emergency").first).to_be_visible()
    assert page.locator("#totals .tile").count() >= 6
    # the office lead's staffing hint, as the queue made it: the rooms in use first, then one fewer, one more
    hint = system.queue.get("/api/offices/elverum/queue").json()["staffing"]
    rooms = [option["rooms"] for option in hint]
    as_now = next(option["rooms"] for option in hint if option["now"])
    expect(row.locator(".staffing strong")).to_contain_text(f"{as_now} rom:")
    expect(row.locator(".staffing span")).to_have_count(len(rooms) - 1)


def test_the_region_selector_and_the_english_labels(system: System, page: Any) -> None:
    # an admin may look at every region (a regional user sees only their own)
    page.goto(system.page_url("metrics", "/dashboard?region=hedmark&lang=en", Role.ADMIN))
    expect(page.locator("#offices thead")).to_contain_text("In the office now")

    page.select_option("#region", "agder")

    expect(page.locator('tr[data-office="arendal"] th')).to_have_text("NAV Arendal")
    expect(page.locator('tr[data-office="elverum"]')).to_have_count(0)
    assert "region=agder" in page.url


def test_an_offices_row_says_how_often_what_its_visitors_were_told_held(system: System, page: Any) -> None:
    system.clear("elverum")
    emergency = {"kind": "emergency", "reason": "emergency_assistance"}
    assert system.check_in("elverum", emergency).status_code == 201
    assert system.command("elverum", "call-next", {"room_id": "samtalerom-1"}).status_code == 200

    def told() -> dict[str, Any] | None:
        today = system.metrics.get("/api/regions/hedmark/today").json()
        office = next(o for o in today["offices"] if o["office_id"] == "elverum")
        figures = office["estimates"]
        return figures if figures and figures["said_held_share"] is not None else None

    figures = eventually(told, what="the office's share of visitors for whom what they were told held")
    url = system.page_url("metrics", "/dashboard?region=hedmark&lang=en", Role.REGIONAL, region="hedmark")
    page.goto(url)

    share = f"{round(figures['said_held_share'] * 100)}%"
    expect(page.locator('tr[data-office="elverum"] .estimates')).to_contain_text(f"{share} as told")
    system.clear("elverum")
