"""The counsellor's page as counsellors meet it, in Chromium against the real running system.

A counsellor who opens the page after their appointment arrived sees it at once; one who has it open
hears a chime and sees the new arrival; they choose themselves from the office's counsellors, by name,
and see nobody else's; the page speaks Norwegian or English, all of it; a browser that blocks sound
says so. Tickets, times and rooms only. axe-core finds nothing wrong in any state kept as a screenshot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from visitflow_devstack.paths import root
from visitflow_devstack.testing import CHROMIUM, CHROMIUM_ARGS, System, axe_violations
from visitflow_platform.access import Role

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "arendal"  # open on the test clock; counsellors from the defaults (Veileder 1-6)
SCREENS = root() / "docs" / "screens"
# What the tests read on the page, in each language it speaks.
SAYS = {
    "nb": {
        "called": "Ropt opp til {room}",
        "waiting": "Venter",
        "arrived_at": r"kom kl\. \d\d[:.]\d\d",
        "blocked": "Lyden er blokkert",
        "turn_on": "Slå på lyd",
    },
    "en": {
        "called": "Called to {room}",
        "waiting": "Waiting",
        "arrived_at": r"arrived at \d\d[:.]\d\d",
        "blocked": "Sound is blocked",
        "turn_on": "Turn sound on",
    },
}
TONES = """
window.tones = 0;
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) { window.tones += 1; return start.apply(this, args); };
"""


@pytest.fixture
def office(system: System) -> Iterator[str]:
    system.clear(OFFICE)
    try:
        yield OFFICE
    finally:
        system.clear(OFFICE)


def _open(browser: Any, system: System, query: str = "") -> Any:
    context = browser.new_context(viewport={"width": 1024, "height": 640})
    context.add_init_script(TONES)
    page = context.new_page()
    page.goto(system.page_url("notify", f"/counsellor/{OFFICE}{query}", Role.COUNSELLOR, OFFICE))
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    return page


def _appointment(system: System, counsellor_id: str, reference: str) -> dict[str, Any]:
    body = {
        "kind": "appointment",
        "reason": "counsellor_appointment",
        "appointment": {
            "reference": reference,
            "starts_at": system.clock.now().isoformat(),
            "counsellor_id": counsellor_id,
        },
    }
    answer = system.check_in(OFFICE, body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_counsellor_who_opens_the_page_later_sees_who_has_arrived(
    system: System, browser: Any, office: str, language: str
) -> None:
    says = SAYS[language]
    mine = _appointment(system, "veileder-3", "TA-7301")
    other = _appointment(system, "veileder-4", "TA-7302")
    called = system.command(office, f"visits/{mine['visit_id']}/call", {"room_id": "samtalerom-2"})
    assert called.status_code == 200, called.text
    later = _appointment(system, "veileder-3", "TA-7303")

    page = _open(browser, system, f"?counsellor=veileder-3&lang={language}")
    try:
        expect(page.locator("#counsellor option:checked")).to_have_text("Veileder 3")
        first = page.locator(f"#arrivals li[data-ticket='{mine['ticket']}']")
        expect(first).to_contain_text(says["called"].format(room="Samtalerom 2"))
        expect(first).to_contain_text(re.compile(says["arrived_at"]))
        expect(page.locator(f"#arrivals li[data-ticket='{later['ticket']}']")).to_contain_text(
            says["waiting"]
        )
        expect(page.locator(f"#arrivals li[data-ticket='{other['ticket']}']")).to_have_count(0)
        expect(page.locator("#arrivals li").first).to_have_attribute("data-ticket", later["ticket"])  # newest
        assert page.evaluate("window.tones") == 0  # nothing new since the page opened
        if language == "nb":
            SCREENS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENS / "counsellor.png"))
        assert axe_violations(page) == []
    finally:
        page.context.close()


def test_a_counsellor_with_the_page_open_hears_and_sees_a_new_arrival(
    system: System, browser: Any, office: str
) -> None:
    page = _open(browser, system)
    try:
        expect(page.locator("#none")).to_contain_text("Velg deg selv")
        page.select_option("#counsellor", label="Veileder 5")
        expect(page.locator("#none")).to_contain_text("Ingen av timeavtalene dine")
        _appointment(system, "veileder-2", "TA-7401")  # someone else's
        visit = _appointment(system, "veileder-5", "TA-7402")

        arrival = page.locator(f"#arrivals li[data-ticket='{visit['ticket']}']")
        expect(arrival).to_have_class(re.compile("new"))
        expect(arrival).to_contain_text("Venter")
        expect(page.locator("#announcer p")).to_have_text(
            [f"Timeavtalen din har kommet: kølapp {visit['ticket']}"]
        )
        expect(page.locator("#arrivals li")).to_have_count(1)
        page.wait_for_function("window.tones > 0")
        tones = page.evaluate("window.tones")

        started = system.command(office, f"visits/{visit['visit_id']}/call", {"room_id": "samtalerom-1"})
        assert started.status_code == 200, started.text
        expect(arrival).to_contain_text("Ropt opp til Samtalerom 1")
        assert page.evaluate("window.tones") == tones  # a change is not a new arrival
        expect(page.locator("#announcer p")).to_have_count(1)
        assert axe_violations(page) == []
    finally:
        page.context.close()


def test_the_page_speaks_english_all_of_it(system: System, browser: Any, office: str) -> None:
    visit = _appointment(system, "veileder-1", "TA-7501")
    page = _open(browser, system, "?counsellor=veileder-1")
    try:
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("#status")).to_have_attribute("data-status", "live")
        expect(page).to_have_title("Counsellor – NAV Arendal")
        expect(page.locator("h1")).to_have_text("Counsellor – NAV Arendal")
        expect(page.locator("label[for=counsellor]")).to_have_text("Who are you?")
        expect(page.locator(f"#arrivals li[data-ticket='{visit['ticket']}']")).to_contain_text("arrived at")
        expect(page.locator("#sound")).to_contain_text("Sound is on")
        shown = page.locator("body").inner_text()
        for norwegian in ("Veileder –", "Hvem er du", "Dine oppmøter", "kom kl.", "Venter", "Lyd", "Direkte"):
            assert norwegian not in shown
        assert axe_violations(page) == []
        page.get_by_role("button", name="Norsk").click()
        expect(page.locator("html")).to_have_attribute("lang", "nb")
        expect(page.locator("h1")).to_have_text("Veileder – NAV Arendal")
    finally:
        page.context.close()


@pytest.fixture
def silent_browser(browser: Any) -> Iterator[Any]:
    """Chromium as a desktop starts it, without the kiosk's autoplay flag: sound needs a tap first."""
    args = [arg for arg in CHROMIUM_ARGS if not arg.startswith("--autoplay-policy")]
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_browser_that_blocks_sound_says_so_until_the_counsellor_turns_it_on(
    system: System, silent_browser: Any, office: str, language: str
) -> None:
    page = _open(silent_browser, system, f"?counsellor=veileder-2&lang={language}")
    try:
        notice = page.locator("#sound")
        expect(notice).to_have_attribute("data-sound", "blocked")
        expect(notice).to_contain_text(SAYS[language]["blocked"])
        assert axe_violations(page) == []
        page.get_by_role("button", name=SAYS[language]["turn_on"]).click()
        expect(notice).to_have_attribute("data-sound", "on")
        # The test chime starts after the click resolves its promise: wait for it rather than read once.
        page.wait_for_function("window.tones > 0")
    finally:
        page.context.close()
