"""Rooms in and out of service, as a host and a waiting room see it: the host closes a room for lunch from
the tablet, nobody is called to it, the wait estimates count it no more, the display says it is closed;
with every room closed the wait says "no room open"; opened again, it is called to as before. The
tablet and the display say the same wait throughout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from visitflow_devstack.paths import root
from visitflow_devstack.testing import System, artifacts, axe_violations, eventually
from visitflow_platform.access import Role

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "elverum"  # two conversation rooms; no drop-in on Mondays, so only these emergencies wait
ROOM, NAME = "samtalerom-2", "Samtalerom 2"
OTHER_ROOM = "samtalerom-1"
EMERGENCY = {"kind": "emergency", "reason": "emergency_assistance"}
CATALOGUES = root() / "libs" / "platform" / "src" / "visitflow_platform" / "static" / "i18n"
WORDS = {language: json.loads((CATALOGUES / f"{language}.json").read_text()) for language in ("nb", "en")}
SCREENS = root() / "docs" / "screens"


@pytest.fixture
def office(system: System) -> Iterator[str]:
    system.clear(OFFICE)
    try:
        yield OFFICE
    finally:
        for room in (ROOM, OTHER_ROOM):
            system.command(OFFICE, f"rooms/{room}/open")  # refused when it is open already: that is fine
        system.clear(OFFICE)


def _emergency_line(system: System) -> dict[str, Any]:
    return next(line for line in system.waiting_list(OFFICE)["lines"] if line["line_id"] == "emergency")


def test_a_closed_room_is_not_called_to_and_counts_no_more(system: System, office: str) -> None:
    for _ in range(3):
        assert system.check_in(office, EMERGENCY).status_code == 201
    called = system.command(office, "call-next", {"room_id": "samtalerom-1"})
    assert called.status_code == 200, called.text
    visit_id = called.json()["events"][0]["visit_id"]
    assert system.command(office, f"visits/{visit_id}/start").status_code == 200
    with_two = _emergency_line(system)["expected_wait_s"]

    closed = system.command(office, f"rooms/{ROOM}/close")

    assert closed.status_code == 200, closed.text
    assert closed.json()["event"]["type"] == "RoomClosed"
    refused = system.command(office, "call-next", {"room_id": ROOM})
    assert (refused.status_code, refused.json()["error"]) == (409, "room_closed")
    assert system.command(office, f"rooms/{ROOM}/close").json()["error"] == "room_closed"
    rooms = {room["room_id"]: room for room in system.waiting_list(office)["rooms"]}
    assert rooms[ROOM]["in_service"] is False
    assert rooms["samtalerom-1"]["in_service"] is True
    # with one room, both emergencies wait for the conversation in samtalerom-1, one after the other
    assert _emergency_line(system)["expected_wait_s"] > with_two
    display = eventually(
        lambda: (d := system.notify.get(f"/api/offices/{office}/display").json())["rooms_closed"] and d,
        what="the display says the room is closed",
    )
    assert display["rooms_closed"] == [NAME]

    assert system.command(office, f"rooms/{ROOM}/open").status_code == 200
    assert system.command(office, "call-next", {"room_id": ROOM}).status_code == 200


def test_an_unknown_room_is_a_clear_422(system: System) -> None:
    answer = system.command(OFFICE, "rooms/rom-99/close")

    assert (answer.status_code, answer.json()["error"]) == (422, "unknown_room")
    assert "rom-99" not in answer.text


def test_only_hosts_open_and_close_rooms(system: System) -> None:
    display = {"Authorization": f"Bearer {system.token(Role.DISPLAY, (OFFICE,))}"}

    answer = system.queue.post(f"/api/offices/{OFFICE}/rooms/{ROOM}/close", headers=display)

    assert answer.status_code == 403


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_host_closes_a_room_from_the_tablet_and_the_display_says_so(
    browser: Any, system: System, office: str, language: str
) -> None:
    words = WORDS[language]
    assert system.check_in(office, EMERGENCY).status_code == 201
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tablet = context.new_page()
    tablet.goto(system.page_url("queue", f"/tablet/{office}?lang={language}", Role.HOST, office))
    expect(tablet.locator("#status")).to_have_attribute("data-status", "live")
    screen = context.new_page()
    screen.goto(system.page_url("notify", f"/display/{office}?lang={language}", Role.DISPLAY, office))
    expect(screen.locator("#status")).to_have_attribute("data-status", "live")
    try:
        card = tablet.locator(f"#rooms > li[data-room='{ROOM}']")
        close = card.get_by_role("button", name=f"{words['tablet.close_room']} – {NAME}")
        close.click()
        expect(close).to_have_attribute("aria-expanded", "true")
        how_long = card.get_by_role("group", name=words["tablet.close_how_long"].replace("{room}", NAME))
        how_long.get_by_role("button", name=words["tablet.close_further_notice"]).click()

        expect(card).to_have_class("closed")
        expect(card.locator(".stage")).to_have_text(words["tablet.room_closed"])
        expect(card.get_by_role("button", name=f"{words['tablet.call_next']} – {NAME}")).to_be_hidden()
        closed_words = words["display.rooms_closed"].replace("{rooms}", NAME)
        expect(screen.locator("#lines .rooms-closed")).to_have_text(closed_words)
        # one figure: the tablet's line title and the display's line say the same wait
        tablet_title = tablet.locator(".line[data-line='emergency'] h3")
        display_line = screen.locator("#lines li[data-line='emergency']")
        wait = _said(words, _emergency_line(system))
        expect(tablet_title).to_contain_text(wait)
        expect(display_line).to_contain_text(wait)
        assert axe_violations(tablet) == []
        assert axe_violations(screen) == []
        if language == "nb":
            SCREENS.mkdir(parents=True, exist_ok=True)
            tablet.screenshot(path=str(SCREENS / "tablet-room-closed.png"))
        # every room closed: no figure, but "no room open", on both
        assert system.command(office, f"rooms/{OTHER_ROOM}/close").status_code == 200
        expect(tablet_title).to_contain_text(words["wait.no_room"])
        expect(display_line).to_contain_text(words["wait.no_room"])
        assert system.command(office, f"rooms/{OTHER_ROOM}/open").status_code == 200
        expect(tablet_title).to_contain_text(wait)

        card.get_by_role("button", name=f"{words['tablet.open_room']} – {NAME}").click()

        expect(card).to_have_class("free")
        expect(screen.locator("#lines .rooms-closed")).to_have_count(0)
    finally:
        tablet.screenshot(path=str(artifacts() / f"rooms-in-service-{language}.png"))
        context.close()


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_host_closes_a_room_for_half_an_hour_by_keyboard_and_tablet_and_display_say_until_when(
    browser: Any, system: System, office: str, language: str
) -> None:
    words = WORDS[language]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tablet = context.new_page()
    tablet.goto(system.page_url("queue", f"/tablet/{office}?lang={language}", Role.HOST, office))
    expect(tablet.locator("#status")).to_have_attribute("data-status", "live")
    screen = context.new_page()
    screen.goto(system.page_url("notify", f"/display/{office}?lang={language}", Role.DISPLAY, office))
    expect(screen.locator("#status")).to_have_attribute("data-status", "live")
    try:
        card = tablet.locator(f"#rooms > li[data-room='{ROOM}']")
        close = card.get_by_role("button", name=f"{words['tablet.close_room']} – {NAME}")
        how_long = card.get_by_role("group", name=words["tablet.close_how_long"].replace("{room}", NAME))
        expect(how_long).to_be_hidden()
        close.focus()
        tablet.keyboard.press("Enter")
        expect(close).to_have_attribute("aria-expanded", "true")
        choices = [
            words["tablet.close_for_minutes"].replace("{minutes}", "15"),
            words["tablet.close_for_minutes"].replace("{minutes}", "30"),
            words["tablet.close_for_an_hour"],
            words["tablet.close_further_notice"],
        ]
        expect(how_long.get_by_role("button")).to_have_text(choices)
        assert axe_violations(tablet) == []
        tablet.keyboard.press("Tab")
        tablet.keyboard.press("Tab")  # past "open room" (hidden) to the first choice, then the second
        expect(how_long.get_by_role("button", name=choices[1])).to_be_focused()
        asked_at = datetime.fromisoformat(system.queue.get("/api/clock").json()["now"])
        tablet.keyboard.press("Enter")

        expect(card).to_have_class("closed")
        room = eventually(
            lambda: next(r for r in system.waiting_list(office)["rooms"] if r["room_id"] == ROOM).get(
                "closed_until"
            ),
            what="the queue keeps when the room is expected back",
        )
        until = datetime.fromisoformat(room)
        assert timedelta(minutes=29) < until - asked_at <= timedelta(minutes=31)
        shown = f"{until.astimezone(ZoneInfo('Europe/Oslo')):%H:%M}"
        expect(card.locator(".stage")).to_have_text(
            words["tablet.room_closed_until"].replace("{time}", shown)
        )
        said = words["tablet.said_room_closed_until"].replace("{room}", NAME).replace("{time}", shown)
        expect(tablet.locator("#said")).to_have_text(said)
        expect(how_long).to_be_hidden()
        assert axe_violations(tablet) == []
        room_until = words["display.room_closed_until"].replace("{room}", NAME).replace("{time}", shown)
        closed_words = words["display.rooms_closed"].replace("{rooms}", room_until)
        expect(screen.locator("#lines .rooms-closed")).to_have_text(closed_words)
        assert axe_violations(screen) == []

        card.get_by_role("button", name=f"{words['tablet.open_room']} – {NAME}").click()
        expect(card).to_have_class("free")
        expect(screen.locator("#lines .rooms-closed")).to_have_count(0)
    finally:
        tablet.screenshot(path=str(artifacts() / f"rooms-closed-until-{language}.png"))
        context.close()


def _said(words: dict[str, str], line: dict[str, Any]) -> str:
    if line["minutes_to"] is None:
        return words["wait.about"].replace("{minutes}", str(line["minutes"]))
    return (
        words["wait.range"].replace("{low}", str(line["minutes"])).replace("{high}", str(line["minutes_to"]))
    )
