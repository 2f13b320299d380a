"""The host's tablet as hosts meet it, in Chromium against the real running system.

Each test is a user story: call-next is a bar at the bottom of the screen, where a standing host's thumb
is, in portrait and in landscape, with the room to call to; every tap is answered in a short sentence
("D-012 ropt opp til Samtalerom 2"); an act that takes a visitor off a list (complete, no-show, left,
transfer) can be undone from a bar with a countdown, on every tablet at once; a visitor called three
times is not made a no-show behind the host's back, the host chooses; a visitor who stepped out keeps
their place and is not called until back; a refusal is said in the page's language, never in the
server's English; emergencies carried over from an earlier day are on top until followed up, and the
office's closing is announced; counsellors show by name; the office's clock is on screen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import orjson
import pytest
from playwright.sync_api import expect
from visitflow_devstack.paths import root
from visitflow_devstack.testing import System, artifacts
from visitflow_platform.access import Role

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "hamar"  # drop-in open on the test clock; four conversation rooms and a meeting room
PORTRAIT = {"width": 800, "height": 1280}
LANDSCAPE = {"width": 1280, "height": 800}
CATALOGUES = root() / "libs" / "platform" / "src" / "visitflow_platform" / "static" / "i18n"
WORDS = {language: json.loads((CATALOGUES / f"{language}.json").read_text()) for language in ("nb", "en")}

Tablet = Callable[..., Any]


@pytest.fixture
def office(system: System) -> Iterator[str]:
    system.clear(OFFICE)
    try:
        yield OFFICE
    finally:
        system.clear(OFFICE)


@pytest.fixture
def tablet(browser: Any, system: System, request: pytest.FixtureRequest) -> Iterator[Tablet]:
    """Opens the office's tablet as a host does (their link); `stream`, when given, is a snapshot the page
    gets instead of the live stream (a tablet whose picture is behind). Each one is kept as a screenshot."""
    pages: list[Any] = []

    def open_tablet(
        language: str = "nb", viewport: dict[str, int] = LANDSCAPE, stream: dict[str, Any] | None = None
    ) -> Any:
        context = browser.new_context(viewport=viewport, locale="nb-NO")
        page = context.new_page()
        if stream is not None:
            frame = orjson.dumps({"snapshot": stream}).decode()
            body = f"retry: 600000\nid: 1-1\nevent: snapshot\ndata: {frame}\n\n"
            page.route(
                "**/queue/stream?**",
                lambda route: route.fulfill(
                    status=200, headers={"Content-Type": "text/event-stream"}, body=body
                ),
            )
        page.goto(system.page_url("queue", f"/tablet/{OFFICE}?lang={language}", Role.HOST, OFFICE))
        if stream is None:
            expect(page.locator("#status")).to_have_attribute("data-status", "live")
        expect(page.locator("#rooms li")).not_to_have_count(0)
        pages.append(page)
        return page

    try:
        yield open_tablet
    finally:
        for index, page in enumerate(pages):
            page.screenshot(path=str(artifacts() / f"{request.node.name}-{index}.png"))
            page.context.close()


def _visitors(
    system: System, count: int, kind: str = "drop_in", reason: str = "deliver_documents"
) -> list[dict[str, Any]]:
    answers = [system.check_in(OFFICE, {"kind": kind, "reason": reason}) for _ in range(count)]
    assert all(answer.status_code == 201 for answer in answers), [answer.text for answer in answers]
    return [answer.json() for answer in answers]


def _command(system: System, visit: dict[str, Any], path: str, body: dict[str, Any] | None = None) -> None:
    answer = system.command(OFFICE, f"visits/{visit['visit_id']}/{path}", body)
    assert answer.status_code == 200, answer.text


def _waiting(page: Any, line: str = "drop_in") -> Any:
    """The tickets of one line, in their order on the screen."""
    return page.locator(f".line[data-line='{line}'] li .ticket")


def test_call_next_is_a_bar_at_the_bottom_with_the_room_to_call_to(
    system: System, office: str, tablet: Tablet
) -> None:
    for viewport in (PORTRAIT, LANDSCAPE):
        system.clear(OFFICE)
        first, _ = _visitors(system, 2)
        page = tablet(viewport=viewport)
        call_next = page.locator("#call-next")
        expect(call_next).to_be_in_viewport()
        box = call_next.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] > viewport["height"] - 80  # at the bottom, where the thumb is

        page.select_option("#call-room", "samtalerom-3")
        call_next.click()

        expect(page.locator("#said")).to_have_text(f"{first['ticket']} ropt opp til Samtalerom 3")
        expect(page.locator("#rooms li[data-room='samtalerom-3'] strong")).to_have_text(first["ticket"])
        expect(page.locator("#call-room option[value='samtalerom-3']")).to_have_count(0)  # busy now
        expect(page.locator("#waiting-count")).to_have_text("1 venter")
        page.mouse.wheel(0, 3000)  # far down the lists, the bar is still there
        expect(call_next).to_be_in_viewport()


def test_a_completed_visit_can_be_undone_for_a_few_seconds_on_every_tablet(
    system: System, office: str, tablet: Tablet
) -> None:
    (visit,) = _visitors(system, 1)
    ticket = visit["ticket"]
    _command(system, visit, "call", {"room_id": "samtalerom-2"})
    _command(system, visit, "start")
    page, colleague = tablet(), tablet()
    room = page.locator("#rooms li[data-room='samtalerom-2']")

    room.get_by_role("button", name="Ferdig").click()  # an outcome is a button, with an undo

    undo = page.locator("#undo li")
    expect(undo).to_contain_text(f"{ticket} avsluttet: Ferdig")
    expect(undo.locator(".left")).to_have_text(re.compile(r"^\d+ s$"))
    assert int(undo.locator(".left").inner_text().split()[0]) <= system.waiting_list(OFFICE).get(
        "undo_seconds", 15
    )
    for screen in (page, colleague):
        expect(screen.locator("#rooms li[data-room='samtalerom-2']")).to_have_class("free")

    undo.get_by_role("button", name="Angre").click()

    expect(page.locator("#said")).to_have_text(f"Angret: {ticket} er tilbake")
    expect(undo).to_have_count(0)
    for screen in (page, colleague):  # the restored visit follows on every tablet, through the stream
        restored = screen.locator("#rooms li[data-room='samtalerom-2']")
        expect(restored.locator("strong")).to_have_text(ticket)
        expect(restored).to_have_class("in_service")


def test_a_visitor_who_left_is_back_at_their_place_when_undone(
    system: System, office: str, tablet: Tablet
) -> None:
    tickets = [visit["ticket"] for visit in _visitors(system, 3)]
    page = tablet()
    page.locator(f".line li[data-ticket='{tickets[1]}']").get_by_role("button", name="Gikk").click()

    expect(page.locator("#undo li")).to_contain_text(f"{tickets[1]} gikk og er tatt av lista")
    expect(_waiting(page)).to_have_text([tickets[0], tickets[2]])

    page.locator("#undo li").get_by_role("button", name="Angre").click()

    expect(_waiting(page)).to_have_text(tickets)  # at their own place, not at the end


def test_a_transfer_is_buttons_for_the_lines_and_can_be_undone(
    system: System, office: str, tablet: Tablet
) -> None:
    tickets = [visit["ticket"] for visit in _visitors(system, 3)]
    page = tablet()
    item = page.locator(f".line li[data-ticket='{tickets[1]}']")
    item.get_by_role("button", name="Flytt").click()
    expect(item.get_by_role("button", name="Til Drop-in")).to_be_hidden()  # not where they are already
    item.get_by_role("button", name="Til Akutt").click()

    expect(page.locator("#undo li")).to_contain_text(f"{tickets[1]} flyttet til Akutt")
    expect(_waiting(page, "emergency")).to_have_text([tickets[1]])
    expect(_waiting(page)).to_have_text([tickets[0], tickets[2]])

    page.locator("#undo li").get_by_role("button", name="Angre").click()

    expect(_waiting(page)).to_have_text(tickets)
    expect(_waiting(page, "emergency")).to_have_count(0)


def test_a_third_recall_is_refused_and_the_host_chooses_no_show(
    system: System, office: str, tablet: Tablet
) -> None:
    """The office's `no_show_after_calls` (3) calls, then the host decides: never a no-show by itself."""
    (visit,) = _visitors(system, 1)
    ticket = visit["ticket"]
    _command(system, visit, "call", {"room_id": "samtalerom-1"})
    page = tablet()
    room = page.locator("#rooms li[data-room='samtalerom-1']")
    said = page.locator("#said")

    room.get_by_role("button", name="Rop igjen").click()
    expect(said).to_have_text(f"{ticket} ropt opp igjen til Samtalerom 1 (2. gang)")
    room.get_by_role("button", name="Rop igjen").click()
    expect(said).to_have_text(f"{ticket} ropt opp igjen til Samtalerom 1 (3. gang)")
    expect(room.locator(".stage")).to_have_text("Ropt opp 3 ganger")

    room.get_by_role("button", name="Rop igjen").click()

    expect(said).to_have_text(WORDS["nb"]["error.recall_limit"])
    expect(room.locator("strong")).to_have_text(ticket)  # still called to the room, not a no-show

    room.get_by_role("button", name="Møtte ikke").click()

    expect(page.locator("#undo li")).to_contain_text(f"{ticket} registrert som «Møtte ikke»")
    expect(room).to_have_class("free")
    page.locator("#undo li").get_by_role("button", name="Angre").click()
    expect(room.locator("strong")).to_have_text(ticket)
    expect(room).to_have_class("called")


def test_a_visitor_who_stepped_out_keeps_their_place_and_is_not_called(
    system: System, office: str, tablet: Tablet
) -> None:
    tickets = [visit["ticket"] for visit in _visitors(system, 3)]
    page = tablet()
    said = page.locator("#said")
    first = page.locator(f".line li[data-ticket='{tickets[0]}']")

    first.get_by_role("button", name="Sett på vent").click()

    expect(said).to_have_text(f"{tickets[0]} er på vent og beholder plassen")
    expect(first).to_contain_text("På vent – beholder plassen")
    expect(first.get_by_role("button", name="Rop opp")).to_have_attribute("aria-disabled", "true")
    expect(_waiting(page)).to_have_text(tickets)  # their place is kept
    expect(page.locator("#waiting-count")).to_have_text("2 venter · 1 på vent")

    page.locator("#call-next").click()
    expect(said).to_have_text(re.compile(f"^{tickets[1]} ropt opp til "))  # the next one who is here

    first.get_by_role("button", name="Tilbake i køen").click()
    expect(said).to_have_text(f"{tickets[0]} er tilbake i køen")
    page.locator("#call-next").click()
    expect(said).to_have_text(re.compile(f"^{tickets[0]} ropt opp til "))  # first in line again


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_refusal_is_said_in_the_pages_language(
    system: System, office: str, tablet: Tablet, language: str
) -> None:
    """Two hosts take the same room at once: the one whose tablet was a moment behind is told why, in
    words of the page's language, never with the server's English sentence."""
    first, _ = _visitors(system, 2)
    page = tablet(language, stream=system.waiting_list(OFFICE))  # this tablet's picture stays behind
    _command(system, first, "call", {"room_id": "samtalerom-1"})  # another host takes room 1

    page.select_option("#call-room", "samtalerom-1")
    page.locator("#call-next").click()

    said = page.locator("#said")
    expect(said).to_have_text(WORDS[language]["error.room_busy"])
    expect(said).to_have_class(re.compile("error"))
    expect(page.locator("#announcer")).to_contain_text(WORDS[language]["error.room_busy"])
    assert first["ticket"] not in said.inner_text()  # the server's sentence names the ticket: not shown


def test_an_unknown_refusal_gets_a_plain_sentence_not_the_servers(
    system: System, office: str, tablet: Tablet
) -> None:
    _visitors(system, 1)
    page = tablet()
    english = "Something only the server says."
    page.route(
        "**/call-next",
        lambda route: route.fulfill(status=409, json={"error": "a_code_from_tomorrow", "message": english}),
    )
    page.locator("#call-next").click()
    expect(page.locator("#said")).to_have_text(WORDS["nb"]["error.unknown"])
    expect(page.locator("body")).not_to_contain_text(english)


def test_a_call_tapped_again_after_its_answer_was_lost_calls_one_visitor_once(
    system: System, office: str, tablet: Tablet
) -> None:
    """The answer is lost and the tablet's picture has not moved on (its connection is down too: here, a
    picture that stays as it was), so the host taps the same call again."""
    first, second = _visitors(system, 2)
    page = tablet(stream=system.waiting_list(OFFICE))
    keys: list[str] = []

    def lose_the_first_answer(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the queue carries the call out ...
            route.abort("connectionreset")  # ... and its answer is lost on the way back
            return
        route.continue_()

    page.route("**/call-next", lose_the_first_answer)
    page.select_option("#call-room", "samtalerom-1")
    page.locator("#call-next").click()
    expect(page.locator("#said")).to_have_text(WORDS["nb"]["error.network"])
    page.locator("#call-next").click()

    expect(page.locator("#said")).to_have_text(f"{first['ticket']} ropt opp til Samtalerom 1")
    assert len(keys) == 2
    assert keys[0] == keys[1]
    snapshot = system.waiting_list(OFFICE)
    assert [visit["ticket"] for visit in snapshot["called"]] == [first["ticket"]]
    assert [visit["ticket"] for visit in snapshot["waiting"]] == [second["ticket"]]


def test_carried_over_emergencies_are_on_top_until_followed_up_and_closing_is_announced(
    system: System, office: str, tablet: Tablet
) -> None:
    """The day's close carries unserved emergencies over; the half hour before closing is announced. The
    test clock stays at midday, so this picture is given to the page as the snapshot would carry it;
    "Fulgt opp" goes to the real API."""
    carried = {
        "visit_id": str(uuid4()),
        "ticket": "A-007",
        "kind": "emergency",
        "since": "2026-11-20T15:10:00+01:00",
    }
    closing = {"at": "15:30", "waiting": 4, "in_service": 2, "emergencies": 1}
    page = tablet(stream=system.waiting_list(OFFICE) | {"follow_up": [carried], "closing": closing})

    expect(page.locator("#closing")).to_have_text(
        "Stenger 15:30: 4 venter, 2 i samtale, 1 akutt går til oppfølging"
    )
    entry = page.locator("#follow-ups li[data-ticket='A-007']")
    expect(entry).to_contain_text("Akutt, sjekket inn fre. 20.11. kl. 15:10")
    top, checkin = page.locator("#follow-up").bounding_box(), page.locator("#checkin").bounding_box()
    assert top is not None
    assert checkin is not None
    assert top["y"] < checkin["y"]  # first, at the top

    with page.expect_request(f"**/api/offices/{OFFICE}/follow-ups/{carried['visit_id']}/resolve") as sent:
        entry.get_by_role("button", name="Fulgt opp").click()
    assert sent.value.method == "POST"
    # an emergency the office does not have on its list: the API's refusal, in words
    expect(page.locator("#said")).to_have_text(WORDS["nb"]["error.unknown_visit"])


def test_counsellors_show_by_name_and_the_offices_clock_is_on_screen(
    system: System, office: str, tablet: Tablet
) -> None:
    starts = (system.clock.now() + timedelta(minutes=5)).isoformat()
    appointment = {"reference": "HA-2041", "starts_at": starts, "counsellor_id": "veileder-3"}
    checked_in = system.check_in(
        OFFICE, {"kind": "appointment", "reason": "counsellor_appointment", "appointment": appointment}
    )
    assert checked_in.status_code == 201, checked_in.text
    page = tablet()
    item = page.locator(f".line li[data-ticket='{checked_in.json()['ticket']}']")
    expect(item.locator(".tag", has_text="Veileder 3")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("veileder-3")

    shown = page.locator("#clock").inner_text()
    now = system.clock.now().astimezone(ZoneInfo("Europe/Oslo"))
    assert shown in {f"{at:%H:%M}" for at in (now - timedelta(minutes=1), now)}
