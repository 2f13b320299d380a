"""The waiting-room display as visitors and staff meet it, in Chromium against the real running system.

Each test is a user story: a screen nobody tapped shows a call and chimes; several calls at once are all
readable; a visitor who went in stays on the board as gone in; an empty board is a calm waiting room
(time, today's hours, the waits, what to do meanwhile); a lost connection says so; a browser that blocks
sound says so and shows calls all the same; a screen reader hears each call once; English is English.
The states are kept as the screenshots in docs/screens/, and axe-core finds nothing wrong in any.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import expect
from visitflow_devstack.paths import root
from visitflow_devstack.testing import CHROMIUM, CHROMIUM_ARGS, System, axe_violations
from visitflow_platform.access import Role

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "fredrikstad"  # drop-in open on the test clock; five conversation rooms
QUIET_OFFICE = "sarpsborg"  # drop-in 12:00-15:00 on Mondays; no other test calls anyone there
SCREENS = root() / "docs" / "screens"
# What the tests read on the screen, in each language the display speaks.
SAYS = {
    "nb": {
        "gone_in": "Gått inn",
        "waiting": "{count} venter",
        "blocked": "Lyden er blokkert",
        "turn_on": "Slå på lyd",
        "sound_on": "Lyd og opplesning er på",
        "call": "Kølapp {ticket}, gå til {room}",
    },
    "en": {
        "gone_in": "Gone in",
        "waiting": "{count} waiting",
        "blocked": "Sound is blocked",
        "turn_on": "Turn sound on",
        "sound_on": "Sound and announcements are on",
        "call": "Ticket {ticket}, please go to {room}",
    },
}
CATALOGUES = root() / "libs" / "platform" / "src" / "visitflow_platform" / "static" / "i18n"

# Counts the tones the page starts, and records every change of text in a live region (in order),
# through the browser's own APIs: added before any of the page's scripts run.
INSTRUMENTS = """
window.tones = 0;
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) { window.tones += 1; return start.apply(this, args); };
window.spoken = [];
const last = new Map();
new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    const target = mutation.target;
    const node = target.nodeType === Node.ELEMENT_NODE ? target : target.parentElement;
    const region = node && node.closest("[aria-live], [role=status], [role=log], [role=alert]");
    if (!region || last.get(region) === region.textContent) continue;
    last.set(region, region.textContent);
    const added = [...mutation.addedNodes].map((n) => n.textContent);
    window.spoken.push({region: region.id, text: region.textContent, added});
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def _open(browser: Any, system: System, office: str, language: str = "nb") -> Any:
    """The office's display as a kiosk opens it: its link, no tap."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_init_script(INSTRUMENTS)
    screen = context.new_page()
    screen.goto(system.page_url("notify", f"/display/{office}?lang={language}", Role.DISPLAY, office))
    expect(screen.locator("#status")).to_have_attribute("data-status", "live")
    return screen


@pytest.fixture(params=["nb", "en"])
def language(request: pytest.FixtureRequest) -> str:
    """Each story is played in Norwegian and in English; the Norwegian one is kept as the screenshot."""
    result: str = request.param
    return result


@pytest.fixture
def display(browser: Any, system: System, language: str) -> Iterator[Any]:
    system.clear(OFFICE)
    screen = _open(browser, system, OFFICE, language)
    try:
        yield screen
    finally:
        screen.context.close()
        system.clear(OFFICE)


@pytest.fixture
def silent_browser(browser: Any) -> Iterator[Any]:
    """Chromium as it starts by default, without the kiosk's autoplay flag: sound needs a tap first."""
    args = [arg for arg in CHROMIUM_ARGS if not arg.startswith("--autoplay-policy")]
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        yield chromium
    finally:
        chromium.close()


def _visitors(system: System, count: int, office: str = OFFICE) -> list[dict[str, Any]]:
    answers = [
        system.check_in(office, {"kind": "drop_in", "reason": "deliver_documents"}) for _ in range(count)
    ]
    assert all(answer.status_code == 201 for answer in answers), [answer.text for answer in answers]
    return [answer.json() for answer in answers]


def _call(system: System, visit: dict[str, Any], room: str, office: str = OFFICE) -> None:
    answer = system.command(office, f"visits/{visit['visit_id']}/call", {"room_id": room})
    assert answer.status_code == 200, answer.text


def _keep(screen: Any, name: str, language: str) -> None:
    """The screen as it is now, checked by axe-core; in Norwegian also kept as docs/screens/<name>.png."""
    if language == "nb":
        SCREENS.mkdir(parents=True, exist_ok=True)
        screen.screenshot(path=str(SCREENS / f"{name}.png"))
    assert axe_violations(screen) == []


def test_a_call_shows_and_chimes_on_a_screen_nobody_tapped(
    system: System, display: Any, language: str
) -> None:
    (visit,) = _visitors(system, 1)
    expect(display.locator("#sound")).to_have_attribute("data-sound", "on")  # the kiosk's autoplay flag

    _call(system, visit, "samtalerom-2")

    expect(display.locator("#now")).to_have_class(re.compile("fresh"))
    expect(display.locator("#now")).to_contain_text(visit["ticket"])
    expect(display.locator("#now")).to_contain_text("Samtalerom 2")
    expect(display.locator(f"#calls li[data-ticket='{visit['ticket']}']")).to_be_visible()
    assert display.evaluate("window.tones") > 0
    _keep(display, "display-one-call", language)


def test_several_calls_at_once_are_all_on_the_board(system: System, display: Any, language: str) -> None:
    visits = _visitors(system, 3)
    rooms = ["samtalerom-1", "samtalerom-3", "samtalerom-4"]

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda pair: _call(system, *pair), zip(visits, rooms, strict=True)))

    for visit, room in zip(visits, rooms, strict=True):
        row = display.locator(f"#calls li[data-ticket='{visit['ticket']}']")
        expect(row).to_have_class(re.compile("recent"))
        expect(row).to_contain_text(room.replace("samtalerom-", "Samtalerom "))
    expect(display.locator("#now.fresh")).to_be_visible()
    _keep(display, "display-several-calls", language)


def test_a_visitor_who_went_in_stays_on_the_board_as_gone_in(
    system: System, display: Any, language: str
) -> None:
    first, second = _visitors(system, 2)
    _call(system, first, "samtalerom-1")
    _call(system, second, "samtalerom-2")
    expect(display.locator(f"#calls li[data-ticket='{second['ticket']}']")).to_be_visible()

    started = system.command(OFFICE, f"visits/{first['visit_id']}/start", {})
    assert started.status_code == 200, started.text

    gone = display.locator(f"#calls li[data-ticket='{first['ticket']}']")
    expect(gone).to_have_class(re.compile("gone"))
    expect(gone).to_contain_text(SAYS[language]["gone_in"])
    expect(display.locator(f"#calls li[data-ticket='{second['ticket']}']")).not_to_have_class(
        re.compile("gone")
    )
    expect(display.locator("#board")).to_have_attribute("data-state", "calls")
    # the big card is for whoever is still expected in a room, once the highlights are over
    expect(display.locator("#now")).not_to_have_class(re.compile("fresh"), timeout=20_000)
    expect(display.locator("#now .ticket")).to_have_text(second["ticket"])
    _keep(display, "display-gone-in", language)


@pytest.mark.parametrize("language", ["nb", "en"])
def test_with_no_calls_the_screen_is_a_calm_waiting_room(browser: Any, system: System, language: str) -> None:
    system.clear(QUIET_OFFICE)
    _visitors(system, 2, QUIET_OFFICE)
    screen = _open(browser, system, QUIET_OFFICE, language)
    try:
        expect(screen.locator("#board")).to_have_attribute("data-state", "quiet")
        expect(screen.locator("#clock")).to_have_text(re.compile(r"^\d\d[:.]\d\d$"))
        drop_in = {"nb": "Drop-in i dag: 12:00-15:00", "en": "Drop-in today: 12:00-15:00"}[language]
        expect(screen.locator("#hours")).to_contain_text(drop_in)
        wait = {"nb": r"2 venter · ca\. \d+ min", "en": r"2 waiting · about \d+ min"}[language]
        expect(screen.locator(".lines li[data-line='drop_in']")).to_contain_text(re.compile(wait))
        expect(screen.locator("#tips li")).to_have_count(4)  # Sarpsborg has public PCs
        expect(screen.locator(".calls")).to_be_hidden()
        _keep(screen, "display-quiet" if language == "nb" else "display-quiet-en", "nb")
    finally:
        screen.context.close()
        system.clear(QUIET_OFFICE)


def test_a_screen_that_lost_its_connection_says_so_and_catches_up(
    system: System, display: Any, language: str
) -> None:
    first, second = _visitors(system, 2)
    _call(system, first, "samtalerom-5")
    expect(display.locator(f"#calls li[data-ticket='{first['ticket']}']")).to_be_visible()

    system.stack.stop_service("notify-api")
    try:
        expect(display.locator("#status")).to_have_attribute("data-status", "offline")
        expect(display.locator("#offline")).to_be_visible()
        expect(display.locator(f"#calls li[data-ticket='{first['ticket']}']")).to_be_visible()  # still shown
        _keep(display, "display-disconnected", language)
        _call(system, second, "samtalerom-4")  # while the screen is cut off
    finally:
        system.restart_stopped("notify-api")

    expect(display.locator("#status")).to_have_attribute("data-status", "live", timeout=30_000)
    expect(display.locator("#offline")).to_be_hidden()
    expect(display.locator(f"#calls li[data-ticket='{second['ticket']}']")).to_contain_text("Samtalerom 4")


def test_a_browser_that_blocks_sound_says_so_and_shows_calls_all_the_same(
    silent_browser: Any, system: System, language: str
) -> None:
    system.clear(OFFICE)
    screen = _open(silent_browser, system, OFFICE, language)
    try:
        notice = screen.locator("#sound")
        expect(notice).to_have_attribute("data-sound", "blocked")
        expect(notice).to_contain_text(SAYS[language]["blocked"])
        (visit,) = _visitors(system, 1)

        _call(system, visit, "samtalerom-3")

        expect(screen.locator("#now")).to_contain_text(visit["ticket"])
        expect(screen.locator(f"#calls li[data-ticket='{visit['ticket']}']")).to_be_visible()
        assert screen.evaluate("window.tones") == 0
        _keep(screen, "display-sound-blocked", language)

        screen.get_by_role("button", name=SAYS[language]["turn_on"]).click()  # staff tap once
        expect(notice).to_have_attribute("data-sound", "on")
        expect(notice).to_contain_text(SAYS[language]["sound_on"])
    finally:
        screen.context.close()
        system.clear(OFFICE)


def test_a_screen_reader_hears_each_call_exactly_once(system: System, display: Any, language: str) -> None:
    says = SAYS[language]
    visits = _visitors(system, 3)
    expect(display.locator(".lines li[data-line='drop_in']")).to_contain_text(says["waiting"].format(count=3))
    before = display.evaluate("window.spoken.length")

    _call(system, visits[0], "samtalerom-1")
    expect(display.locator("#announcer p")).to_have_count(1)
    assert system.command(OFFICE, f"visits/{visits[0]['visit_id']}/start", {}).status_code == 200
    _call(system, visits[1], "samtalerom-2")
    _call(system, visits[2], "samtalerom-3")
    _visitors(system, 1)  # more frames: a check-in, and whatever the board shows meanwhile
    expect(display.locator("#announcer p")).to_have_count(3, timeout=30_000)
    expect(display.locator("#now")).not_to_have_class(re.compile("fresh"), timeout=30_000)
    _visitors(system, 1)  # and one more after the last highlight, seen on the board
    expect(display.locator(".lines li[data-line='drop_in']")).to_contain_text(says["waiting"].format(count=2))

    spoken = display.evaluate("window.spoken")[before:]
    assert [change["region"] for change in spoken] == ["announcer"] * 3, spoken
    said = [text for change in spoken for text in change["added"]]
    rooms = ["Samtalerom 1", "Samtalerom 2", "Samtalerom 3"]
    assert said == [
        says["call"].format(ticket=v["ticket"], room=room) for v, room in zip(visits, rooms, strict=True)
    ]


def _fragments(template: str) -> list[str]:
    """The words of a message around its placeholders, those long enough to tell a language by."""
    return [part.strip() for part in re.split(r"\{\w+\}", template) if len(part.strip()) > 3]


def test_in_english_no_norwegian_is_left_on_the_screen(system: System, browser: Any) -> None:
    nb = json.loads((CATALOGUES / "nb.json").read_text())
    en = json.loads((CATALOGUES / "en.json").read_text())
    norwegian = [
        fragment
        for key, text in nb.items()
        if key.startswith(("display.", "status.")) and text != en.get(key)
        for fragment in _fragments(text)
    ]
    system.clear(OFFICE)
    (visit,) = _visitors(system, 1)
    screen = _open(browser, system, OFFICE, "en")
    try:
        _call(system, visit, "samtalerom-1")
        assert system.command(OFFICE, f"visits/{visit['visit_id']}/start", {}).status_code == 200
        expect(screen.locator(f"#calls li[data-ticket='{visit['ticket']}']")).to_contain_text("Gone in")
        expect(screen.locator("#lines-title")).to_have_text("Queues")
        expect(screen.locator(".lines li[data-line='emergency'] .name")).to_have_text("Emergency (A)")
        expect(screen).to_have_title(re.compile("Waiting room$"))
        shown = screen.locator("body").inner_text() + screen.title()
        assert [fragment for fragment in norwegian if fragment in shown] == []
        assert axe_violations(screen) == []
    finally:
        screen.context.close()
        system.clear(OFFICE)
