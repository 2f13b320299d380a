"""The host tablet and the waiting-room display in Chromium, against the real running system."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest
from playwright.sync_api import expect
from visitflow_devstack.testing import System, artifacts
from visitflow_platform.auth import Role

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "kristiansand"  # drop-in open on the test clock; five conversation rooms


@pytest.fixture
def display(browser: Any, system: System, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The office's waiting-room display, started by a click as staff would, kept as a screenshot."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    screen = context.new_page()
    screen.goto(system.page_url("notify", f"/display/{OFFICE}", Role.DISPLAY, OFFICE))
    screen.click("#start")
    expect(screen.locator("#status")).to_have_attribute("data-status", "live")
    try:
        yield screen
    finally:
        screen.screenshot(path=str(artifacts() / f"{request.node.name}-display.png"))
        context.close()


def _fresh_visitors(system: System, count: int) -> list[str]:
    system.clear(OFFICE)
    return [
        system.check_in(OFFICE, {"kind": "drop_in", "reason": "deliver_documents"}).json()["ticket"]
        for _ in range(count)
    ]


def test_a_check_in_on_the_tablet_appears_in_its_waiting_list(system: System, page: Any) -> None:
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}", Role.HOST, OFFICE))
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    expect(page.locator("#hints")).to_contain_text("Drop-in er åpent nå")
    page.select_option("#reason", "case_status")
    page.click("button[type=submit]")
    expect(page.locator("#result")).to_contain_text("Kølapp")
    ticket = re.search(r"[A-Z]-\d{3}", page.locator("#result").inner_text())
    assert ticket is not None
    expect(page.locator(f".line li[data-ticket='{ticket.group()}']")).to_be_visible()


def test_a_tablet_given_a_change_it_cannot_apply_starts_again_from_the_snapshot(
    system: System, page: Any
) -> None:
    """Changes name the frame they apply to; a page holding another picture fetches the snapshot again
    instead of showing a wrong list (docs/decisions/tablet-receives-changes.md)."""
    (ticket,) = _fresh_visitors(system, 1)
    stale = orjson.dumps({"snapshot": system.waiting_list(OFFICE) | {"waiting": []}}).decode()
    change = {
        "base": "1-2",
        "visits": {},
        "order": {"waiting": [], "called": [], "in_service": []},
        "parts": {},
    }
    requests: list[str] = []

    def first_one_inconsistent(route: Any) -> None:
        requests.append(route.request.url)
        if len(requests) > 1:
            route.continue_()
            return
        body = (  # the browser would reconnect by itself only after ten minutes
            f"retry: 600000\nid: 1-1\nevent: snapshot\ndata: {stale}\n\n"
            f"id: 1-3\nevent: VisitorQueued\ndata: {orjson.dumps({'changes': change}).decode()}\n\n"
        )
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body)

    page.route("**/queue/stream?**", first_one_inconsistent)
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}", Role.HOST, OFFICE))
    expect(page.locator(f".line li[data-ticket='{ticket}']")).to_be_visible()
    assert len(requests) == 2
    assert "last_event_id" not in requests[1]


def test_a_retry_after_a_503_reuses_the_idempotency_key(system: System, page: Any) -> None:
    """A tap answered "try again" must not become a second visitor when the host taps again."""
    keys: list[str] = []

    def first_refused(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            body = '{"error": "unavailable", "message": "Try again in a few seconds."}'
            route.fulfill(status=503, content_type="application/json", body=body)
        else:
            route.continue_()

    page.route("**/check-ins", first_refused)
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}", Role.HOST, OFFICE))
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    page.select_option("#reason", "case_status")
    page.click("button[type=submit]")
    expect(page.locator("#result")).to_contain_text("Prøv igjen")  # in the page's language
    page.click("button[type=submit]")
    expect(page.locator("#result")).to_contain_text("Kølapp")
    first_ticket = page.locator("#result").inner_text()
    page.select_option("#reason", "case_status")  # a ticket resets the form
    page.click("button[type=submit]")  # a new tap after a final answer is a new visitor
    expect(page.locator("#result")).not_to_have_text(first_ticket)
    expect(page.locator("#result")).to_contain_text("Kølapp")
    assert len(keys) == 3
    assert keys[0] == keys[1] != keys[2]


def test_call_next_on_the_tablet_shows_the_ticket_and_room_on_the_display(
    system: System, page: Any, display: Any
) -> None:
    first = _fresh_visitors(system, 2)[0]
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}", Role.HOST, OFFICE))
    room = page.locator("#rooms li[data-room='samtalerom-2']")
    room.get_by_role("button", name="Rop opp neste").click()
    expect(room.locator("strong")).to_have_text(first)
    expect(display.locator("#now")).to_contain_text(first)
    expect(display.locator("#now")).to_contain_text("Samtalerom 2")
    expect(display.locator("#now")).to_have_class(re.compile("fresh"))
    expect(display.locator(".lines li[data-line='drop_in']")).to_contain_text("1 venter")


def test_three_calls_in_one_second_are_all_readable(system: System, display: Any) -> None:
    tickets = _fresh_visitors(system, 3)
    rooms = ["samtalerom-1", "samtalerom-3", "samtalerom-4"]
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda room: system.command(OFFICE, "call-next", {"room_id": room}), rooms))
    assert all(answer.status_code == 200 for answer in answers)
    for ticket in tickets:  # all three listed at once, marked as just called
        expect(display.locator(f"#calls li[data-ticket='{ticket}']")).to_have_class(re.compile("recent"))
    shown = []
    for turn in range(len(tickets)):  # and each gets the big card in turn, long enough to read
        expect(display.locator("#now.fresh")).to_be_visible()
        current = display.locator("#now .ticket").inner_text()
        shown.append(current)
        if turn < len(tickets) - 1:
            expect(display.locator("#now .ticket")).not_to_have_text(current, timeout=10_000)
    expect(display.locator("#now")).not_to_have_class(re.compile("fresh"), timeout=10_000)  # then calm
    assert sorted(shown) == sorted(tickets)


def test_a_display_that_lost_its_connection_resynchronises(system: System, display: Any) -> None:
    ticket = _fresh_visitors(system, 1)[0]
    system.stack.stop_service("notify-api")
    expect(display.locator("#status")).to_have_attribute("data-status", "offline")
    called = system.command(OFFICE, "call-next", {"room_id": "samtalerom-5"})  # while the display is cut off
    assert called.json()["event"]["ticket"] == ticket
    system.restart_stopped("notify-api")
    expect(display.locator("#status")).to_have_attribute("data-status", "live", timeout=20_000)
    expect(display.locator(f"#calls li[data-ticket='{ticket}']")).to_be_visible()
    expect(display.locator("#calls")).to_contain_text("Samtalerom 5")
